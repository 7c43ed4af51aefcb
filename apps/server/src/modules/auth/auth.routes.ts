import {
  ApiToken,
  ErrorResponse,
  ErrorResponses,
  IdParams,
  LoginBody,
  Me,
  PasswordChangeBody,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
  TokenCreateBody,
  TokenCreated,
  TwoFactorChallenge,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { getUser } from '../workspaces/users.service.js';
import { getWorkspace } from '../workspaces/workspaces.service.js';
import { presentUser, presentWorkspace } from '../workspaces/workspaces.presenters.js';
import {
  changePassword,
  checkLogin,
  createSession,
  logout,
  SESSION_COOKIE,
} from './auth.service.js';
import { confirmPasswordReset, requestPasswordReset } from './password-reset.service.js';
import { createToken, findTokens, revokeToken } from './tokens.service.js';
import { openTwoFactorChallenge } from './two-factor.service.js';

const errors = ErrorResponses;

export function setSessionCookie(
  reply: FastifyReply,
  services: Services,
  value: string,
  expires: Date,
): void {
  void reply.setCookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.publicUrl.startsWith('https:'),
    path: '/',
    expires,
  });
}

export async function me(
  services: Services,
  workspaceId: string,
  userId: string,
  csrfToken: string | null,
): Promise<Me> {
  const [user, workspace] = await Promise.all([
    getUser({ db: services.db, workspaceId, userId }),
    getWorkspace({ db: services.db, workspaceId }),
  ]);
  return { user: presentUser(user), workspace: presentWorkspace(workspace), csrfToken };
}

export function authRoutes(app: App, services: Services): void {
  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        description:
          'For a user with two-factor sign-in on, the answer is a `TwoFactorChallenge` (`twoFactorRequired: true`) instead, and no session: send its token and a code to `POST /auth/login/two-factor`.',
        body: LoginBody,
        response: { 200: Type.Union([Me, TwoFactorChallenge]), ...errors, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const user = await checkLogin({
        db: services.db,
        limits: services.limits,
        body: request.body,
        ip: request.ip,
      });
      const challenge = await openTwoFactorChallenge({ db: services.db, ...user });
      if (challenge) return challenge;
      const session = await createSession(services.db, {
        ...user,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookie(reply, services, session.cookie, session.expiresAt);
      return me(services, user.workspaceId, user.userId, session.csrfToken);
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'Sign out this session', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await logout({ db: services.db, cookie: request.cookies[SESSION_COOKIE] });
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user, their workspace and CSRF token',
        response: { 200: Me, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return me(services, actor.workspaceId, actor.userId, actor.csrfToken);
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      config: { access: { scope: 'write' } },
      schema: {
        tags: ['auth'],
        summary: 'Change your password; signs out every other session',
        body: PasswordChangeBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await changePassword({
        db: services.db,
        limits: services.limits,
        workspaceId: actor.workspaceId,
        userId: actor.userId,
        currentCredentialId: actor.credentialId,
        currentPassword: request.body.currentPassword,
        newPassword: request.body.newPassword,
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/password-reset',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary:
          'Forgot password: email a reset link (the same 202 whether or not the address exists)',
        description:
          'Every active account with this email (in the named workspace, else in each) gets a link that works once, for 60 minutes. Rate-limited per IP and per address.',
        body: PasswordResetRequestBody,
        response: { 202: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await requestPasswordReset({
        db: services.db,
        limits: services.limits,
        body: request.body,
        ip: request.ip,
      });
      return reply.status(202).send(null);
    },
  );

  app.post(
    '/api/v1/auth/password-reset/confirm',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the emailed link’s token; signs out every session',
        description:
          'Errors: `reset_token_invalid` (400: unknown or altered), `reset_token_used` and `reset_token_expired` (410).',
        body: PasswordResetConfirmBody,
        response: { 204: Type.Null(), ...errors, 410: ErrorResponse },
      },
    },
    async (request, reply) => {
      await confirmPasswordReset({
        db: services.db,
        limits: services.limits,
        body: request.body,
        ip: request.ip,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Your API tokens',
        response: { 200: Type.Object({ data: Type.Array(ApiToken) }), ...errors },
      },
    },
    async (request) => ({ data: await findTokens({ db: services.db, actor: actorOf(request) }) }),
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an API token; the secret is in this response only',
        body: TokenCreateBody,
        response: { 201: TokenCreated, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const created = await createToken({
        db: services.db,
        workspaceId: actor.workspaceId,
        userId: actor.userId,
        name: request.body.name,
        ...(request.body.scopes ? { scopes: request.body.scopes } : {}),
        ...(request.body.expiresInDays ? { expiresInDays: request.body.expiresInDays } : {}),
      });
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      config: { resource: 'token' },
      schema: {
        tags: ['auth'],
        summary: 'Revoke an API token',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await revokeToken({ db: services.db, actor: actorOf(request), tokenId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
