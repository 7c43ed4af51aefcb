import type { TokenScope } from '@parley/contract';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../database.js';
import { sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { parseCredential, SESSION_COOKIE } from './auth.service.js';
import { credentialCache } from './credential-cache.js';

/**
 * Resolves the request's actor from `Authorization: Bearer <token>` or the session
 * cookie. A bearer token that does not resolve is a 401 at once; a stale cookie simply
 * leaves the request anonymous. On a public route a bearer credential that is not an API
 * token belongs to the route (the customer portal's sessions) and is left to it.
 */
export function createAuthenticator(db: Db) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (request.routeOptions.config.access === 'public' && !match?.[1]?.startsWith('prl_')) {
        return;
      }
      const actor = match?.[1] ? await actorFromToken(db, match[1]) : null;
      if (!actor)
        throw new AppError('unauthorized', 'The API token is invalid, expired or revoked');
      request.actor = actor;
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) request.actor = await actorFromSession(db, cookie);
  };
}

export async function actorFromToken(db: Db, value: string): Promise<Actor | null> {
  const parsed = parseCredential(value, 'token');
  if (!parsed) return null;
  const tokenHash = sha256(parsed.secret);
  const key = `token:${parsed.workspaceId}:${tokenHash.toString('hex')}`;
  const cached = credentialCache.get(key);
  if (cached) return cached;
  const row = await db
    .selectFrom('apiTokens')
    .innerJoin('users', (join) =>
      join
        .onRef('users.workspaceId', '=', 'apiTokens.workspaceId')
        .onRef('users.id', '=', 'apiTokens.userId'),
    )
    .select([
      'apiTokens.id',
      'apiTokens.scopes',
      'apiTokens.lastUsedAt',
      'users.id as userId',
      'users.role',
    ])
    .where('apiTokens.workspaceId', '=', parsed.workspaceId)
    .where('apiTokens.tokenHash', '=', tokenHash)
    .where('apiTokens.revokedAt', 'is', null)
    .where((eb) =>
      eb.or([eb('apiTokens.expiresAt', 'is', null), eb('apiTokens.expiresAt', '>', new Date())]),
    )
    .where('users.status', '=', 'active')
    .executeTakeFirst();
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db
      .updateTable('apiTokens')
      .set({ lastUsedAt: new Date() })
      .where('workspaceId', '=', parsed.workspaceId)
      .where('id', '=', row.id)
      .execute();
  }
  const actor: Actor = {
    workspaceId: parsed.workspaceId,
    userId: row.userId,
    role: row.role,
    via: 'token',
    scopes: row.scopes as TokenScope[],
    csrfToken: null,
    credentialId: `token:${row.id}`,
  };
  credentialCache.set(key, actor);
  return actor;
}

export async function actorFromSession(db: Db, cookie: string): Promise<Actor | null> {
  const parsed = parseCredential(cookie, 'session');
  if (!parsed) return null;
  const tokenHash = sha256(parsed.secret);
  const key = `session:${parsed.workspaceId}:${tokenHash.toString('hex')}`;
  const cached = credentialCache.get(key);
  if (cached) return cached;
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', (join) =>
      join
        .onRef('users.workspaceId', '=', 'sessions.workspaceId')
        .onRef('users.id', '=', 'sessions.userId'),
    )
    .select(['sessions.csrfToken', 'sessions.lastSeenAt', 'users.id as userId', 'users.role'])
    .where('sessions.workspaceId', '=', parsed.workspaceId)
    .where('sessions.tokenHash', '=', tokenHash)
    .where('sessions.expiresAt', '>', new Date())
    .where('users.status', '=', 'active')
    .executeTakeFirst();
  if (!row) return null;
  if (Date.now() - row.lastSeenAt.getTime() > 5 * 60_000) {
    await db
      .updateTable('sessions')
      .set({ lastSeenAt: new Date(), expiresAt: sql<Date>`now() + interval '30 days'` })
      .where('workspaceId', '=', parsed.workspaceId)
      .where('tokenHash', '=', tokenHash)
      .execute();
  }
  const actor: Actor = {
    workspaceId: parsed.workspaceId,
    userId: row.userId,
    role: row.role,
    via: 'session',
    scopes: ['admin'],
    csrfToken: row.csrfToken,
    credentialId: `session:${tokenHash.toString('hex')}`,
  };
  credentialCache.set(key, actor);
  return actor;
}
