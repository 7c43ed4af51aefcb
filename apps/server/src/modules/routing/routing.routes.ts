import {
  Conversation,
  ErrorResponses,
  EscalateBody,
  IdParams,
  QueuesOverview,
  QueuesQuery,
  RoutingRule,
  RoutingRuleCreateBody,
  RoutingRuleUpdateBody,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { escalateConversation } from './escalate.js';
import { getQueues } from './queues.service.js';
import { createRule, deleteRule, findRules, getRule, updateRule } from './rules.service.js';

const errors = ErrorResponses;
const managers = { access: { role: 'manager' as const } };
const rule = { ...managers, resource: 'routing_rule' };

export function routingRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/queues',
    {
      config: managers,
      schema: {
        tags: ['routing'],
        summary:
          'Manager view: queue length and oldest wait per team, load per agent (managers and above)',
        querystring: QueuesQuery,
        response: { 200: QueuesOverview, ...errors },
      },
    },
    async (request) =>
      getQueues({
        db,
        workspaceId: actorOf(request).workspaceId,
        ...(request.query.teamId ? { teamId: request.query.teamId } : {}),
      }),
  );

  app.post(
    '/api/v1/conversations/:id/escalate',
    {
      config: { resource: 'conversation', access: { role: 'agent' } },
      schema: {
        tags: ['routing'],
        summary:
          'Escalate to a specialist team (or the next tier): keeps the history, notifies its leads, routes it there',
        params: IdParams,
        body: EscalateBody,
        response: { 200: Conversation, ...errors },
      },
    },
    async (request) =>
      escalateConversation({
        db,
        actor: actorOf(request),
        conversationId: request.params.id,
        body: request.body,
      }),
  );

  app.get(
    '/api/v1/routing-rules',
    {
      config: managers,
      schema: {
        tags: ['routing'],
        summary: 'Routing rules in the order they are tried (managers and above)',
        response: { 200: Type.Object({ data: Type.Array(RoutingRule) }), ...errors },
      },
    },
    async (request) => ({
      data: await findRules({ db, workspaceId: actorOf(request).workspaceId }),
    }),
  );

  app.post(
    '/api/v1/routing-rules',
    {
      config: managers,
      schema: {
        tags: ['routing'],
        summary: 'Create a routing rule: conditions → team, required skills, priority, tags',
        body: RoutingRuleCreateBody,
        response: { 201: RoutingRule, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createRule({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/routing-rules/:id',
    {
      config: rule,
      schema: {
        tags: ['routing'],
        summary: 'A routing rule',
        params: IdParams,
        response: { 200: RoutingRule, ...errors },
      },
    },
    async (request) =>
      getRule({ db, workspaceId: actorOf(request).workspaceId, ruleId: request.params.id }),
  );

  app.patch(
    '/api/v1/routing-rules/:id',
    {
      config: rule,
      schema: {
        tags: ['routing'],
        summary: 'Change a routing rule (a given `conditions` or `actions` replaces the old)',
        params: IdParams,
        body: RoutingRuleUpdateBody,
        response: { 200: RoutingRule, ...errors },
      },
    },
    async (request) =>
      updateRule({ db, actor: actorOf(request), ruleId: request.params.id, changes: request.body }),
  );

  app.delete(
    '/api/v1/routing-rules/:id',
    {
      config: rule,
      schema: {
        tags: ['routing'],
        summary: 'Delete a routing rule',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteRule({ db, actor: actorOf(request), ruleId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
