import { render } from 'preact';
import { App } from './App.js';
import { backoff, ChatClient } from './client.js';
import { pickLocale } from './i18n.js';
import { css } from './styles.js';

/**
 * Embed: `<script src="https://support.example.com/widget.js" data-parley-key="pk_…" async></script>`.
 * Optional attributes: `data-locale` (en, pl, sv, fa, zh; else the page's or browser's
 * language), and for a signed-in customer `data-user-id` with `data-user-hash` =
 * hex(HMAC-SHA256(identity secret, user id)) computed on the host's server.
 */
function boot(): void {
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[data-parley-key]');
  const key = script?.dataset.parleyKey;
  if (!script || !key || document.getElementById('parley-widget')) return;
  const base = new URL(script.src, location.href).origin;
  const locale = pickLocale([
    script.dataset.locale ?? '',
    document.documentElement.lang,
    ...navigator.languages,
  ]);
  const identity = {
    ...(script.dataset.userId ? { userId: script.dataset.userId } : {}),
    ...(script.dataset.userHash ? { userHash: script.dataset.userHash } : {}),
  };

  const host = document.createElement('div');
  host.id = 'parley-widget';
  const shadow = host.attachShadow({ mode: 'open' });
  // A constructed sheet is not inline style: a host page's strict CSP does not block it.
  if ('adoptedStyleSheets' in shadow) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = css;
    (shadow as ShadowRoot).appendChild(style);
  }
  const mount = document.createElement('div');
  shadow.appendChild(mount);
  document.body.appendChild(host);

  const client = new ChatClient(base, key, identity, locale);
  render(<App client={client} locale={locale} />, mount);
  // An unknown or switched-off key hides the widget for good; anything else (Parley
  // restarting, the network) is tried again with backoff.
  const start = (attempt: number) => {
    client.start().catch((error: unknown) => {
      if (error instanceof Error && error.message === 'widget_not_found') host.remove();
      else setTimeout(() => start(attempt + 1), backoff(attempt));
    });
  };
  start(0);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
