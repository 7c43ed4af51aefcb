import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import { webRoutes, widgetScriptRoutes } from './web.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { errorStatus } from '@parley/contract';
import type { Services } from './context.js';
import { createAuthenticator } from './modules/auth/auth.hooks.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { twoFactorRoutes } from './modules/auth/two-factor.routes.js';
import { workspaceRoutes } from './modules/workspaces/workspaces.routes.js';
import { conversationRoutes } from './modules/conversations/conversations.routes.js';
import { searchRoutes } from './modules/search/search.routes.js';
import { contactRoutes } from './modules/contacts/contacts.routes.js';
import { fieldRoutes } from './modules/fields/fields.routes.js';
import { viewRoutes } from './modules/views/views.routes.js';
import { emailRoutes } from './modules/email/email.routes.js';
import { portalRoutes } from './modules/portal/portal.routes.js';
import { organizationRoutes } from './modules/contacts/organizations.routes.js';
import { teamRoutes } from './modules/teams/teams.routes.js';
import { availabilityRoutes } from './modules/availability/availability.routes.js';
import { routingRoutes } from './modules/routing/routing.routes.js';
import { realtimeRoutes, registerWebsocket } from './modules/realtime/realtime.routes.js';
import { widgetRoutes } from './modules/widget/widget.routes.js';
import { notificationRoutes } from './modules/notifications/notifications.routes.js';
import { cannedRoutes } from './modules/canned/canned.routes.js';
import { slaRoutes } from './modules/sla/sla.routes.js';
import { pushRoutes } from './modules/notifications/push.routes.js';
import { healthRoutes } from './platform/health.js';
import { idempotency } from './platform/idempotency.js';
import { createHttpServer, enforceAccess, type App } from './platform/http.js';
import { AppError } from './platform/errors.js';
import { hasNul } from './platform/nul.js';

/** Every module's routes. A new module adds its function here. */
const modules: ((app: App, services: Services) => void)[] = [
  authRoutes,
  twoFactorRoutes,
  workspaceRoutes,
  conversationRoutes,
  searchRoutes,
  contactRoutes,
  fieldRoutes,
  viewRoutes,
  portalRoutes,
  emailRoutes,
  organizationRoutes,
  teamRoutes,
  availabilityRoutes,
  routingRoutes,
  realtimeRoutes,
  widgetRoutes,
  notificationRoutes,
  cannedRoutes,
  slaRoutes,
  pushRoutes,
];

/**
 * Builds the HTTP application: platform plumbing, the request pipeline
 * (request id → authenticate → access rule → validate → handler → present), every module's
 * routes and the OpenAPI document generated from the same schemas.
 */
export async function buildApp(services: Services): Promise<App> {
  const app = createHttpServer(services.config, services.log);
  await app.register(cookie);
  const https = services.config.publicUrl.startsWith('https:');
  await app.register(helmet, {
    // HSTS and upgrade-insecure-requests only make sense once Parley is served over HTTPS.
    hsts: https,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: '1',
        description: `Errors are \`{ "error": { "code", "message", "details" } }\`. Codes and their statuses: ${Object.entries(
          errorStatus,
        )
          .map(([code, status]) => `\`${code}\` ${status}`)
          .join(', ')}.`,
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'API token (`parley token create`)',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
          portalBearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'Customer portal session (`POST /api/v1/portal/{slug}/verify`)',
          },
          portalCookie: { type: 'apiKey', in: 'cookie', name: 'parley_portal' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  // The docs viewer's own routes (page, assets) are public, as is the document itself.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, access: 'public' };
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () =>
    app.swagger(),
  );
  await webRoutes(app);
  widgetScriptRoutes(app);
  await registerWebsocket(app);

  const authenticate = createAuthenticator(services.db);
  app.addHook('onRequest', async (request) => {
    await authenticate(request);
    enforceAccess(request);
  });

  // No text the database cannot store goes further than here: one clear 400.
  app.addHook('preValidation', (request, _reply, done) => {
    done(
      hasNul(request.body) || hasNul(request.query) || hasNul(request.params)
        ? new AppError('validation_failed', 'Text may not contain the NUL character (U+0000)')
        : undefined,
    );
  });
  idempotency(app, services.pool);
  healthRoutes(app, {
    pool: services.pool,
    broadcaster: services.broadcaster,
    redisConfigured: services.config.redisUrl !== null,
  });
  for (const register of modules) register(app, services);
  return app;
}
