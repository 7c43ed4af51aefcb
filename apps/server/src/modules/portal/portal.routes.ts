import {
  ErrorResponses,
  PortalAccessAccepted,
  PortalAccessBody,
  PortalReplyBody,
  PortalReplyCreated,
  PortalSession,
  PortalSlugParams,
  PortalTicket,
  PortalTicketParams,
  PortalTicketQuery,
  PortalVerifyBody,
} from '@parley/contract';
import type { Services } from '../../context.js';
import type { App } from '../../platform/http.js';
import { PORTAL_COOKIE, requestAccess, verifyAccess } from './access.service.js';
import { createPortalAuthenticator, customerOf } from './portal.hooks.js';
import { getPortalTicket, replyFromPortal } from './portal.service.js';

const errors = ErrorResponses;
const tags = ['portal'];
/** Public to the agent pipeline: the portal authenticates customers itself. */
const config = { access: 'public' as const };
const security: Record<string, string[]>[] = [{ portalBearer: [] }, { portalCookie: [] }];

const ACCEPTED: PortalAccessAccepted = {
  status: 'accepted',
  message:
    'If the ticket and the contact match, a code and a link to open the ticket are on their way.',
};

/** The cookie path: one ticket's routes only, so sessions for several tickets live side by side. */
export const portalCookiePath = (slug: string, number: number) =>
  `/api/v1/portal/${slug}/tickets/${number}`;

/** The customer portal: prove access to a ticket, read it, reply. No agent login. */
export function portalRoutes(app: App, services: Services): void {
  const authenticatePortal = createPortalAuthenticator(services.db);
  app.decorateRequest('portal', null);

  app.post(
    '/api/v1/portal/:slug/access',
    {
      config,
      schema: {
        tags,
        summary:
          'Ask for a one-time code and link to a ticket, sent through the channel it was opened on',
        description:
          'Always 202 with the same body, whether or not the ticket and contact match. Rate-limited per address and per ticket.',
        security: [],
        params: PortalSlugParams,
        body: PortalAccessBody,
        response: { 202: PortalAccessAccepted, ...errors },
      },
    },
    async (request, reply) => {
      await requestAccess({
        db: services.db,
        limits: services.limits,
        ip: request.ip,
        slug: request.params.slug,
        body: request.body,
      });
      return reply.status(202).send(ACCEPTED);
    },
  );

  app.post(
    '/api/v1/portal/:slug/verify',
    {
      config,
      schema: {
        tags,
        summary:
          'Exchange the magic-link token, or the ticket number and code, for a session on that ticket',
        description:
          'The session token is in the body and in an httpOnly cookie scoped to the ticket; it lasts 7 days.',
        security: [],
        params: PortalSlugParams,
        body: PortalVerifyBody,
        response: { 200: PortalSession, ...errors },
      },
    },
    async (request, reply) => {
      const session = await verifyAccess({
        db: services.db,
        limits: services.limits,
        secretKey: services.config.secretKey,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        slug: request.params.slug,
        body: request.body,
      });
      void reply.setCookie(PORTAL_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: services.config.publicUrl.startsWith('https:'),
        path: portalCookiePath(request.params.slug, session.number),
        expires: session.expiresAt,
      });
      return {
        token: session.token,
        expiresAt: session.expiresAt.toISOString(),
        csrfToken: session.csrfToken,
        ticket: { number: session.number, displayNumber: session.displayNumber },
      };
    },
  );

  app.get(
    '/api/v1/portal/:slug/tickets/:number',
    {
      config,
      onRequest: authenticatePortal,
      schema: {
        tags,
        summary: 'The ticket: status, subject and its public messages (never internal notes)',
        security,
        params: PortalTicketParams,
        querystring: PortalTicketQuery,
        response: { 200: PortalTicket, ...errors },
      },
    },
    async (request) =>
      getPortalTicket({
        db: services.db,
        customer: customerOf(request),
        number: request.params.number,
        query: request.query,
      }),
  );

  app.post(
    '/api/v1/portal/:slug/tickets/:number/messages',
    {
      config,
      onRequest: authenticatePortal,
      schema: {
        tags,
        summary: 'Reply to the ticket as its customer (reopens it when resolved)',
        description: 'Accepts `Idempotency-Key`. Cookie sessions send `X-CSRF-Token`.',
        security,
        params: PortalTicketParams,
        body: PortalReplyBody,
        response: { 201: PortalReplyCreated, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(
        await replyFromPortal({
          db: services.db,
          limits: services.limits,
          customer: customerOf(request),
          number: request.params.number,
          text: request.body.text,
        }),
      ),
  );
}
