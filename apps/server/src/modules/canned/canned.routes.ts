import {
  CannedRenderBody,
  CannedRendered,
  CannedResponse,
  CannedResponseCreateBody,
  CannedResponseListQuery,
  CannedResponseUpdateBody,
  ErrorResponses,
  IdParams,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import {
  createCanned,
  deleteCanned,
  listCanned,
  renderCanned,
  updateCanned,
} from './canned.service.js';

const tags = ['canned responses'];
const errors = ErrorResponses;
const config = { resource: 'canned_response' };

/** Canned responses: shared ones (managers keep them) and each agent's own. */
export function cannedRoutes(app: App, services: Services): void {
  const { db } = services;
  app.get(
    '/api/v1/canned-responses',
    {
      schema: {
        tags,
        summary: 'The shared canned responses and your own; search by q, narrow by language',
        querystring: CannedResponseListQuery,
        response: { 200: Type.Object({ data: Type.Array(CannedResponse) }), ...errors },
      },
    },
    async (request) => listCanned({ db, actor: actorOf(request), query: request.query }),
  );
  app.post(
    '/api/v1/canned-responses',
    {
      schema: {
        tags,
        summary: 'Write a canned response (shared: managers and above)',
        body: CannedResponseCreateBody,
        response: { 201: CannedResponse, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createCanned({ db, actor: actorOf(request), body: request.body })),
  );
  app.patch(
    '/api/v1/canned-responses/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change a canned response',
        params: IdParams,
        body: CannedResponseUpdateBody,
        response: { 200: CannedResponse, ...errors },
      },
    },
    async (request) =>
      updateCanned({ db, actor: actorOf(request), id: request.params.id, body: request.body }),
  );
  app.delete(
    '/api/v1/canned-responses/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a canned response',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteCanned({ db, actor: actorOf(request), id: request.params.id });
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/api/v1/canned-responses/:id/render',
    {
      config: { ...config, access: { scope: 'read' } },
      schema: {
        tags,
        summary: 'The text for one conversation, its placeholders filled',
        params: IdParams,
        body: CannedRenderBody,
        response: { 200: CannedRendered, ...errors },
      },
    },
    async (request) =>
      renderCanned({
        db,
        actor: actorOf(request),
        id: request.params.id,
        conversationId: request.body.conversationId,
      }),
  );
}
