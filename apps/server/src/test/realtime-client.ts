import type { ServerFrame } from '@parley/contract';
import { WebSocket } from 'ws';
import type { App } from '../platform/http.js';
import type { As } from './harness.js';

export interface TestSocket {
  socket: WebSocket;
  /** Every frame received so far, in order. */
  frames: ServerFrame[];
  send(frame: unknown): void;
  /** The first frame (from `from` on) matching `match`; waits for it. */
  next<T extends ServerFrame['type']>(
    type: T,
    match?: (frame: Extract<ServerFrame, { type: T }>) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<Extract<ServerFrame, { type: T }>>;
  /** Frames of one type received so far. */
  all<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[];
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** The app listening on loopback (once), for WebSocket tests; returns its ws:// base. */
export async function listening(app: App): Promise<string> {
  const address = app.server.address();
  if (address && typeof address === 'object') return `ws://127.0.0.1:${address.port}`;
  await app.listen({ port: 0, host: '127.0.0.1' });
  return listening(app);
}

/** Opens `/api/v1/realtime` as `as` and resolves after the `ready` frame. */
export async function connectRealtime(
  base: string,
  as: As,
  headers: Record<string, string> = {},
): Promise<TestSocket> {
  const h: Record<string, string> = { ...headers };
  if (as && 'token' in as) h.authorization = `Bearer ${as.token}`;
  if (as && 'cookie' in as) h.cookie = `parley_session=${as.cookie}`;
  const socket = new WebSocket(`${base}/api/v1/realtime`, { headers: h });
  const frames: ServerFrame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (raw: Buffer) => {
    frames.push(JSON.parse(raw.toString('utf8')) as ServerFrame);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code: number, reason: Buffer) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  const client: TestSocket = {
    socket,
    frames,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    all: (type) => frames.filter((f) => f.type === type) as never,
    next: (type, match, options = {}) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = frames
            .slice(options.from ?? 0)
            .find((f) => f.type === type && (!match || match(f as never)));
          if (found) {
            done();
            resolve(found as never);
          } else if (socket.readyState === WebSocket.CLOSED) {
            done();
            reject(new Error(`socket closed before a "${type}" frame`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no "${type}" frame in ${options.timeoutMs ?? 5000} ms`));
        }, options.timeoutMs ?? 5000);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    closed,
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) {
        socket.close();
        await closed;
      }
    },
  };
  await client.next('ready');
  return client;
}
