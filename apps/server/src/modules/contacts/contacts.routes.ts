import {
  Contact,
  ContactDetail,
  ContactListQuery,
  ContactUpdateBody,
  ErrorResponses,
  IdParams,
  Page,
} from '@parley/contract';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { findContacts, getContact, updateContact } from './contacts.api.js';

const errors = ErrorResponses;

export function contactRoutes(app: App, services: Services): void {
  const { db } = services;
  app.get(
    '/api/v1/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Customers, newest first',
        querystring: ContactListQuery,
        response: { 200: Page(Contact), ...errors },
      },
    },
    async (request) =>
      findContacts({ db, workspaceId: actorOf(request).workspaceId, query: request.query }),
  );
  app.get(
    '/api/v1/contacts/:id',
    {
      config: { resource: 'contact' },
      schema: {
        tags: ['contacts'],
        summary: 'A customer with every identity and every conversation',
        params: IdParams,
        response: { 200: ContactDetail, ...errors },
      },
    },
    async (request) => getContact({ db, actor: actorOf(request), contactId: request.params.id }),
  );
  app.patch(
    '/api/v1/contacts/:id',
    {
      config: { resource: 'contact' },
      schema: {
        tags: ['contacts'],
        summary: 'Change name, language, notes or attributes',
        params: IdParams,
        body: ContactUpdateBody,
        response: { 200: ContactDetail, ...errors },
      },
    },
    async (request) =>
      updateContact({
        db,
        actor: actorOf(request),
        contactId: request.params.id,
        changes: request.body,
      }),
  );
}
