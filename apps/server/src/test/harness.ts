import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { chmodSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildApp } from '../app.js';
import type { Services } from '../context.js';
import { loadConfig, type Config } from '../platform/config.js';
import type { App } from '../platform/http.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { admin, withDatabase } from './global-setup.js';

export interface TestContext {
  app: App;
  services: Services;
  runtime: Runtime;
  config: Config;
  databaseUrl: string;
}

/** A fresh database cloned from the migrated template; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const serverUrl = inject('databaseUrl');
  const template = inject('templateDatabase');
  const name = `${template.replace('parley_tpl_', 'parley_t_')}_${randomBytes(5).toString('hex')}`;
  await admin(serverUrl, async (client) => {
    await client.query(`create database ${name} template ${template}`);
  });
  return withDatabase(serverUrl, name);
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin(inject('databaseUrl'), async (client) => {
    await client.query(`drop database if exists ${name} with (force)`);
  });
}

/** A per-file scratch folder under data/test-files (inside the repo, reachable by the postgres user). */
export function scratchDir(): string {
  const root = resolve('data/test-files');
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(root, 'run-'));
  chmodSync(dir, 0o755); // mkdtemp makes it private; the postgres user must pass through.
  return dir;
}

/**
 * Starts Parley's services and HTTP app on a database of this test file's own, with the
 * given environment on top of test defaults. Use once per file, at module level.
 */
export function useTestApp(env: Record<string, string> = {}): TestContext {
  const context = {} as TestContext;
  let dataDir = '';
  beforeAll(async () => {
    context.databaseUrl = await createTestDatabase();
    dataDir = scratchDir();
    context.config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: context.databaseUrl,
      DATA_DIR: dataDir,
      SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      // The second CI pass runs the whole suite against the machine's Redis.
      REDIS_URL: process.env.REDIS_URL ?? '',
      ...env,
    });
    context.runtime = await openRuntime(
      context.config,
      pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      {
        migrate: false,
        namespace: `parley-test-${randomBytes(6).toString('hex')}`,
      },
    );
    context.services = context.runtime.services;
    context.app = await buildApp(context.services);
    await context.app.ready();
  });
  afterAll(async () => {
    await context.app.close();
    await context.runtime.close();
    await dropTestDatabase(context.databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return context;
}

/** How a test request authenticates. */
export type As = { cookie: string; csrf: string } | { token: string } | null;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on whatever JSON a route returned
export interface ApiResponse<T = any> extends Omit<
  LightMyRequestResponse,
  'json' | 'body' | 'raw'
> {
  body: T;
  response: LightMyRequestResponse;
}

/** One request through the real HTTP pipeline (in process), JSON in and out. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ApiResponse
export async function api<T = any>(
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  options: { as?: As; body?: unknown; headers?: Record<string, string>; ip?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as && 'token' in options.as) headers.authorization = `Bearer ${options.as.token}`;
  if (options.as && 'cookie' in options.as) {
    headers.cookie = `parley_session=${options.as.cookie}`;
    headers['x-csrf-token'] ??= options.as.csrf;
  }
  const response = await app.inject({
    method,
    url,
    headers,
    ...(options.ip ? { remoteAddress: options.ip } : {}),
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
  const text = response.body;
  const body: unknown =
    text && response.headers['content-type']?.toString().includes('json') ? JSON.parse(text) : text;
  return Object.assign(Object.create(null) as object, response, { body: body as T, response });
}

/** The session cookie a sign-in answer set, as `api()`'s `as.cookie` takes it. */
export function sessionCookieOf(response: { headers: Record<string, unknown> }): string {
  const header = [response.headers['set-cookie']].flat().join(';');
  return /parley_session=([^;]+)/.exec(header)?.[1] ?? '';
}

/** A TCP port free right now on loopback (the OS picks it), for a server a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}
