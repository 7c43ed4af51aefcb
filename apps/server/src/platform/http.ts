import type { Role, TokenScope } from '@parley/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { uuidv7 } from 'uuidv7';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Who is making the request, once authenticated. */
export interface Actor {
  workspaceId: string;
  userId: string;
  role: Role;
  via: 'session' | 'token';
  scopes: TokenScope[];
  /** The session's CSRF token (cookie auth only). */
  csrfToken: string | null;
  /** Identifies the session or token that authenticated the request. */
  credentialId: string;
}

/**
 * Who may call a route. `public`: anyone. Otherwise an authenticated user with at least
 * `role`, through a credential with `scope` (default: read for GET, write for changes).
 */
export type RouteAccess = 'public' | { role?: Role; scope?: TokenScope };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /**
     * The kind of resource `:id` names, for the cross-workspace sweep test: every route
     * with an `:id` must say what it is, so the sweep can make one in another workspace.
     */
    resource?: string;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteEntry {
  method: string;
  url: string;
  config: { access?: RouteAccess; resource?: string };
  schema: unknown;
}

const routeTables = new WeakMap<object, RouteEntry[]>();

/** Every route registered on `app` (for the cross-workspace sweep and the docs). */
export function registeredRoutes(app: object): RouteEntry[] {
  return routeTables.get(app) ?? [];
}

const roleRank: Record<Role, number> = {
  owner: 5,
  admin: 4,
  manager: 3,
  agent: 2,
  collaborator: 1,
};
const scopeRank: Record<TokenScope, number> = { admin: 3, write: 2, read: 1 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return roleRank[role] >= roleRank[minimum];
}

/**
 * Two validators: request bodies are strict (no type coercion, unknown fields rejected);
 * query strings, params and headers arrive as text and are coerced to their types.
 */
function validators() {
  const common = {
    allErrors: false,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  } as const;
  const body = new Ajv({ ...common, coerceTypes: false });
  const text = new Ajv({ ...common, coerceTypes: 'array' });
  for (const ajv of [body, text]) addFormats(ajv);
  return { body, text };
}

/** Bodies are checked strictly; query strings, params and headers with coercion. */
const ajvFor = (ajv: ReturnType<typeof validators>, httpPart: string | undefined) =>
  httpPart === 'body' ? ajv.body : ajv.text;

/**
 * Route schemas are compiled when a route is first used, not all at start: compiling every
 * validator and response serializer was half of a start's CPU (seconds on these machines),
 * paid again by every test that builds the app. http.test.ts compiles them all once, so a
 * broken schema still fails the tests rather than its first request.
 */
function lazySerializers(): NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildSerializer'] {
  const selector = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = selector(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => (serialize ??= compile(route))(data);
    };
  };
}

const validatorsOf = new WeakMap<object, ReturnType<typeof validators>>();

/**
 * Compiles every route's validators and response serializers now, as they would be on first
 * use, so that a broken schema fails a test instead of a request. Returns how many it compiled.
 */
export function compileRouteSchemas(app: object): number {
  const ajv = validatorsOf.get(app);
  if (!ajv) throw new Error('not an app made by createHttpServer');
  const serializer = SerializerSelector()();
  let compiled = 0;
  for (const route of registeredRoutes(app)) {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
      if (schema[part] === undefined) continue;
      ajvFor(ajv, part).compile(schema[part] as object);
      compiled++;
    }
    const responses = (schema.response ?? {}) as Record<string, unknown>;
    for (const [httpStatus, response] of Object.entries(responses)) {
      serializer({ schema: response, method: route.method, url: route.url, httpStatus });
      compiled++;
    }
  }
  return compiled;
}

export function createHttpServer(config: Config, log: Logger): App {
  const ajv = validators();
  const app = Fastify({
    schemaController: { compilersFactory: { buildSerializer: lazySerializers() } },
    loggerInstance: log,
    genReqId: () => uuidv7(),
    requestIdHeader: 'x-request-id',
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  validatorsOf.set(app, ajv);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, config: route.config ?? {}, schema: route.schema });
    }
  });

  app.setValidatorCompiler(({ schema, httpPart }) => {
    let validate: ValidateFunction | undefined;
    const lazy = Object.assign(
      (data: unknown, context?: Parameters<ValidateFunction>[1]) => {
        validate ??= ajvFor(ajv, httpPart).compile(schema);
        const valid = validate(data, context);
        lazy.errors = validate.errors;
        return valid;
      },
      // Fastify hands the parent over (so Ajv may coerce a root value) to functions with this.
      { schemaEnv: true, errors: null as ErrorObject[] | null | undefined },
    );
    return lazy;
  });
  app.setSchemaErrorFormatter((errors, dataVar) => validationError(errors, dataVar));
  app.decorateRequest('actor', null);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new AppError(
        'route_not_found',
        `No route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      ),
      request,
      reply,
    ),
  );
  return app as unknown as App;
}

function validationError(errors: ErrorObject[], dataVar: string): AppError {
  const issues = errors.map((e) => {
    const path = `${dataVar}${e.instancePath.replaceAll('/', '.')}`;
    if (e.keyword === 'additionalProperties') {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      return { path: `${path}.${field}`, message: 'is not a known field' };
    }
    if (e.keyword === 'required') {
      const field = (e.params as { missingProperty: string }).missingProperty;
      return { path: `${path}.${field}`, message: 'is required' };
    }
    return { path, message: e.message ?? 'is invalid' };
  });
  const first = issues[0];
  return new AppError(
    'validation_failed',
    first ? `${first.path} ${first.message}` : 'The request is invalid',
    {
      details: { issues },
    },
  );
}

/** Renders any error as `{ error: { code, message, details } }` with the status from the one table. */
export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
  else if (appError.internal)
    request.log.info({ code: appError.code, internal: appError.internal }, 'request refused');
  if (appError.headers) reply.headers(appError.headers);
  return reply
    .status(appError.status)
    .type('application/json; charset=utf-8')
    .send(appError.toJSON());
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as FastifyError & { validation?: unknown };
  if (e.validation && e.cause instanceof AppError) return e.cause;
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('malformed_json', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_VALIDATION':
      return new AppError('validation_failed', e.message);
  }
  if (e.statusCode === 400 && e instanceof SyntaxError) {
    return new AppError('malformed_json', 'The request body is not valid JSON');
  }
  if (e.statusCode === 429) return new AppError('rate_limited', 'Too many requests');
  if (e.statusCode === 503)
    return new AppError('service_unavailable', 'The server is shutting down');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('validation_failed', e.message);
  }
  return new AppError('internal_error', 'Something went wrong on our side; it has been logged', {
    internal: String(error),
  });
}

/**
 * Enforces the route's access rule on an authenticated (or not) request: 401 without a
 * credential, 403 for a role or token scope too small, 403 `csrf_failed` for a
 * cookie-authenticated change without the session's CSRF token.
 */
export function enforceAccess(request: FastifyRequest): void {
  const access = request.routeOptions.config.access;
  if (access === 'public' || request.routeOptions.url === undefined) return;
  const actor = request.actor;
  if (!actor) throw new AppError('unauthorized', 'Sign in or send an API token');
  const safe =
    request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
  if (actor.via === 'session' && !safe) {
    const header = request.headers['x-csrf-token'];
    if (typeof header !== 'string' || header !== actor.csrfToken) {
      throw new AppError('csrf_failed', 'Missing or wrong X-CSRF-Token header');
    }
  }
  const scope: TokenScope = access?.scope ?? (safe ? 'read' : 'write');
  if (!actor.scopes.some((s) => scopeRank[s] >= scopeRank[scope])) {
    throw new AppError('insufficient_scope', `This API token lacks the "${scope}" scope`);
  }
  if (access?.role && !roleAtLeast(actor.role, access.role)) {
    throw new AppError('forbidden', `Only a ${access.role} or above may do this`);
  }
}

/** The authenticated actor, for handlers of routes that are not public. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthorized', 'Sign in or send an API token');
  return request.actor;
}

/**
 * Sends a JSON body the database already wrote (a string, e.g. a list page built by
 * PostgreSQL): Fastify sends a string as it is, without the response schema's serializer.
 * The caller vouches that the text has the route's response shape (a test compares it).
 */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json').send(json);
}
