import {
  ErrorResponses,
  NotificationListQuery,
  NotificationPage,
  NotificationReadBody,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { listNotifications, markRead } from './notifications.service.js';

const tags = ['notifications'];

/** The signed-in person's notification centre. */
export function notificationRoutes(app: App, services: Services): void {
  const { db } = services;
  app.get(
    '/api/v1/notifications',
    {
      schema: {
        tags,
        summary: 'Your notifications, newest first, and how many are unread',
        querystring: NotificationListQuery,
        response: { 200: NotificationPage, ...ErrorResponses },
      },
    },
    async (request) => listNotifications({ db, actor: actorOf(request), query: request.query }),
  );
  app.post(
    '/api/v1/notifications/read',
    {
      // Reading your own notifications is not a change to the workspace: read scope is enough.
      config: { access: { scope: 'read' } },
      schema: {
        tags,
        summary: 'Mark some (ids) or all of your notifications read',
        body: NotificationReadBody,
        response: { 200: Type.Object({ updated: Type.Integer() }), ...ErrorResponses },
      },
    },
    async (request) => markRead({ db, actor: actorOf(request), body: request.body }),
  );
}
