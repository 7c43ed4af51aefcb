import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type pg from 'pg';
import { AppError } from './errors.js';
import type { App } from './http.js';

const KEY = /^[\x21-\x7e]{1,200}$/;
/** A key whose first request never finished (crashed) may be used again after this long. */
const STALE_IN_PROGRESS_SECONDS = 60;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { workspaceId: string; key: string } | null;
    /**
     * Who owns Idempotency-Keys on a request made by someone other than a signed-in user
     * (a portal customer), set by the route's own authentication before the handler. Keys
     * are stored as `<namespace>:<key>`, apart from the agents' keys.
     */
    idempotencyOwner: { workspaceId: string; ownerId: string; namespace: string } | null;
  }
}

/**
 * `Idempotency-Key` on creates (POST): the same key with the same body within 24 hours
 * answers with the first response instead of creating again; the same key with another body
 * is `409 idempotency_key_reused`; while the first is still running, `409 conflict`.
 * Keys are per workspace. Only successful (2xx) responses are remembered, so a failed
 * attempt may be retried with the same key.
 */
export function idempotency(app: App, pool: pg.Pool): void {
  app.decorateRequest('idempotency', null);
  app.decorateRequest('idempotencyOwner', null);

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    const owner =
      request.idempotencyOwner ??
      (request.actor
        ? { workspaceId: request.actor.workspaceId, ownerId: request.actor.userId, namespace: '' }
        : null);
    if (request.method !== 'POST' || key === undefined || !owner) return;
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new AppError(
        'validation_failed',
        'Idempotency-Key must be 1–200 visible ASCII characters',
      );
    }
    const workspaceId = owner.workspaceId;
    const storedKey = owner.namespace ? `${owner.namespace}:${key}` : key;
    const path = request.routeOptions.url ?? request.url;
    const bodyHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const claimed = await pool.query(
      `insert into idempotency_keys (workspace_id, key, user_id, method, path, body_hash)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (workspace_id, key) do update
         set user_id = excluded.user_id, body_hash = excluded.body_hash, created_at = now(), status = null, response = null
         where idempotency_keys.created_at < now() - interval '24 hours'
            or (idempotency_keys.status is null
                and idempotency_keys.created_at < now() - make_interval(secs => ${STALE_IN_PROGRESS_SECONDS}))
       returning key`,
      [workspaceId, storedKey, owner.ownerId, request.method, path, bodyHash],
    );
    if (claimed.rowCount === 1) {
      request.idempotency = { workspaceId, key: storedKey };
      return;
    }
    const { rows } = await pool.query<{
      bodyHash: string;
      status: number | null;
      response: unknown;
    }>(
      'select body_hash as "bodyHash", status, response from idempotency_keys where workspace_id = $1 and key = $2',
      [workspaceId, storedKey],
    );
    const first = rows[0];
    if (!first)
      throw new AppError(
        'conflict',
        'The request with this Idempotency-Key is still being processed',
      );
    if (first.bodyHash !== bodyHash) {
      throw new AppError(
        'idempotency_key_reused',
        'This Idempotency-Key was used for a different request',
      );
    }
    if (first.status === null) {
      throw new AppError(
        'conflict',
        'The request with this Idempotency-Key is still being processed; retry shortly',
      );
    }
    return replay(reply, first.status, first.response);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
      await pool.query(
        'update idempotency_keys set status = $3, response = $4 where workspace_id = $1 and key = $2',
        [claim.workspaceId, claim.key, reply.statusCode, payload],
      );
    } else {
      // Not a success: forget the key so the client may retry with it.
      await pool.query('delete from idempotency_keys where workspace_id = $1 and key = $2', [
        claim.workspaceId,
        claim.key,
      ]);
    }
    return payload;
  });
}

function replay(reply: FastifyReply, status: number, response: unknown): FastifyReply {
  return reply
    .status(status)
    .header('idempotent-replayed', 'true')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(response));
}
