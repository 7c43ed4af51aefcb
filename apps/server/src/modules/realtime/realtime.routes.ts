import {
  ClientFrame,
  MAX_CLIENT_FRAME,
  RealtimeClose,
  VisitorFrame,
  type ClientFrame as Frame,
} from '@parley/contract';
import websocket from '@fastify/websocket';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../context.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor, App } from '../../platform/http.js';
import { actorFromSession, actorFromToken } from '../auth/auth.hooks.js';
import { SESSION_COOKIE } from '../auth/auth.service.js';
import { credentialCache } from '../auth/credential-cache.js';
import { setPresence } from '../availability/agents.service.js';
import { readVisitorToken, type Visitor } from '../widget/visitors.js';
import {
  markCustomerMessagesRead,
  markVisitorSeen,
  sendVisitorMessage,
  visitorContact,
  visitorConversation,
} from '../widget/widget.service.js';
import { markSeen, REALTIME_SEEN_EVERY_MS } from './presence.js';
import { Connection, RealtimeHub, type Peer } from './hub.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv);
const validFrame = ajv.compile<Frame>(ClientFrame);
const validVisitorFrame = ajv.compile<VisitorFrame>(VisitorFrame);

/** Frames a client may send per 10 s before it is cut off (typing sends a few a second at most). */
const FRAME_BUDGET = 100;
/** The server pings every socket this often; one that has not answered the last ping is dropped. */
const PING_EVERY_MS = 30_000;
/** Credentials are re-checked this often (and at once when the user's role or status changes). */
const RECHECK_EVERY_MS = 60_000;

/** What the gateway uses of a `ws` socket. */
type Socket = Peer & {
  send(data: string): void;
  ping(): void;
  terminate(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
};

interface Client {
  connection: Connection;
  socket: Socket;
  actor: Actor;
  credential: () => Promise<Actor | null>;
  alive: boolean;
  /** When this socket is pinged next (spread over the interval: see `firstPing`). */
  pingAt: number;
  frames: number;
}

interface VisitorClient {
  connection: Connection;
  socket: Socket;
  visitor: Visitor;
  alive: boolean;
  pingAt: number;
  frames: number;
}

/** Pings go out in slices this often, each to the sockets whose turn it is. */
const PING_TICK_MS = 1_000;

/**
 * A new socket's first ping, at a random point of the interval: sockets that connected
 * together (a node restart, thousands of widgets) are then pinged a slice at a time, not in
 * one loop of thousands of writes that would hold every message behind it.
 */
const firstPing = () => Date.now() + Math.random() * PING_EVERY_MS;

/** Registers the websocket plugin; must run before any module adds a websocket route. */
export async function registerWebsocket(app: App): Promise<void> {
  await app.register(websocket, { options: { maxPayload: MAX_CLIENT_FRAME } });
}

/**
 * `GET /api/v1/realtime` (WebSocket): agents authenticate with their session cookie (the
 * browser sends it with the upgrade; the Origin must be ours) or an API token.
 */
export function realtimeRoutes(app: App, services: Services): void {
  const { db, log } = services;
  const hub = new RealtimeHub(db, services.broadcaster, log, services.config.secretKey);
  const clients = new Set<Client>();
  const visitors = new Set<VisitorClient>();

  const recheck = async (client: Client) => {
    const actor = await client.credential().catch(() => client.actor);
    if (!actor) client.socket.close(RealtimeClose.sessionEnded, 'signed out');
    else client.actor = actor;
  };
  hub.onUserChanged = (workspaceId, userId) => {
    // The event comes after the commit, on every node: what this node cached about the
    // user's credentials is stale now (the node that made the change clears its cache only
    // after its commit, which may be later than this event), so the recheck reads afresh.
    credentialCache.clear();
    for (const client of clients) {
      if (client.actor.workspaceId === workspaceId && client.actor.userId === userId)
        void recheck(client);
    }
  };

  const timers = [
    setInterval(() => {
      const now = Date.now();
      for (const client of [...clients, ...visitors]) {
        if (client.pingAt > now) continue;
        if (!client.alive) {
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.pingAt = now + PING_EVERY_MS;
        client.socket.ping();
      }
    }, PING_TICK_MS),
    setInterval(() => {
      for (const client of clients) void recheck(client);
    }, RECHECK_EVERY_MS),
    setInterval(() => {
      for (const client of [...clients, ...visitors]) client.frames = 0;
    }, 10_000),
    setInterval(() => {
      const seen = [...clients].map((c) => ({
        workspaceId: c.actor.workspaceId,
        userId: c.actor.userId,
      }));
      markSeen(db, seen).catch((error: unknown) =>
        log.warn({ err: error }, 'could not record realtime presence'),
      );
    }, REALTIME_SEEN_EVERY_MS),
  ];
  for (const timer of timers) timer.unref();
  app.addHook('preClose', async () => {
    for (const timer of timers) clearInterval(timer);
    hub.close();
    await hub.idle();
  });

  app.get(
    '/api/v1/realtime',
    {
      websocket: true,
      // Authentication is checked below so that the upgrade is refused with a plain 401.
      config: { access: 'public' },
      schema: { hide: true },
      preValidation: (request, _reply, done) => {
        try {
          if (!request.actor) throw new AppError('unauthorized', 'Sign in or send an API token');
          if (request.actor.via === 'session') assertSameOrigin(request, services.config.publicUrl);
          done();
        } catch (error) {
          done(error as Error);
        }
      },
    },
    (socket, request) => {
      const actor = request.actor;
      if (!actor) return; // refused before the upgrade (preValidation)
      // Listeners are attached at once (frames may follow the upgrade immediately) and
      // wait for the setup.
      const setup = (async () => {
        const user = await db
          .selectFrom('users')
          .select('name')
          .where('workspaceId', '=', actor.workspaceId)
          .where('id', '=', actor.userId)
          .executeTakeFirst();
        const connection = new Connection(
          {
            kind: 'agent',
            workspaceId: actor.workspaceId,
            userId: actor.userId,
            name: user?.name ?? '',
          },
          socket,
        );
        const client: Client = {
          connection,
          socket,
          actor,
          credential: credentialOf(request, services),
          alive: true,
          pingAt: firstPing(),
          frames: 0,
        };
        clients.add(client);
        hub.add(connection);
        connection.send({ type: 'ready', connectionId: connection.id, userId: actor.userId });
        markSeen(db, [{ workspaceId: actor.workspaceId, userId: actor.userId }]).catch(
          (error: unknown) => log.warn({ err: error }, 'could not record realtime presence'),
        );
        return client;
      })();
      pipeFrames(socket, validFrame, log, async (frame) => handle(await setup, frame));
      socket.on('close', () => {
        void setup.then((client) => {
          clients.delete(client);
          hub.remove(client.connection);
        });
      });
      socket.on('pong', () => void setup.then((client) => (client.alive = true)));
      setup.catch((error: unknown) => {
        log.warn({ err: error }, 'realtime connection setup failed');
        socket.close(1011, 'server error');
      });
    },
  );

  async function handle(client: Client, frame: Frame): Promise<void> {
    const { connection, actor } = client;
    client.alive = true;
    if (++client.frames > FRAME_BUDGET) {
      client.socket.close(RealtimeClose.policyViolation, 'too many frames');
      return;
    }
    switch (frame.type) {
      case 'ping':
        connection.send({ type: 'pong' });
        return;
      case 'subscribe': {
        const found = await db
          .selectFrom('conversations')
          .select('id')
          .where('workspaceId', '=', actor.workspaceId)
          .where('id', '=', frame.conversationId)
          .executeTakeFirst();
        if (!found) throw notFound('The conversation', 'conversation_not_found');
        await hub.join(connection, frame.conversationId, frame.afterSeq);
        return;
      }
      case 'unsubscribe':
        hub.leave(connection, frame.conversationId);
        return;
      case 'composing':
        hub.setComposing(connection, frame.conversationId, frame.composing);
        return;
      case 'presence':
        await setPresence({ db, actor, userId: actor.userId, presence: frame.presence });
        return;
      case 'seen':
        if (connection.rooms.has(frame.conversationId))
          await markCustomerMessagesRead(db, actor.workspaceId, frame.conversationId, frame.seq);
        return;
    }
  }

  /**
   * `GET /api/v1/widget/realtime` (WebSocket): the chat widget. Public at the upgrade (host
   * sites are anywhere); the first frame must be `auth` with the visitor token, within
   * 10 s, else the socket closes with 4401. A visitor follows only their own conversations.
   */
  app.get(
    '/api/v1/widget/realtime',
    { websocket: true, config: { access: 'public' }, schema: { hide: true } },
    (socket) => {
      let visitor: VisitorClient | null = null;
      const deadline = setTimeout(
        () => socket.close(RealtimeClose.sessionEnded, 'no auth frame'),
        10_000,
      );
      deadline.unref();
      pipeFrames(socket, validVisitorFrame, log, async (frame) => {
        if (!visitor) {
          if (frame.type !== 'auth') {
            socket.close(RealtimeClose.sessionEnded, 'the first frame must be auth');
            return;
          }
          const token = readVisitorToken(services.config.secretKey, frame.token);
          if (!token) {
            socket.close(RealtimeClose.sessionEnded, 'invalid visitor token');
            return;
          }
          clearTimeout(deadline);
          const contact = await visitorContact(db, token);
          const connection = new Connection(
            {
              kind: 'visitor',
              workspaceId: token.workspaceId,
              contactId: contact?.id ?? '',
              name: contact?.name ?? '',
            },
            socket,
          );
          visitor = {
            connection,
            socket,
            visitor: token,
            alive: true,
            pingAt: firstPing(),
            frames: 0,
          };
          hub.add(connection);
          visitors.add(visitor);
          connection.send({ type: 'ready' });
          return;
        }
        await handleVisitor(visitor, frame);
      });
      socket.on('pong', () => {
        if (visitor) visitor.alive = true;
      });
      socket.on('close', () => {
        clearTimeout(deadline);
        if (!visitor) return;
        visitors.delete(visitor);
        hub.remove(visitor.connection);
      });
    },
  );

  async function handleVisitor(client: VisitorClient, frame: VisitorFrame): Promise<void> {
    const { connection, visitor } = client;
    client.alive = true;
    if (++client.frames > FRAME_BUDGET) {
      connection.close(RealtimeClose.policyViolation, 'too many frames');
      return;
    }
    switch (frame.type) {
      case 'auth':
        return;
      case 'ping':
        connection.send({ type: 'pong' });
        return;
      case 'subscribe':
        await visitorConversation(db, visitor, frame.conversationId);
        await hub.join(connection, frame.conversationId, frame.afterSeq);
        return;
      case 'typing':
        hub.setComposing(connection, frame.conversationId, frame.typing ? 'reply' : null);
        return;
      case 'seen':
        await markVisitorSeen({ db, visitor, ...frame });
        return;
      case 'send': {
        const body = frame.message;
        let result;
        try {
          result = await sendVisitorMessage({ services, visitor, body });
        } catch (error) {
          connection.send({
            type: 'error',
            code: error instanceof AppError ? error.code : 'internal_error',
            message: error instanceof AppError ? error.message : 'Not stored; send it again',
            clientMessageId: body.clientMessageId,
          });
          return;
        }
        // Acknowledged only after commit; the sender has its message, so live delivery
        // starts after it.
        if (connection.principal.kind === 'visitor' && !connection.principal.contactId) {
          const contact = await visitorContact(db, visitor);
          connection.principal.contactId = contact?.id ?? '';
          connection.principal.name = contact?.name ?? '';
        }
        connection.send({ type: 'ack', clientMessageId: body.clientMessageId, result });
        if (!connection.rooms.has(result.conversationId))
          await hub.join(connection, result.conversationId, result.message.seq);
        return;
      }
    }
  }
}

/**
 * Reads a socket's frames in order: binary → 1003, not JSON → 1007, not a known frame →
 * 1008 (ws itself closes oversized ones with 1009). A frame that fails is answered with an
 * `error` frame carrying its code; the socket stays open.
 */
function pipeFrames<F extends { type: string }>(
  socket: Socket,
  validate: ValidateFunction<F>,
  log: Services['log'],
  handle: (frame: F) => Promise<void>,
): void {
  let chain = Promise.resolve();
  socket.on('error', (error: Error) => log.debug({ err: error }, 'realtime socket error'));
  socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (isBinary) {
      socket.close(RealtimeClose.unsupportedData, 'binary frames are not accepted');
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(rawText(raw));
    } catch {
      socket.close(RealtimeClose.invalidPayload, 'frames must be JSON');
      return;
    }
    if (!validate(frame)) {
      socket.close(RealtimeClose.policyViolation, 'unknown frame');
      return;
    }
    chain = chain
      .then(() => handle(frame))
      .catch((error: unknown) => {
        if (!(error instanceof AppError))
          log.warn({ err: error, frame: frame.type }, 'realtime frame failed');
        socket.send(
          JSON.stringify({
            type: 'error',
            code: error instanceof AppError ? error.code : 'internal_error',
            message: error instanceof AppError ? error.message : 'Something went wrong on our side',
            ...('conversationId' in frame ? { conversationId: frame.conversationId } : {}),
          }),
        );
      });
  });
}

function rawText(raw: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.from(raw as ArrayBuffer).toString('utf8');
}

/**
 * A browser sends cookies with a WebSocket upgrade from any site (no CORS for sockets), so
 * a cookie-authenticated upgrade must come from our own pages: same host as the request
 * or as the configured public URL.
 */
function assertSameOrigin(request: FastifyRequest, publicUrl: string): void {
  const origin = request.headers.origin;
  if (origin === undefined) return; // not a browser
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new AppError('forbidden', 'The Origin header is not a URL');
  }
  const allowed = new Set([request.headers.host, new URL(publicUrl).host]);
  if (!allowed.has(host)) throw new AppError('forbidden', 'Cross-site WebSocket refused');
}

/** How to re-check the credential that opened the socket. */
function credentialOf(request: FastifyRequest, services: Services): () => Promise<Actor | null> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return () => actorFromToken(services.db, bearer);
  const cookie = request.cookies[SESSION_COOKIE] ?? '';
  return () => actorFromSession(services.db, cookie);
}
