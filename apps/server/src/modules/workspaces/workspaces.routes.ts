import {
  AcknowledgementTemplate,
  AcknowledgementTemplateBody,
  AvatarBody,
  ErrorResponse,
  LocaleParams,
  ErrorResponses,
  IdParams,
  Invitation,
  InvitationAcceptBody,
  InvitationCreateBody,
  InvitationCreated,
  Me,
  Page,
  User,
  UserListQuery,
  UserUpdateBody,
  Workspace,
  WorkspaceUpdateBody,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, roleAtLeast, type App } from '../../platform/http.js';
import { setSessionCookie } from '../auth/auth.routes.js';
import {
  acceptInvitation,
  createInvitation,
  deleteInvitation,
  findInvitations,
} from './invitations.service.js';
import { findUsers, getAvatar, getUser, setAvatar, updateUser } from './users.service.js';
import { findTemplates, resetTemplate, saveTemplate } from '../conversations/acknowledgements.js';
import { presentUser, presentWorkspace } from './workspaces.presenters.js';
import { getWorkspace, updateWorkspace } from './workspaces.service.js';

const errors = ErrorResponses;

export function workspaceRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/workspace',
    {
      schema: {
        tags: ['workspace'],
        summary: 'Your workspace',
        response: { 200: Workspace, ...errors },
      },
    },
    async (request) =>
      presentWorkspace(await getWorkspace({ db, workspaceId: actorOf(request).workspaceId })),
  );

  app.patch(
    '/api/v1/workspace',
    {
      config: { access: { role: 'admin', scope: 'admin' } },
      schema: {
        tags: ['workspace'],
        summary: 'Change workspace settings (admins)',
        body: WorkspaceUpdateBody,
        response: { 200: Workspace, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return presentWorkspace(
        await updateWorkspace({
          db,
          workspaceId: actor.workspaceId,
          changes: request.body,
          actorId: actor.userId,
        }),
      );
    },
  );

  app.get(
    '/api/v1/workspace/acknowledgement-templates',
    {
      schema: {
        tags: ['workspace'],
        summary: 'The acknowledgement sent with the ticket number, per language',
        response: { 200: Type.Object({ data: Type.Array(AcknowledgementTemplate) }), ...errors },
      },
    },
    async (request) => ({ data: await findTemplates(db, actorOf(request).workspaceId) }),
  );

  app.put(
    '/api/v1/workspace/acknowledgement-templates/:locale',
    {
      config: { access: { role: 'admin', scope: 'admin' } },
      schema: {
        tags: ['workspace'],
        summary: "Replace one language's acknowledgement (admins)",
        params: LocaleParams,
        body: AcknowledgementTemplateBody,
        response: { 200: AcknowledgementTemplate, ...errors },
      },
    },
    async (request) =>
      saveTemplate({
        db,
        actor: actorOf(request),
        locale: request.params.locale,
        body: request.body,
      }),
  );

  app.delete(
    '/api/v1/workspace/acknowledgement-templates/:locale',
    {
      config: { access: { role: 'admin', scope: 'admin' } },
      schema: {
        tags: ['workspace'],
        summary: 'Go back to the built-in acknowledgement for one language (admins)',
        params: LocaleParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await resetTemplate({ db, actor: actorOf(request), locale: request.params.locale });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/users',
    {
      schema: {
        tags: ['workspace'],
        summary: 'People in the workspace',
        querystring: UserListQuery,
        response: { 200: Page(User), ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return findUsers({
        db,
        workspaceId: actor.workspaceId,
        query: request.query,
        withTwoFactor: roleAtLeast(actor.role, 'admin'),
      });
    },
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: { resource: 'user' },
      schema: {
        tags: ['workspace'],
        summary: 'One user',
        params: IdParams,
        response: { 200: User, ...errors },
      },
    },
    async (request) =>
      presentUser(
        await getUser({ db, workspaceId: actorOf(request).workspaceId, userId: request.params.id }),
      ),
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { resource: 'user' },
      schema: {
        tags: ['workspace'],
        summary:
          'Change a user: yourself (name, language, time zone, notification preferences) or, as admin, role and status',
        params: IdParams,
        body: UserUpdateBody,
        response: { 200: User, ...errors },
      },
    },
    async (request) =>
      presentUser(
        await updateUser({
          db,
          actor: actorOf(request),
          userId: request.params.id,
          changes: request.body,
        }),
      ),
  );

  app.put(
    '/api/v1/users/:id/avatar',
    {
      config: { resource: 'user', access: { scope: 'write' } },
      bodyLimit: 512 * 1024,
      schema: {
        tags: ['workspace'],
        summary: 'Set your profile picture (PNG, JPEG or WebP up to 256 KB, as a data: URL)',
        params: IdParams,
        body: AvatarBody,
        response: { 200: User, ...errors },
      },
    },
    async (request) =>
      presentUser(
        await setAvatar({
          db,
          blobs: services.blobs,
          actor: actorOf(request),
          userId: request.params.id,
          dataUrl: request.body.dataUrl,
        }),
      ),
  );

  app.delete(
    '/api/v1/users/:id/avatar',
    {
      config: { resource: 'user', access: { scope: 'write' } },
      schema: {
        tags: ['workspace'],
        summary: 'Remove your profile picture',
        params: IdParams,
        response: { 200: User, ...errors },
      },
    },
    async (request) =>
      presentUser(
        await setAvatar({
          db,
          blobs: services.blobs,
          actor: actorOf(request),
          userId: request.params.id,
          dataUrl: null,
        }),
      ),
  );

  app.get(
    '/api/v1/users/:id/avatar',
    {
      config: { resource: 'user' },
      schema: {
        tags: ['workspace'],
        summary: 'A user’s profile picture (the image itself)',
        params: IdParams,
      },
    },
    async (request, reply) => {
      const avatar = await getAvatar({
        db,
        blobs: services.blobs,
        workspaceId: actorOf(request).workspaceId,
        userId: request.params.id,
      });
      return reply
        .type(avatar.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=86400')
        .send(avatar.bytes);
    },
  );

  app.get(
    '/api/v1/invitations',
    {
      config: { access: { role: 'admin' } },
      schema: {
        tags: ['workspace'],
        summary: 'Pending invitations (admins)',
        response: { 200: Type.Object({ data: Type.Array(Invitation) }), ...errors },
      },
    },
    async (request) => ({
      data: await findInvitations({ db, workspaceId: actorOf(request).workspaceId }),
    }),
  );

  app.post(
    '/api/v1/invitations',
    {
      config: { access: { role: 'admin', scope: 'admin' } },
      schema: {
        tags: ['workspace'],
        summary: 'Invite someone to the workspace (admins)',
        body: InvitationCreateBody,
        response: { 201: InvitationCreated, ...errors },
      },
    },
    async (request, reply) => {
      const created = await createInvitation({
        db,
        actor: actorOf(request),
        body: request.body,
        publicUrl: services.config.publicUrl,
      });
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/api/v1/invitations/:id',
    {
      config: { access: { role: 'admin', scope: 'admin' }, resource: 'invitation' },
      schema: {
        tags: ['workspace'],
        summary: 'Withdraw an invitation',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteInvitation({
        db,
        workspaceId: actorOf(request).workspaceId,
        invitationId: request.params.id,
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/invitations/accept',
    {
      config: { access: 'public' },
      schema: {
        tags: ['workspace'],
        summary: 'Accept an invitation: creates your user and signs you in',
        body: InvitationAcceptBody,
        response: { 201: Me, ...errors, 410: ErrorResponse },
      },
    },
    async (request, reply) => {
      await services.limits.consume('invitation-accept', request.ip, {
        points: 20,
        windowSeconds: 900,
      });
      const { user, session } = await acceptInvitation({
        db,
        token: request.body.token,
        name: request.body.name,
        password: request.body.password,
        locale: request.body.locale,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookie(reply, services, session.cookie, session.expiresAt);
      const workspace = await getWorkspace({ db, workspaceId: user.workspaceId });
      return reply.status(201).send({
        user: presentUser(user),
        workspace: presentWorkspace(workspace),
        csrfToken: session.csrfToken,
      });
    },
  );
}
