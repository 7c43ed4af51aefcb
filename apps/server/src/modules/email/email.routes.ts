import {
  ErrorResponses,
  IdParams,
  InboundEmail,
  InboundEmailListQuery,
  Mailbox,
  MailboxCreateBody,
  MailboxUpdateBody,
  Page,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Selectable } from 'kysely';
import type { Services } from '../../context.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { storeInboundEmail } from './inbound.service.js';
import { processEmailJob } from './process.job.js';
import { enqueue } from '../../platform/jobs.js';
import { enqueuePoll } from './imap.poll.js';
import { actorOf, type App } from '../../platform/http.js';
import { decodeCursor, isString, toPage } from '../../platform/pagination.js';
import type { InboundEmailsTable } from './email.tables.js';
import { headerAddress, headerSection, headerValue } from './headers.js';
import { SENDER_LIMIT } from './smtp.listener.js';
import {
  createMailbox,
  deleteMailbox,
  findMailboxes,
  getMailbox,
  mailboxForWebhook,
  rotateWebhookSecret,
  updateMailbox,
} from './mailboxes.service.js';

const errors = ErrorResponses;
const adminOnly = { access: { role: 'admin' as const, scope: 'admin' as const } };

function presentInbound(row: Selectable<InboundEmailsTable>): InboundEmail {
  return {
    id: row.id,
    mailboxId: row.mailboxId,
    source: row.source,
    size: row.size,
    envelopeFrom: row.envelopeFrom,
    messageId: row.messageId,
    status: row.status,
    error: row.error,
    attempts: row.attempts,
    conversationId: row.conversationId,
    receivedAt: row.receivedAt.toISOString(),
    processedAt: row.processedAt?.toISOString() ?? null,
  };
}

export function emailRoutes(app: App, services: Services): void {
  const { db } = services;
  const secretKey = services.config.secretKey;

  app.get(
    '/api/v1/mailboxes',
    {
      schema: {
        tags: ['email'],
        summary: 'Mailboxes: the addresses customers write to',
        response: { 200: Type.Object({ data: Type.Array(Mailbox) }), ...errors },
      },
    },
    async (request) => ({
      data: await findMailboxes({ db, secretKey, workspaceId: actorOf(request).workspaceId }),
    }),
  );

  app.post(
    '/api/v1/mailboxes',
    {
      config: adminOnly,
      schema: {
        tags: ['email'],
        summary: 'Add a mailbox (admins); its addresses must be free in the whole installation',
        body: MailboxCreateBody,
        response: { 201: Mailbox, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createMailbox({ db, secretKey, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/mailboxes/:id',
    {
      config: { resource: 'mailbox' },
      schema: {
        tags: ['email'],
        summary: 'One mailbox (secrets are never returned)',
        params: IdParams,
        response: { 200: Mailbox, ...errors },
      },
    },
    async (request) =>
      getMailbox({
        db,
        secretKey,
        workspaceId: actorOf(request).workspaceId,
        mailboxId: request.params.id,
      }),
  );

  app.patch(
    '/api/v1/mailboxes/:id',
    {
      config: { ...adminOnly, resource: 'mailbox' },
      schema: {
        tags: ['email'],
        summary: 'Change a mailbox (admins)',
        params: IdParams,
        body: MailboxUpdateBody,
        response: { 200: Mailbox, ...errors },
      },
    },
    async (request) =>
      updateMailbox({
        db,
        secretKey,
        actor: actorOf(request),
        mailboxId: request.params.id,
        changes: request.body,
      }),
  );

  app.delete(
    '/api/v1/mailboxes/:id',
    {
      config: { ...adminOnly, resource: 'mailbox' },
      schema: {
        tags: ['email'],
        summary: 'Remove a mailbox (admins); its conversations stay',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteMailbox({ db, actor: actorOf(request), mailboxId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/mailboxes/:id/poll',
    {
      config: { ...adminOnly, resource: 'mailbox' },
      schema: {
        tags: ['email'],
        summary:
          "Read new mail from the mailbox's IMAP folder now (admins); polled every minute anyway",
        params: IdParams,
        response: { 202: Type.Object({ queued: Type.Boolean() }), ...errors },
      },
    },
    async (request, reply) => {
      const { workspaceId } = actorOf(request);
      const mailbox = await getMailbox({
        db,
        secretKey,
        workspaceId,
        mailboxId: request.params.id,
      });
      if (!mailbox.imap) {
        throw new AppError('conflict', 'This mailbox has no IMAP settings', {
          details: { mailboxId: mailbox.id },
        });
      }
      await enqueuePoll(services, { workspaceId, mailboxId: mailbox.id });
      return reply.status(202).send({ queued: true });
    },
  );

  app.post(
    '/api/v1/mailboxes/:id/webhook-secret',
    {
      config: { ...adminOnly, resource: 'mailbox' },
      schema: {
        tags: ['email'],
        summary:
          'A new secret for the provider webhook (admins); shown once, the previous one stops working',
        params: IdParams,
        response: { 201: Type.Object({ secret: Type.String() }), ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send({
        secret: await rotateWebhookSecret({
          db,
          secretKey,
          actor: actorOf(request),
          mailboxId: request.params.id,
        }),
      }),
  );

  // Raw MIME from a mail provider's inbound webhook.
  app.addContentTypeParser(
    'message/rfc822',
    { parseAs: 'buffer', bodyLimit: services.config.maxUploadBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.post(
    '/api/v1/mailboxes/:id/inbound',
    {
      config: { access: 'public', resource: 'mailbox' },
      bodyLimit: services.config.maxUploadBytes,
      schema: {
        tags: ['email'],
        summary:
          "A mail provider's inbound webhook: the raw message (Content-Type message/rfc822), authenticated by the mailbox's webhook secret (Authorization: Bearer whsec_…)",
        params: IdParams,
        response: {
          202: Type.Object({
            id: Type.Union([Type.String(), Type.Null()]),
            duplicate: Type.Boolean(),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const header = request.headers.authorization;
      if (!header) throw new AppError('unauthorized', 'Send the webhook secret as a Bearer token');
      const secret = /^Bearer\s+(whsec_\S+)$/i.exec(header)?.[1];
      const mailbox = secret
        ? await mailboxForWebhook(db, secretKey, request.params.id, secret)
        : null;
      if (!mailbox) throw forbidden('The webhook secret does not open this mailbox');
      if (!Buffer.isBuffer(request.body) || request.body.length === 0)
        throw new AppError('unsupported_media_type', 'Send the raw email as message/rfc822');
      // A burst from one sender is slowed as over SMTP (the same budget): 429 with
      // Retry-After, and the provider keeps the mail and posts it again.
      const sender = headerAddress(headerValue(headerSection(request.body), 'from')) ?? '<>';
      await services.limits.consume('smtp-sender', `${mailbox.mailboxId}:${sender}`, SENDER_LIMIT);
      const { stored, duplicates } = await storeInboundEmail(services, {
        mailboxes: [mailbox],
        raw: request.body,
        maxBytes: services.config.maxUploadBytes,
        envelope: {
          source: 'webhook',
          from: null,
          to: [mailbox.address],
          remoteAddress: request.ip,
        },
      });
      return reply.status(202).send({ id: stored[0] ?? null, duplicate: duplicates > 0 });
    },
  );

  app.get(
    '/api/v1/inbound-emails',
    {
      config: adminOnly,
      schema: {
        tags: ['email'],
        summary: 'Received emails, newest first (admins): failed ones to inspect and reprocess',
        querystring: InboundEmailListQuery,
        response: { 200: Page(InboundEmail), ...errors },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, isString);
      let q = db
        .selectFrom('inboundEmails')
        .selectAll()
        .where('workspaceId', '=', actorOf(request).workspaceId);
      if (request.query.status) q = q.where('status', '=', request.query.status);
      if (after) q = q.where('id', '<', after);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      return toPage(rows, limit, presentInbound, (row) => row.id);
    },
  );

  app.post(
    '/api/v1/inbound-emails/:id/reprocess',
    {
      config: { ...adminOnly, resource: 'inbound_email' },
      schema: {
        tags: ['email'],
        summary:
          'Process a failed email again (admins), e.g. after a fix; its bytes are as received',
        params: IdParams,
        response: { 202: InboundEmail, ...errors },
      },
    },
    async (request, reply) => {
      const { workspaceId } = actorOf(request);
      const row = await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('inboundEmails')
          .set({ status: 'received', error: null, attempts: 0, processedAt: null })
          .where('workspaceId', '=', workspaceId)
          .where('id', '=', request.params.id)
          .where('status', '=', 'failed')
          .returningAll()
          .executeTakeFirst();
        if (!updated) {
          const exists = await trx
            .selectFrom('inboundEmails')
            .select('status')
            .where('workspaceId', '=', workspaceId)
            .where('id', '=', request.params.id)
            .executeTakeFirst();
          if (!exists) throw notFound('The email', 'inbound_email_not_found');
          throw new AppError(
            'conflict',
            `Only a failed email is reprocessed; this one is ${exists.status}`,
          );
        }
        await enqueue(
          trx,
          processEmailJob,
          { workspaceId, inboundEmailId: updated.id },
          { jobKey: `email:${updated.id}:again:${String(Date.now())}` },
        );
        return updated;
      });
      return reply.status(202).send(presentInbound(row));
    },
  );

  app.get(
    '/api/v1/inbound-emails/:id/raw',
    {
      config: { ...adminOnly, resource: 'inbound_email' },
      schema: {
        tags: ['email'],
        summary: 'The email exactly as received (message/rfc822), to inspect a failed one',
        params: IdParams,
      },
    },
    async (request, reply) => {
      const row = await db
        .selectFrom('inboundEmails')
        .select(['blobKey'])
        .where('workspaceId', '=', actorOf(request).workspaceId)
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!row) throw notFound('The email', 'inbound_email_not_found');
      return reply
        .type('message/rfc822')
        .header('content-disposition', `attachment; filename="${request.params.id}.eml"`)
        .send(await services.blobs.get(row.blobKey));
    },
  );
}
