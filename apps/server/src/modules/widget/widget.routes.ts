import {
  ErrorResponses,
  OfflineBody,
  OfflineResult,
  VisitorConversation,
  VisitorCreateBody,
  VisitorMessageBody,
  VisitorMessageResult,
  VisitorSession,
  VisitorUpload,
  WIDGET_UPLOAD_MAX_BYTES,
  WIDGET_UPLOAD_TYPES,
  WidgetConfig,
  WidgetIdentitySecret,
  WidgetSettings,
  WidgetSettingsUpdate,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../context.js';
import { AppError, notFound } from '../../platform/errors.js';
import { safeEqual } from '../../platform/crypto.js';
import { fileSignature, uploadToken } from './visitors.js';
import { actorOf, type App } from '../../platform/http.js';
import {
  createVisitor,
  getWidgetSettings,
  offlineRequest,
  rotateIdentitySecret,
  sendVisitorMessage,
  updateWidgetSettings,
  visitorConversations,
  visitorOf,
  widgetConfig,
  widgetLimits,
} from './widget.service.js';

const errors = ErrorResponses;
const tags = ['widget'];
const publicRoute = { access: 'public' as const };
const KeyParams = Type.Object(
  { key: Type.String({ pattern: '^pk_[A-Za-z0-9_-]{10,64}$' }) },
  { additionalProperties: false },
);

/** The visitor's bearer credential (a visitor token is not an API token: the route reads it). */
const bearer = (request: FastifyRequest) =>
  /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];

/**
 * The live-chat widget's HTTP side. Settings are the admins'; everything under
 * `/api/v1/widget/` is public, called from customers' sites (any origin, no cookies: CORS
 * allows every origin and the credential is the visitor token in `Authorization`).
 */
export function widgetRoutes(app: App, services: Services): void {
  const { db } = services;
  const secretKey = services.config.secretKey;

  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/api/v1/widget/')) return;
    reply.header('access-control-allow-origin', '*');
    reply.header('cross-origin-resource-policy', 'cross-origin');
    reply.header('vary', 'origin');
  });
  app.options(
    '/api/v1/widget/*',
    { config: publicRoute, schema: { hide: true } },
    async (_request, reply) => {
      reply
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', 'authorization, content-type')
        .header('access-control-max-age', '86400');
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/widget-settings',
    {
      config: { access: { role: 'admin' } },
      schema: {
        tags,
        summary: 'The chat widget’s settings and public key (made on first use)',
        response: { 200: WidgetSettings, ...errors },
      },
    },
    async (request) => getWidgetSettings(db, actorOf(request).workspaceId),
  );

  app.patch(
    '/api/v1/widget-settings',
    {
      config: { access: { role: 'admin' } },
      schema: {
        tags,
        summary: 'Change the chat widget: on/off, title, colour, greetings, pre-chat form, team',
        body: WidgetSettingsUpdate,
        response: { 200: WidgetSettings, ...errors },
      },
    },
    async (request) => updateWidgetSettings({ db, actor: actorOf(request), body: request.body }),
  );

  app.post(
    '/api/v1/widget-settings/identity-secret',
    {
      config: { access: { role: 'admin' } },
      schema: {
        tags,
        summary: 'Make a new identity-verification secret (shown once; the old one stops working)',
        response: { 201: WidgetIdentitySecret, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await rotateIdentitySecret({ db, secretKey, actor: actorOf(request) })),
  );

  app.get(
    '/api/v1/widget/:key/config',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'What the widget shows, and whether anyone can chat now (public)',
        security: [],
        params: KeyParams,
        response: { 200: WidgetConfig, ...errors },
      },
    },
    async (request) => widgetConfig(db, request.params.key),
  );

  app.post(
    '/api/v1/widget/:key/visitors',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'A visitor token: anonymous, or for a user the host site signed (public)',
        description:
          'With `userId` and `userHash` = hex(HMAC-SHA256(identity secret, userId)) the token is bound to that user, so their history follows them; a wrong hash is 401 `user_hash_invalid`.',
        security: [],
        params: KeyParams,
        body: VisitorCreateBody,
        response: { 201: VisitorSession, ...errors },
      },
    },
    async (request, reply) => {
      await services.limits.consume('widget-visitors', request.ip, widgetLimits.visitorsPerIp);
      return reply
        .status(201)
        .send(
          await createVisitor({ db, secretKey, publicKey: request.params.key, body: request.body }),
        );
    },
  );

  app.get(
    '/api/v1/widget/conversations',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'The visitor’s conversations with their messages (visitor token)',
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ data: Type.Array(VisitorConversation) }), ...errors },
      },
    },
    async (request) => ({
      data: await visitorConversations(db, secretKey, visitorOf(secretKey, bearer(request))),
    }),
  );

  app.post(
    '/api/v1/widget/messages',
    {
      config: publicRoute,
      schema: {
        tags,
        summary:
          'Send a chat message (the WebSocket’s `send` frame is the same, this its fallback)',
        description:
          'Stored once per `clientMessageId`: a resend answers the same message with `duplicate: true`.',
        security: [{ bearer: [] }],
        body: VisitorMessageBody,
        response: { 201: VisitorMessageResult, ...errors },
      },
    },
    async (request, reply) => {
      const visitor = visitorOf(secretKey, bearer(request));
      await services.limits.consume('widget-messages', request.ip, widgetLimits.messagesPerIp);
      return reply
        .status(201)
        .send(await sendVisitorMessage({ services, visitor, body: request.body }));
    },
  );

  // Files from the widget: only the allowed types, as raw bytes.
  const uploadLimit = Math.min(WIDGET_UPLOAD_MAX_BYTES, services.config.maxUploadBytes);
  app.addContentTypeParser(
    [...WIDGET_UPLOAD_TYPES],
    { parseAs: 'buffer', bodyLimit: uploadLimit },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.post(
    '/api/v1/widget/attachments',
    {
      config: publicRoute,
      bodyLimit: uploadLimit,
      schema: {
        tags,
        summary:
          'Upload a file for a chat message (the raw bytes; images, PDF or text, up to 10 MB)',
        description: `Content-Type one of ${WIDGET_UPLOAD_TYPES.join(', ')}; the file name in ?name=. Answers an \`upload\` to list in the message's \`attachments\`.`,
        security: [{ bearer: [] }],
        querystring: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: VisitorUpload, ...errors },
      },
    },
    async (request, reply) => {
      const visitor = visitorOf(secretKey, bearer(request));
      await services.limits.consume('widget-messages', request.ip, widgetLimits.messagesPerIp);
      const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      if (!Buffer.isBuffer(request.body) || request.body.length === 0)
        throw new AppError('validation_failed', 'Send the file’s bytes as the request body', {
          details: { field: 'body' },
        });
      const stored = await services.blobs.put(request.body, { maxBytes: uploadLimit });
      // The name is only shown; it never becomes a path.
      const filename = request.query.name.replace(/[/\\]|\p{Cc}/gu, '_');
      const upload = { blobKey: stored.key, filename, contentType, size: stored.size };
      return reply.status(201).send({
        upload: uploadToken(secretKey, visitor, upload),
        filename,
        contentType,
        size: stored.size,
      });
    },
  );

  app.get(
    '/api/v1/widget/files/:workspaceId/:conversationId/:key/:signature',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'A file of a chat message, by the signed link the widget was given',
        security: [],
        params: Type.Object(
          {
            workspaceId: Type.String({ format: 'uuid' }),
            conversationId: Type.String({ format: 'uuid' }),
            key: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            signature: Type.String({ maxLength: 100 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { workspaceId, conversationId, key, signature } = request.params;
      const expected = fileSignature(secretKey, workspaceId, conversationId, key);
      if (!safeEqual(signature, expected)) throw notFound('The file', 'not_found');
      const message = await db
        .selectFrom('messages')
        .select('attachments')
        .where('workspaceId', '=', workspaceId)
        .where('conversationId', '=', conversationId)
        .where('kind', '<>', 'note')
        .where(sql<boolean>`attachments @> ${JSON.stringify([{ blobKey: key }])}::jsonb`)
        .executeTakeFirst();
      const file = message?.attachments.find((a) => a.blobKey === key);
      if (!file) throw notFound('The file', 'not_found');
      const image = /^image\/(png|jpeg|gif|webp)$/.test(file.contentType);
      return reply
        .type(image ? file.contentType : 'application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=86400')
        .header(
          'content-disposition',
          `${image ? 'inline' : 'attachment'}; filename="${file.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
        )
        .send(await services.blobs.get(key));
    },
  );

  app.post(
    '/api/v1/widget/:key/offline',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Nobody is available: leave a message (a ticket) or ask for a callback (public)',
        security: [],
        params: KeyParams,
        body: OfflineBody,
        response: { 201: OfflineResult, ...errors },
      },
    },
    async (request, reply) => {
      await services.limits.consume('widget-offline', request.ip, widgetLimits.offlinePerIp);
      return reply
        .status(201)
        .send(
          await offlineRequest({ services, publicKey: request.params.key, body: request.body }),
        );
    },
  );
}
