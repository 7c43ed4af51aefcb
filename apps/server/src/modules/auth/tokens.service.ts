import { credentialCache } from './credential-cache.js';
import type { ApiToken, TokenScope } from '@parley/contract';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../../database.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import type { ApiTokensTable } from './auth.tables.js';

export function presentToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as TokenScope[],
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

/** Creates an API token for a user. The secret is returned once and stored only as a hash. */
export async function createToken(props: {
  db: Db;
  workspaceId: string;
  userId: string;
  name: string;
  scopes?: TokenScope[];
  expiresInDays?: number;
}) {
  const secret = randomToken(32);
  const token = `prl_${props.workspaceId}_${secret}`;
  const row = await props.db
    .insertInto('apiTokens')
    .values({
      workspaceId: props.workspaceId,
      id: uuidv7(),
      userId: props.userId,
      name: props.name,
      tokenHash: sha256(secret),
      prefix: `prl_…${secret.slice(0, 6)}`,
      scopes: props.scopes ?? ['read', 'write'],
      expiresAt: props.expiresInDays
        ? new Date(Date.now() + props.expiresInDays * 86_400_000)
        : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...presentToken(row), token };
}

/** The actor's own live tokens. */
export async function findTokens(props: { db: Db; actor: Actor }) {
  const rows = await props.db
    .selectFrom('apiTokens')
    .selectAll()
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('userId', '=', props.actor.userId)
    .where('revokedAt', 'is', null)
    .orderBy('id', 'desc')
    .execute();
  return rows.map(presentToken);
}

/** Revokes a token: one's own, or anyone's in the workspace for an admin. */
export async function revokeToken(props: { db: Db; actor: Actor; tokenId: string }): Promise<void> {
  let q = props.db
    .updateTable('apiTokens')
    .set({ revokedAt: new Date() })
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.tokenId)
    .where('revokedAt', 'is', null);
  if (!roleAtLeast(props.actor.role, 'admin')) q = q.where('userId', '=', props.actor.userId);
  const result = await q.executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound('The API token', 'token_not_found');
  credentialCache.clear();
}
