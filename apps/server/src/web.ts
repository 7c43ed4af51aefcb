import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type {} from '@fastify/swagger'; // its types add `schema.hide`
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './platform/http.js';

/** The agent app's build (`npm run build -w @parley/web`), beside this server in the repository. */
export const WEB_DIST = resolve(import.meta.dirname, '../../web/dist');
/** The chat widget's build (`npm run build -w @parley/widget`). */
export const WIDGET_DIST = resolve(import.meta.dirname, '../../widget/dist');

/**
 * The chat widget's script for customers' sites (any origin may load it: CORS and
 * cross-origin resource policy say so; cached five minutes so a new build reaches sites
 * soon), and a sample shop page that embeds it: `/widget-demo/<public key>`.
 */
export function widgetScriptRoutes(app: App, dist = WIDGET_DIST): void {
  const config = { access: 'public' as const };
  for (const [path, file, type] of [
    ['/widget.js', 'widget.js', 'text/javascript; charset=utf-8'],
    ['/widget.js.map', 'widget.js.map', 'application/json'],
  ] as const) {
    app.get(path, { config, schema: { hide: true } }, async (_request, reply) => {
      const body = await readFile(resolve(dist, file)).catch(() => null);
      if (!body)
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The widget is not built yet: run `npm run build -w @parley/widget`.');
      return reply
        .type(type)
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin')
        .send(body);
    });
  }
  app.get<{ Params: { key: string } }>(
    '/widget-demo/:key',
    { config, schema: { hide: true } },
    (request, reply) => {
      const key = request.params.key.replace(/[^A-Za-z0-9_-]/g, '');
      return reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nordic Parcels — help</title>
<link rel="stylesheet" href="/widget-demo.css">
</head>
<body>
<header><strong>Nordic Parcels</strong> · Track · Ship · Help</header>
<main>
<h1>How can we help?</h1>
<p>This sample shop page embeds Parley's chat widget with one script tag. Open the bubble in the corner and write: your message becomes a conversation in the agent app, with a ticket number.</p>
<p>Ta strona pokazuje widżet czatu. Den här sidan visar chattwidgeten. 此页面展示了聊天小部件。</p>
</main>
<script src="/widget.js" data-parley-key="${key}" async></script>
</body>
</html>`);
    },
  );
  app.get('/widget-demo.css', { config, schema: { hide: true } }, (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .send(
        'body{margin:0;font:16px/1.6 Georgia,serif;color:#222;background:#fdfaf3}header{padding:16px 32px;background:#14532d;color:#fff}main{max-width:720px;margin:40px auto;padding:0 24px}h1{font-size:40px}',
      ),
  );
}

/**
 * Serves the agent app at /app and the customer portal's page at /portal/<slug>/…: their
 * files (hashed assets cached for a year, the pages never), index.html for every other /app
 * path, so the client's routes survive a reload, and portal.html for every portal path. `/`
 * goes to the agent app. Without a build, both say how to make one.
 */
export async function webRoutes(app: App, dist = WEB_DIST): Promise<void> {
  const config = { access: 'public' as const };
  app.get('/', { config, schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));
  if (!existsSync(resolve(dist, 'index.html'))) {
    const notBuilt = (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The agent app is not built yet: run `npm run build -w @parley/web`, then reload.');
    for (const path of ['/app/*', '/portal/:slug', '/portal/:slug/*'])
      app.get(path, { config, schema: { hide: true } }, notBuilt);
    return;
  }
  // The static plugin's own routes (one per file) are public like the pages.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/app/')) route.config = { ...route.config, access: 'public' };
  });
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/app/',
    // A route per file that exists; everything else under /app is the client's (below).
    wildcard: false,
    index: false,
    cacheControl: false, // set below, per kind of file
    schemaHide: true,
    setHeaders(res, path) {
      res.setHeader(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const page = (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/app', { config, schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));
  // The customer portal: the acknowledgement's ticket link and the access mail's magic link
  // land here (`/portal/<slug>/tickets/<n>`, `/portal/<slug>/verify#token=…`).
  const portal = (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('portal.html');
  app.get('/portal/:slug', { config, schema: { hide: true } }, portal);
  app.get('/portal/:slug/*', { config, schema: { hide: true } }, portal);
  app.get('/app/', { config, schema: { hide: true } }, page);
  app.get('/app/*', { config, schema: { hide: true } }, page);
  // A missing asset (an old build's file name) is a 404, never the page in its place.
  app.get('/app/assets/*', { config, schema: { hide: true } }, (_request, reply) =>
    reply.code(404).type('text/plain; charset=utf-8').send('Not found'),
  );
}
