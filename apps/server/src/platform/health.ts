import { Type } from '@sinclair/typebox';
import type pg from 'pg';
import type { Broadcaster } from './broadcast.js';
import { pingDatabase } from './db.js';
import type { App } from './http.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Record(
    Type.String(),
    Type.Union([Type.Literal('ok'), Type.Literal('down'), Type.Literal('not configured')]),
  ),
});

/** `/healthz`: the process answers. `/readyz`: it can serve (database, and Redis when configured). */
export function healthRoutes(
  app: App,
  deps: { pool: pg.Pool; broadcaster: Broadcaster; redisConfigured: boolean },
): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      logLevel: 'warn',
      schema: { tags: ['health'], summary: 'Liveness', response: { 200: Health } },
    },
    () => ({ status: 'ok' as const, checks: {} }),
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Readiness: database and Redis',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const [database, redis] = await Promise.all([
        pingDatabase(deps.pool),
        deps.redisConfigured ? deps.broadcaster.healthy() : Promise.resolve(null),
      ]);
      const checks = {
        database: database ? ('ok' as const) : ('down' as const),
        redis:
          redis === null
            ? ('not configured' as const)
            : redis
              ? ('ok' as const)
              : ('down' as const),
      };
      const ok = database && redis !== false;
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
    },
  );
}
