import {
  ErrorResponses,
  IdParams,
  PushSubscription,
  PushSubscriptionBody,
  VapidPublicKey,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { findSubscriptions, subscribe, unsubscribe, vapidKeys } from './push.service.js';

const errors = ErrorResponses;

export function pushRoutes(app: App, services: Services): void {
  const { db, config } = services;

  app.get(
    '/api/v1/push/vapid-public-key',
    {
      schema: {
        tags: ['notifications'],
        summary: "The installation's VAPID public key, for the browser's push subscription",
        response: { 200: VapidPublicKey, ...errors },
      },
    },
    async () => ({ publicKey: (await vapidKeys(db, config.secretKey)).publicKey }),
  );

  app.get(
    '/api/v1/push-subscriptions',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Your browsers subscribed to Web Push',
        response: { 200: Type.Object({ data: Type.Array(PushSubscription) }), ...errors },
      },
    },
    async (request) => ({ data: await findSubscriptions({ db, actor: actorOf(request) }) }),
  );

  app.post(
    '/api/v1/push-subscriptions',
    {
      schema: {
        tags: ['notifications'],
        summary:
          'Subscribe this browser to your notifications (PushSubscription.toJSON()); the endpoint must be a public https push service',
        body: PushSubscriptionBody,
        response: { 201: PushSubscription, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(
        await subscribe({
          db,
          config,
          actor: actorOf(request),
          body: request.body,
          userAgent: request.headers['user-agent'] ?? null,
        }),
      ),
  );

  app.delete(
    '/api/v1/push-subscriptions/:id',
    {
      config: { resource: 'push_subscription' },
      schema: {
        tags: ['notifications'],
        summary: 'Unsubscribe one of your browsers',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await unsubscribe({ db, actor: actorOf(request), subscriptionId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
