import {
  ErrorResponses,
  IdParams,
  Organization,
  OrganizationCreateBody,
  OrganizationDetail,
  OrganizationListQuery,
  OrganizationUpdateBody,
  Page,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import {
  createOrganization,
  deleteOrganization,
  findOrganizations,
  getOrganization,
  updateOrganization,
} from './organizations.service.js';

const errors = ErrorResponses;

export function organizationRoutes(app: App, services: Services): void {
  const { db } = services;
  app.get(
    '/api/v1/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Organizations by name; `q` finds names starting with it',
        querystring: OrganizationListQuery,
        response: { 200: Page(Organization), ...errors },
      },
    },
    async (request) =>
      findOrganizations({ db, workspaceId: actorOf(request).workspaceId, query: request.query }),
  );
  app.post(
    '/api/v1/organizations',
    {
      config: { access: { role: 'agent' } },
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization; new contacts with an email at one of its domains join it',
        body: OrganizationCreateBody,
        response: { 201: OrganizationDetail, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createOrganization({ db, actor: actorOf(request), body: request.body })),
  );
  app.get(
    '/api/v1/organizations/:id',
    {
      config: { resource: 'organization' },
      schema: {
        tags: ['organizations'],
        summary: 'An organization with its number of contacts and the newest of them',
        params: IdParams,
        response: { 200: OrganizationDetail, ...errors },
      },
    },
    async (request) =>
      getOrganization({
        db,
        workspaceId: actorOf(request).workspaceId,
        organizationId: request.params.id,
      }),
  );
  app.patch(
    '/api/v1/organizations/:id',
    {
      config: { resource: 'organization', access: { role: 'agent' } },
      schema: {
        tags: ['organizations'],
        summary: 'Change name, domains, attributes or notes',
        params: IdParams,
        body: OrganizationUpdateBody,
        response: { 200: OrganizationDetail, ...errors },
      },
    },
    async (request) =>
      updateOrganization({
        db,
        actor: actorOf(request),
        organizationId: request.params.id,
        changes: request.body,
      }),
  );
  app.delete(
    '/api/v1/organizations/:id',
    {
      config: { resource: 'organization', access: { role: 'manager' } },
      schema: {
        tags: ['organizations'],
        summary: 'Delete an organization; its contacts stay, without an organization',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteOrganization({ db, actor: actorOf(request), organizationId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
