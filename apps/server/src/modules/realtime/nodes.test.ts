import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../platform/config.js';
import type { App } from '../../platform/http.js';
import { openRuntime, type Runtime } from '../../runtime.js';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';
import {
  api,
  createTestDatabase,
  dropTestDatabase,
  freePort,
  scratchDir,
} from '../../test/harness.js';
import { connectRealtime, listening } from '../../test/realtime-client.js';
import { ingest } from '../conversations/ingest.js';

/** A private redis-server, so this test can stop and restart it without touching anyone else's. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  await vi.waitFor(
    async () => {
      const { createConnection } = await import('node:net');
      await new Promise<void>((resolve, reject) => {
        const socket = createConnection(port, '127.0.0.1', () => {
          socket.end();
          resolve();
        });
        socket.on('error', reject);
      });
    },
    { timeout: 10_000, interval: 100 },
  );
  return redis;
}

async function stopRedis(redis: ChildProcess): Promise<void> {
  if (redis.exitCode !== null) return;
  const exited = new Promise((resolve) => redis.once('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
}

interface Node {
  runtime: Runtime;
  app: App;
  base: string;
}

describe('realtime across nodes (Redis pub/sub)', () => {
  let databaseUrl = '';
  let dataDir = '';
  let redisDir = '';
  let redisPort = 0;
  let redis: ChildProcess;
  const nodes: Node[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    dataDir = scratchDir();
    redisDir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
    redisPort = await freePort();
    redis = await startRedis(redisPort, redisDir);
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    };
    const namespace = `parley-nodes-${randomBytes(6).toString('hex')}`;
    for (let i = 0; i < 2; i++) {
      const runtime = await openRuntime(loadConfig(env), pino({ level: 'silent' }), {
        migrate: false,
        namespace,
      });
      const app = await buildApp(runtime.services);
      await app.ready();
      nodes.push({ runtime, app, base: await listening(app) });
    }
    // Only node A dispatches events; node B's sockets hear them through Redis.
    await nodes[0]!.runtime.services.outbox.start();
  });

  afterAll(async () => {
    for (const node of nodes) {
      await node.app.close();
      await node.runtime.close();
    }
    await stopRedis(redis);
    await dropTestDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(redisDir, { recursive: true, force: true });
  });

  it('delivers to a socket on the other node, reports a Redis outage and resumes by itself', async () => {
    const [a, b] = nodes as [Node, Node];
    const services = a.runtime.services;
    const { workspace, owner } = await buildWorkspace(services);
    const agent = await buildUser(services, { workspaceId: workspace.id, name: 'Sara Lind' });
    const write = (text: string) =>
      ingest(services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: 'kund@example.se' },
        subject: 'Fakturan',
        text,
        threadKeys: ['<faktura@example.se>'],
        ownThreadKeys: ['<faktura@example.se>'],
      });
    const { conversationId } = await write('Hej, fakturan är fel.');
    await vi.waitFor(async () => expect((await api(b.app, 'GET', '/readyz')).statusCode).toBe(200));

    // Sara is on node B; a colleague on node A follows the same conversation.
    const onB = await connectRealtime(b.base, await sessionFor(services, agent));
    const onA = await connectRealtime(a.base, await tokenFor(services, owner));
    onB.send({ type: 'subscribe', conversationId, afterSeq: 0 });
    onA.send({ type: 'subscribe', conversationId });
    await onB.next('subscribed');
    await onB.next('viewers', (f) => f.viewers.length === 2, { timeoutMs: 10_000 });
    await write('Fakturanummer 2024-117.');
    await onB.next('message', (f) => f.message.text === 'Fakturanummer 2024-117.', {
      timeoutMs: 10_000,
    });

    // Redis goes away: both nodes report it, nothing is lost meanwhile.
    await stopRedis(redis);
    await vi.waitFor(
      async () => expect((await api(b.app, 'GET', '/readyz')).statusCode).toBe(503),
      {
        timeout: 10_000,
      },
    );
    await write('Skrivet under avbrottet.');

    // Redis returns on the same port: delivery resumes without a restart.
    redis = await startRedis(redisPort, redisDir);
    await vi.waitFor(
      async () => expect((await api(b.app, 'GET', '/readyz')).statusCode).toBe(200),
      {
        timeout: 20_000,
        interval: 200,
      },
    );
    await onB.next('message', (f) => f.message.text === 'Skrivet under avbrottet.', {
      timeoutMs: 30_000,
    });
    await write('Efter avbrottet.');
    await onB.next('message', (f) => f.message.text === 'Efter avbrottet.', { timeoutMs: 10_000 });
    const seqs = onB.all('message').map((f) => f.message.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    await onA.close();
    await onB.close();
  });
});
