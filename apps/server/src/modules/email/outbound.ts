import type { SmtpTransport } from '@parley/contract';

/**
 * The pure half of outbound email: which transport, what subject, which threading headers,
 * what HTML. The job that sends (send.job.ts) puts these together.
 */

/** `[#1042]`, `[#PRL-1042]`, `[PRL-1042]`, `[PRL-#1042]`: a ticket number in a subject. */
export const NUMBER_TAG = /\[#?[A-Za-z0-9#-]{0,10}?#?(\d{1,12})\]/;
const NUMBER_TAGS = new RegExp(NUMBER_TAG.source, 'g');

/** Headers sent with references at most: the first one (the thread's root) and the newest. */
export const MAX_REFERENCES = 20;

/** A relay URL (`smtp://user:pass@host:587`, `smtps://host`) as a transport. */
export function relayTransport(url: string): SmtpTransport {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

/** How a ticket number is shown in subjects: the workspace prefix, always behind a `#`. */
export function numberTag(prefix: string, number: number): string {
  const display = `${prefix}${number}`;
  return display.startsWith('#') ? `[${display}]` : `[#${display}]`;
}

/**
 * The subject of an outbound mail, with exactly one number tag (ours, at the end; any other
 * tag is dropped so a reply can never point at another ticket). Replies get `Re:` once;
 * acknowledgements keep their own subject.
 */
export function outboundSubject(props: {
  subject: string;
  reply: boolean;
  prefix: string;
  number: number;
}): string {
  const base = props.subject.replace(NUMBER_TAGS, ' ').replace(/\s+/g, ' ').trim();
  const withRe = props.reply && !/^(re|aw|sv|odp|vs|antw|رد|回复)\s*[:：]/i.test(base);
  return [withRe ? 'Re:' : '', base, numberTag(props.prefix, props.number)]
    .filter(Boolean)
    .join(' ');
}

/**
 * `References`: the thread's Message-IDs in order, at most MAX_REFERENCES (the first one and
 * the newest, as RFC 5322 suggests trimming), each once.
 */
export function references(ids: string[]): string[] {
  const unique = [...new Set(ids)];
  if (unique.length <= MAX_REFERENCES) return unique;
  return [unique[0] ?? '', ...unique.slice(unique.length - (MAX_REFERENCES - 1))];
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Plain text as HTML: escaped, line breaks kept. */
export function textToHtml(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, '<br>\n');
}

/**
 * The bodies of an outbound mail: text and HTML alternatives (HTML from the message's
 * sanitized HTML, else its text), with the mailbox signature after the usual `-- ` line.
 */
export function outboundBodies(props: {
  text: string;
  html: string | null;
  signature: string | null;
}): { text: string; html: string } {
  const signature = props.signature?.trim() ? props.signature.trim() : null;
  const body = props.html ?? textToHtml(props.text);
  return {
    text: signature ? `${props.text.trimEnd()}\n\n-- \n${signature}\n` : props.text,
    html:
      `<div dir="auto">${body}</div>` +
      (signature ? `\n<div dir="auto">-- <br>\n${textToHtml(signature)}</div>` : ''),
  };
}

/** The domain a mailbox's Message-IDs are made under. */
export function messageIdDomain(address: string): string {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'parley.invalid';
}

/** An SMTP error's kind: 5xx is permanent; 4xx, timeouts and refused connections are not. */
export function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** What an agent sees about a failure: the server's reply, else the error; no secrets. */
export function describeSmtpError(error: unknown): string {
  const e = error as { response?: unknown; message?: unknown; code?: unknown } | null;
  const text =
    typeof e?.response === 'string' && e.response
      ? e.response
      : typeof e?.message === 'string'
        ? e.message
        : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, 1000);
}
