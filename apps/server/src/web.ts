import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type {} from '@fastify/swagger'; // its types add `schema.hide`
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './platform/http.js';

/** The agent app's build (`npm run build -w @parley/web`), beside this server in the repository. */
export const WEB_DIST = resolve(import.meta.dirname, '../../web/dist');

/**
 * Serves the agent app at /app: its files (hashed assets cached for a year, index.html never),
 * and index.html for every other /app path, so the client's routes survive a reload. `/` goes
 * there. Without a build, /app says how to make one.
 */
export async function webRoutes(app: App, dist = WEB_DIST): Promise<void> {
  const config = { access: 'public' as const };
  app.get('/', { config, schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));
  if (!existsSync(resolve(dist, 'index.html'))) {
    app.get('/app/*', { config, schema: { hide: true } }, (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The agent app is not built yet: run `npm run build -w @parley/web`, then reload.'),
    );
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
  app.get('/app/', { config, schema: { hide: true } }, page);
  app.get('/app/*', { config, schema: { hide: true } }, page);
  // A missing asset (an old build's file name) is a 404, never the page in its place.
  app.get('/app/assets/*', { config, schema: { hide: true } }, (_request, reply) =>
    reply.code(404).type('text/plain; charset=utf-8').send('Not found'),
  );
}
