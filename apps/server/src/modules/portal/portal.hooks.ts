import type { FastifyRequest } from 'fastify';
import type { Db } from '../../database.js';
import { safeEqual, sha256 } from '../../platform/crypto.js';
import { AppError, notFound } from '../../platform/errors.js';
import { parsePortalToken, PORTAL_COOKIE } from './access.service.js';
import type { PortalIdentityKind } from './portal.tables.js';

/** A customer signed in to the portal: one ticket, one contact. */
export interface PortalCustomer {
  sessionId: string;
  workspaceId: string;
  conversationId: string;
  contactId: string;
  identity: { kind: PortalIdentityKind; value: string };
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    portal: PortalCustomer | null;
  }
}

/** The portal customer of a request, once `authenticatePortal` ran. */
export function customerOf(request: FastifyRequest): PortalCustomer {
  if (!request.portal) throw new AppError('portal_session_invalid', 'Open the ticket first');
  return request.portal;
}

/**
 * The portal's own authentication (its routes are public to the agent pipeline): a portal
 * session from `Authorization: Bearer prp_…` or the ticket-scoped cookie. A session of
 * another workspace is a 404 like any ticket it cannot see; cookie writes need the
 * session's `X-CSRF-Token`. Sets who owns Idempotency-Keys on the request.
 */
export function createPortalAuthenticator(db: Db) {
  return async function authenticatePortal(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    let value: string | undefined;
    const viaCookie = header === undefined;
    if (header !== undefined) value = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    else value = request.cookies[PORTAL_COOKIE];
    const parsed = value ? parsePortalToken(value) : null;
    const row = parsed
      ? await db
          .selectFrom('portalSessions as s')
          .innerJoin('workspaces as w', 'w.id', 's.workspaceId')
          .innerJoin('conversations as c', (j) =>
            j
              .onRef('c.workspaceId', '=', 's.workspaceId')
              .onRef('c.id', '=', 's.conversationId')
              // The ticket must still be the session's contact's.
              .onRef('c.contactId', '=', 's.contactId'),
          )
          .select([
            's.id',
            's.workspaceId',
            's.conversationId',
            's.contactId',
            's.identityKind',
            's.identityValue',
            's.csrfToken',
            'w.slug',
          ])
          .where('s.workspaceId', '=', parsed.workspaceId)
          .where('s.tokenHash', '=', sha256(parsed.secret))
          .where('s.expiresAt', '>', new Date())
          .executeTakeFirst()
      : undefined;
    if (!row) {
      throw new AppError(
        'portal_session_invalid',
        'The portal session is missing or has expired; ask for a new code',
      );
    }
    const params = request.params as { slug?: unknown };
    if (params.slug !== row.slug) throw notFound('The ticket', 'conversation_not_found');
    if (viaCookie && request.method !== 'GET' && request.method !== 'HEAD') {
      const csrf = request.headers['x-csrf-token'];
      if (typeof csrf !== 'string' || !safeEqual(csrf, row.csrfToken)) {
        throw new AppError('csrf_failed', 'Missing or wrong X-CSRF-Token header');
      }
    }
    request.portal = {
      sessionId: row.id,
      workspaceId: row.workspaceId,
      conversationId: row.conversationId,
      contactId: row.contactId,
      identity: { kind: row.identityKind, value: row.identityValue },
      csrfToken: row.csrfToken,
    };
    request.idempotencyOwner = {
      workspaceId: row.workspaceId,
      ownerId: row.contactId,
      namespace: `portal:${row.id}`,
    };
  };
}
