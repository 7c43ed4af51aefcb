import {
  AttachmentParams,
  BulkUpdateBody,
  BulkUpdateResult,
  Conversation,
  ConversationLink,
  ConversationCreateBody,
  ConversationCreated,
  ConversationListQuery,
  ConversationUpdateBody,
  ErrorResponses,
  IdParams,
  LinkCreateBody,
  LinkParams,
  MergeBody,
  SplitBody,
  Message,
  MessageCreateBody,
  MessageListQuery,
  Page,
  TimelineEvent,
  TimelineQuery,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { splitConversation } from './split.service.js';
import { findLinks, linkConversations, unlinkConversations } from './links.service.js';
import { actorOf, sendJsonText, type App } from '../../platform/http.js';
import {
  addMessage,
  bulkUpdateConversations,
  createConversationFromApi,
  findAttachment,
  findConversationsPage,
  findMessages,
  findTimeline,
  getConversation,
  mergeConversations,
  updateConversation,
} from './conversations.service.js';

const errors = ErrorResponses;

export function conversationRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Conversations, latest activity first',
        querystring: ConversationListQuery,
        response: { 200: Page(Conversation), ...errors },
      },
    },
    // The page comes as JSON text from PostgreSQL: sent as it is.
    async (request, reply) =>
      sendJsonText(
        reply,
        await findConversationsPage({ db, actor: actorOf(request), query: request.query }),
      ),
  );

  app.post(
    '/api/v1/conversations',
    {
      config: { access: { role: 'agent' } },
      schema: {
        tags: ['conversations'],
        summary: "Open a conversation on a customer's behalf",
        body: ConversationCreateBody,
        response: { 201: ConversationCreated, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createConversationFromApi({ db, actor: actorOf(request), body: request.body })),
  );

  app.post(
    '/api/v1/conversations/bulk',
    {
      config: { access: { role: 'agent' } },
      schema: {
        tags: ['conversations'],
        summary:
          'Apply one change (assign, status, priority, tags) to up to 1,000 conversations, each atomically',
        description:
          "`changes` takes what PATCH takes, plus `addTags` and `removeTags`: applied to each conversation's own tags under its lock (compared ignoring case; `tags` replaces the whole set and goes with neither). A conversation whose tags would not change is left as it is (no timeline entry, no event). Per-conversation failures (`conversation_not_found`, `too_many_tags`…) are reported in `results`; bad input is a 400 for the whole request.",
        body: BulkUpdateBody,
        response: { 200: BulkUpdateResult, ...errors },
      },
    },
    async (request) => bulkUpdateConversations({ db, actor: actorOf(request), body: request.body }),
  );

  app.get(
    '/api/v1/conversations/:id',
    {
      config: { resource: 'conversation' },
      schema: {
        tags: ['conversations'],
        summary: 'One conversation',
        params: IdParams,
        response: { 200: Conversation, ...errors },
      },
    },
    async (request) =>
      getConversation({
        db,
        workspaceId: actorOf(request).workspaceId,
        conversationId: request.params.id,
      }),
  );

  app.patch(
    '/api/v1/conversations/:id',
    {
      config: { resource: 'conversation' },
      schema: {
        tags: ['conversations'],
        summary: 'Change status, priority, subject, assignee or tags',
        params: IdParams,
        body: ConversationUpdateBody,
        response: { 200: Conversation, ...errors },
      },
    },
    async (request) =>
      updateConversation({
        db,
        actor: actorOf(request),
        conversationId: request.params.id,
        changes: request.body,
      }),
  );

  app.post(
    '/api/v1/conversations/:id/merge',
    {
      config: { resource: 'conversation', access: { role: 'agent' } },
      schema: {
        tags: ['conversations'],
        summary: 'Merge this conversation into another; returns the one that remains',
        params: IdParams,
        body: MergeBody,
        response: { 200: Conversation, ...errors },
      },
    },
    async (request) =>
      mergeConversations({
        db,
        actor: actorOf(request),
        sourceId: request.params.id,
        targetId: request.body.into,
      }),
  );

  app.post(
    '/api/v1/conversations/:id/split',
    {
      config: { resource: 'conversation', access: { role: 'agent' } },
      schema: {
        tags: ['conversations'],
        summary: 'Split a message (and optionally the later ones) out into a new conversation',
        params: IdParams,
        body: SplitBody,
        response: { 201: Conversation, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(
        await splitConversation({
          db,
          actor: actorOf(request),
          conversationId: request.params.id,
          body: request.body,
        }),
      ),
  );

  // Files are served as downloads (images inline) with their own CSP sandbox and nosniff:
  // whatever a customer sent never runs in Parley's origin.
  const inlineTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
  app.get(
    '/api/v1/conversations/:id/attachments/:key',
    {
      config: { resource: 'conversation' },
      schema: {
        tags: ['conversations'],
        summary: 'Download an attachment of one of the conversation’s messages',
        params: AttachmentParams,
      },
    },
    async (request, reply) => {
      const attachment = await findAttachment({
        db,
        workspaceId: actorOf(request).workspaceId,
        conversationId: request.params.id,
        blobKey: request.params.key,
      });
      const inline = inlineTypes.has(attachment.contentType.toLowerCase());
      return reply
        .type(inline ? attachment.contentType : 'application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=86400')
        .header(
          'content-disposition',
          `${inline ? 'inline' : 'attachment'}; filename="${attachment.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`,
        )
        .send(await services.blobs.get(attachment.blobKey));
    },
  );

  app.get(
    '/api/v1/conversations/:id/links',
    {
      config: { resource: 'conversation' },
      schema: {
        tags: ['conversations'],
        summary: 'Linked conversations',
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(ConversationLink) }), ...errors },
      },
    },
    async (request) => ({
      data: await findLinks({
        db,
        workspaceId: actorOf(request).workspaceId,
        conversationId: request.params.id,
      }),
    }),
  );

  app.post(
    '/api/v1/conversations/:id/links',
    {
      config: { resource: 'conversation', access: { role: 'agent' } },
      schema: {
        tags: ['conversations'],
        summary: 'Link another conversation (related, parent or child)',
        params: IdParams,
        body: LinkCreateBody,
        response: { 201: Type.Object({ data: Type.Array(ConversationLink) }), ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send({
        data: await linkConversations({
          db,
          actor: actorOf(request),
          conversationId: request.params.id,
          body: request.body,
        }),
      }),
  );

  app.delete(
    '/api/v1/conversations/:id/links/:linkedId',
    {
      config: { resource: 'conversation', access: { role: 'agent' } },
      schema: {
        tags: ['conversations'],
        summary: 'Remove a link',
        params: LinkParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await unlinkConversations({
        db,
        actor: actorOf(request),
        conversationId: request.params.id,
        linkedId: request.params.linkedId,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/conversations/:id/events',
    {
      config: { resource: 'conversation' },
      schema: {
        tags: ['conversations'],
        summary: 'The timeline: every change with its actor and time, oldest first',
        params: IdParams,
        querystring: TimelineQuery,
        response: { 200: Page(TimelineEvent), ...errors },
      },
    },
    async (request) =>
      findTimeline({
        db,
        workspaceId: actorOf(request).workspaceId,
        conversationId: request.params.id,
        ...(request.query.afterId !== undefined ? { afterId: request.query.afterId } : {}),
        ...(request.query.limit !== undefined ? { limit: request.query.limit } : {}),
      }),
  );

  app.get(
    '/api/v1/conversations/:id/messages',
    {
      config: { resource: 'conversation' },
      schema: {
        tags: ['conversations'],
        summary: 'Messages in order; page with afterSeq',
        params: IdParams,
        querystring: MessageListQuery,
        response: { 200: Page(Message), ...errors },
      },
    },
    async (request) =>
      findMessages({
        db,
        workspaceId: actorOf(request).workspaceId,
        conversationId: request.params.id,
        query: request.query,
      }),
  );

  app.post(
    '/api/v1/conversations/:id/messages',
    {
      config: { resource: 'conversation' },
      // Files come as base64 (4 characters for 3 bytes), with the text around them.
      bodyLimit: Math.ceil((services.config.maxUploadBytes * 4) / 3) + 1024 * 1024,
      schema: {
        tags: ['conversations'],
        summary: 'Reply to the customer or write an internal note',
        params: IdParams,
        body: MessageCreateBody,
        response: { 201: Message, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(
        await addMessage({
          db,
          actor: actorOf(request),
          conversationId: request.params.id,
          body: request.body,
          files: { blobs: services.blobs, maxBytes: services.config.maxUploadBytes },
        }),
      ),
  );
}
