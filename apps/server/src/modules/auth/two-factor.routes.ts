import {
  ErrorResponse,
  ErrorResponses,
  IdParams,
  Me,
  RecoveryCodes,
  RecoveryCodesBody,
  TwoFactorDisableBody,
  TwoFactorEnableBody,
  TwoFactorLoginBody,
  TwoFactorSetup,
  TwoFactorStatus,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { getUser } from '../workspaces/users.service.js';
import { me, setSessionCookie } from './auth.routes.js';
import {
  completeTwoFactorLogin,
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  resetTwoFactor,
  startTwoFactorSetup,
  twoFactorStatus,
} from './two-factor.service.js';

const errors = ErrorResponses;
const conflict = { 409: ErrorResponse };

/** Two-factor sign-in (TOTP): the sign-in step, enrolment, turning off, recovery codes, reset. */
export function twoFactorRoutes(app: App, services: Services): void {
  const { db, limits } = services;
  const secretKey = services.config.secretKey;

  app.post(
    '/api/v1/auth/login/two-factor',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Finish signing in with a code; sets the session cookie',
        description:
          'After `POST /auth/login` answered `twoFactorRequired`: its `challengeToken` and a 6-digit code of the authenticator app (the current one, or one step before or after) or a recovery code. A code works once. Errors: `two_factor_invalid` (wrong code), `two_factor_code_used` (this code was already used: wait for the next), `two_factor_expired` (unknown, used or expired challenge: sign in again), `two_factor_locked` (5 wrong codes killed the challenge), `rate_limited` (10 code attempts per user in 15 minutes).',
        body: TwoFactorLoginBody,
        response: { 200: Me, ...errors },
      },
    },
    async (request, reply) => {
      const signedIn = await completeTwoFactorLogin({
        db,
        limits,
        secretKey,
        body: request.body,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      const { session } = signedIn;
      setSessionCookie(reply, services, session.cookie, session.expiresAt);
      return me(services, signedIn.workspaceId, signedIn.userId, session.csrfToken);
    },
  );

  app.get(
    '/api/v1/auth/two-factor',
    {
      schema: {
        tags: ['auth'],
        summary: 'Whether your two-factor sign-in is on, and how many recovery codes are left',
        response: { 200: TwoFactorStatus, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return twoFactorStatus({ db, workspaceId: actor.workspaceId, userId: actor.userId });
    },
  );

  app.post(
    '/api/v1/auth/two-factor/setup',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start setting up two-factor sign-in: a new secret, its URI and QR code',
        description:
          'The secret is pending until `POST /auth/two-factor/enable` confirms it with a code; it is in this answer only (stored sealed, never answered again). Calling again replaces a pending secret. `409 two_factor_enabled` when it is already on.',
        response: { 200: TwoFactorSetup, ...errors, ...conflict },
      },
    },
    async (request) => startTwoFactorSetup({ db, secretKey, actor: actorOf(request) }),
  );

  app.post(
    '/api/v1/auth/two-factor/enable',
    {
      schema: {
        tags: ['auth'],
        summary: 'Turn two-factor sign-in on with your password and a current code',
        description:
          'Answers the 10 recovery codes, this once. Errors: `invalid_credentials` (password), `two_factor_invalid` (code), `two_factor_setup_required`, `two_factor_enabled`.',
        body: TwoFactorEnableBody,
        response: { 200: RecoveryCodes, ...errors, ...conflict },
      },
    },
    async (request) =>
      enableTwoFactor({ db, limits, secretKey, actor: actorOf(request), ...request.body }),
  );

  app.post(
    '/api/v1/auth/two-factor/disable',
    {
      schema: {
        tags: ['auth'],
        summary: 'Turn two-factor sign-in off with your password and a code (or a recovery code)',
        body: TwoFactorDisableBody,
        response: { 204: Type.Null(), ...errors, ...conflict },
      },
    },
    async (request, reply) => {
      await disableTwoFactor({ db, limits, secretKey, actor: actorOf(request), ...request.body });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/two-factor/recovery-codes',
    {
      schema: {
        tags: ['auth'],
        summary: 'New recovery codes (the old ones stop working), for a code',
        body: RecoveryCodesBody,
        response: { 200: RecoveryCodes, ...errors, ...conflict },
      },
    },
    async (request) =>
      regenerateRecoveryCodes({
        db,
        limits,
        secretKey,
        actor: actorOf(request),
        code: request.body.code,
      }),
  );

  app.get(
    '/api/v1/users/:id/two-factor',
    {
      config: { resource: 'user', access: { role: 'admin' } },
      schema: {
        tags: ['auth'],
        summary: 'Whether a user’s two-factor sign-in is on (admins)',
        params: IdParams,
        response: { 200: TwoFactorStatus, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await getUser({ db, workspaceId: actor.workspaceId, userId: request.params.id });
      return twoFactorStatus({ db, workspaceId: actor.workspaceId, userId: request.params.id });
    },
  );

  app.delete(
    '/api/v1/users/:id/two-factor',
    {
      config: { resource: 'user', access: { role: 'admin' } },
      schema: {
        tags: ['auth'],
        summary: 'Turn another user’s two-factor sign-in off (a lost phone); audit-logged',
        description:
          'Admins and owners; an owner’s only by an owner; never your own (`POST /auth/two-factor/disable`). The user signs in with the password alone and may set it up again. `409 two_factor_not_enabled` when it is off.',
        params: IdParams,
        response: { 204: Type.Null(), ...errors, ...conflict },
      },
    },
    async (request, reply) => {
      await resetTwoFactor({
        db,
        actor: actorOf(request),
        userId: request.params.id,
        ip: request.ip,
      });
      return reply.status(204).send(null);
    },
  );
}
