import {
  CustomField,
  CustomFieldCreateBody,
  CustomFieldListQuery,
  CustomFieldUpdateBody,
  ErrorResponses,
  IdParams,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { notFound } from '../../platform/errors.js';
import { actorOf, type App } from '../../platform/http.js';
import {
  createField,
  deleteField,
  findFields,
  presentField,
  updateField,
} from './fields.service.js';

const errors = ErrorResponses;
const adminOnly = { access: { role: 'admin' as const, scope: 'admin' as const } };

export function fieldRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/custom-fields',
    {
      schema: {
        tags: ['custom fields'],
        summary: 'Typed custom fields of conversations and contacts, in display order',
        querystring: CustomFieldListQuery,
        response: { 200: Type.Object({ data: Type.Array(CustomField) }), ...errors },
      },
    },
    async (request) => ({
      data: (await findFields(db, actorOf(request).workspaceId, request.query.entity)).map(
        presentField,
      ),
    }),
  );

  app.post(
    '/api/v1/custom-fields',
    {
      config: adminOnly,
      schema: {
        tags: ['custom fields'],
        summary: 'Define a custom field (admins)',
        body: CustomFieldCreateBody,
        response: { 201: CustomField, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createField({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/custom-fields/:id',
    {
      config: { resource: 'custom_field' },
      schema: {
        tags: ['custom fields'],
        summary: 'One custom field',
        params: IdParams,
        response: { 200: CustomField, ...errors },
      },
    },
    async (request) => {
      const row = (await findFields(db, actorOf(request).workspaceId)).find(
        (f) => f.id === request.params.id,
      );
      if (!row) throw notFound('The custom field', 'custom_field_not_found');
      return presentField(row);
    },
  );

  app.patch(
    '/api/v1/custom-fields/:id',
    {
      config: { ...adminOnly, resource: 'custom_field' },
      schema: {
        tags: ['custom fields'],
        summary: 'Change the label, options, description or position (admins)',
        params: IdParams,
        body: CustomFieldUpdateBody,
        response: { 200: CustomField, ...errors },
      },
    },
    async (request) =>
      updateField({
        db,
        actor: actorOf(request),
        fieldId: request.params.id,
        changes: request.body,
      }),
  );

  app.delete(
    '/api/v1/custom-fields/:id',
    {
      config: { ...adminOnly, resource: 'custom_field' },
      schema: {
        tags: ['custom fields'],
        summary: 'Delete a field and its values on every record (admins)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteField({ db, actor: actorOf(request), fieldId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
