import {
  Conversation,
  ErrorResponses,
  IdParams,
  Page,
  SavedView,
  SavedViewCreateBody,
  SavedViewUpdateBody,
  ViewConversationsQuery,
  ViewCounts,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, sendJsonText, type App } from '../../platform/http.js';
import {
  createView,
  deleteView,
  findViews,
  getView,
  updateView,
  viewConversations,
  viewCounts,
} from './views.service.js';

const errors = ErrorResponses;

export function viewRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/views',
    {
      schema: {
        tags: ['views'],
        summary: 'Saved views: your own and those shared with the workspace',
        response: { 200: Type.Object({ data: Type.Array(SavedView) }), ...errors },
      },
    },
    async (request) => ({ data: await findViews({ db, actor: actorOf(request) }) }),
  );

  app.get(
    '/api/v1/views/counts',
    {
      schema: {
        tags: ['views'],
        summary:
          'Conversation counts of the built-in views (mine, unassigned, open, pending, on_hold) and every saved view you see',
        response: { 200: ViewCounts, ...errors },
      },
    },
    async (request) => ({ data: await viewCounts({ db, actor: actorOf(request) }) }),
  );

  app.post(
    '/api/v1/views',
    {
      config: { access: { role: 'collaborator' } },
      schema: {
        tags: ['views'],
        summary: 'Save a view (sharing with the workspace needs a manager or above)',
        body: SavedViewCreateBody,
        response: { 201: SavedView, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createView({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/views/:id',
    {
      config: { resource: 'view' },
      schema: {
        tags: ['views'],
        summary: 'One saved view',
        params: IdParams,
        response: { 200: SavedView, ...errors },
      },
    },
    async (request) => getView({ db, actor: actorOf(request), viewId: request.params.id }),
  );

  app.get(
    '/api/v1/views/:id/conversations',
    {
      config: { resource: 'view' },
      schema: {
        tags: ['views'],
        summary: "A view's conversations in its sort order",
        params: IdParams,
        querystring: ViewConversationsQuery,
        response: { 200: Page(Conversation), ...errors },
      },
    },
    async (request, reply) =>
      sendJsonText(
        reply,
        await viewConversations({
          db,
          actor: actorOf(request),
          viewId: request.params.id,
          limit: request.query.limit,
          cursor: request.query.cursor,
        }),
      ),
  );

  app.patch(
    '/api/v1/views/:id',
    {
      config: { resource: 'view' },
      schema: {
        tags: ['views'],
        summary: 'Rename, refilter, re-sort or share a view',
        params: IdParams,
        body: SavedViewUpdateBody,
        response: { 200: SavedView, ...errors },
      },
    },
    async (request) =>
      updateView({
        db,
        actor: actorOf(request),
        viewId: request.params.id,
        changes: request.body,
      }),
  );

  app.delete(
    '/api/v1/views/:id',
    {
      config: { resource: 'view' },
      schema: {
        tags: ['views'],
        summary: 'Delete a view',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteView({ db, actor: actorOf(request), viewId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
