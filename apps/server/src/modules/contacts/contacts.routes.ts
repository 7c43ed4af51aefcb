import {
  ContactCreateBody,
  Contact,
  ContactDetail,
  ContactListQuery,
  ContactMergeBody,
  ContactUpdateBody,
  ErrorResponses,
  IdentityCreateBody,
  IdentityParams,
  IdParams,
  Page,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { findContacts, getContact, updateContact } from './contacts.api.js';
import { addIdentity, createContact, removeIdentity } from './identities.service.js';
import { mergeContacts } from './merge.service.js';

const errors = ErrorResponses;

export function contactRoutes(app: App, services: Services): void {
  const { db } = services;
  app.get(
    '/api/v1/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Customers, newest first (merged ones left out)',
        querystring: ContactListQuery,
        response: { 200: Page(Contact), ...errors },
      },
    },
    async (request) =>
      findContacts({ db, workspaceId: actorOf(request).workspaceId, query: request.query }),
  );
  app.post(
    '/api/v1/contacts',
    {
      config: { access: { role: 'agent' } },
      schema: {
        tags: ['contacts'],
        summary:
          'Find-or-create a customer by one identity (email lower-cased, phone in E.164): 201 with the new contact, 200 with the one who already has it (unchanged)',
        description: 'Accepts `Idempotency-Key`.',
        body: ContactCreateBody,
        response: { 200: ContactDetail, 201: ContactDetail, ...errors },
      },
    },
    async (request, reply) => {
      const { contact, created } = await createContact({
        db,
        actor: actorOf(request),
        body: request.body,
      });
      return reply.status(created ? 201 : 200).send(contact);
    },
  );
  app.get(
    '/api/v1/contacts/:id',
    {
      config: { resource: 'contact' },
      schema: {
        tags: ['contacts'],
        summary:
          'A customer with every identity and every conversation; a merged one names the contact it was merged into (`mergedIntoId`)',
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
        summary: 'Change name, language, notes, organization or attributes',
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
  app.post(
    '/api/v1/contacts/:id/identities',
    {
      config: { resource: 'contact', access: { role: 'agent' } },
      schema: {
        tags: ['contacts'],
        summary:
          'Add an identity (normalised: email lower-cased, phone in E.164); 201 when added, 200 when the contact already had it, 409 identity_taken when another contact has it',
        params: IdParams,
        body: IdentityCreateBody,
        response: { 200: Contact, 201: Contact, ...errors },
      },
    },
    async (request, reply) => {
      const { contact, added } = await addIdentity({
        db,
        actor: actorOf(request),
        contactId: request.params.id,
        body: request.body,
      });
      return reply.status(added ? 201 : 200).send(contact);
    },
  );
  app.delete(
    '/api/v1/contacts/:id/identities/:kind/:value',
    {
      config: { resource: 'contact', access: { role: 'agent' } },
      schema: {
        tags: ['contacts'],
        summary: 'Remove an identity; the last one stays (409 last_identity)',
        params: IdentityParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await removeIdentity({ db, actor: actorOf(request), params: request.params });
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/api/v1/contacts/:id/merge',
    {
      config: { resource: 'contact', access: { role: 'agent' } },
      schema: {
        tags: ['contacts'],
        summary:
          'Merge this contact into another: identities and conversations move, nothing is lost; returns the one that remains',
        params: IdParams,
        body: ContactMergeBody,
        response: { 200: ContactDetail, ...errors },
      },
    },
    async (request) =>
      mergeContacts({
        db,
        actor: actorOf(request),
        sourceId: request.params.id,
        targetId: request.body.into,
      }),
  );
}
