import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { api, useTestApp } from '../test/harness.js';
import { createBroadcaster, type BroadcastMessage } from './broadcast.js';

const log = pino({ level: 'silent' });
// The machine's Redis (127.0.0.1:6379) unless REDIS_URL names another.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('realtime bus', () => {
  it('delivers in process when no Redis is configured', async () => {
    const bus = createBroadcaster(null, log);
    const got: BroadcastMessage[] = [];
    const unsubscribe = bus.subscribe((m) => got.push(m));
    await bus.publish({ type: 'x', workspaceId: 'w' });
    unsubscribe();
    await bus.publish({ type: 'y', workspaceId: 'w' });
    expect(got.map((m) => m.type)).toEqual(['x']);
    expect(await bus.healthy()).toBe(true);
  });

  it('fans out between nodes through Redis', async () => {
    const namespace = `parley-test-${Date.now()}`;
    const nodeA = createBroadcaster(redisUrl, log, namespace);
    const nodeB = createBroadcaster(redisUrl, log, namespace);
    try {
      await vi.waitFor(async () => expect(await nodeA.healthy()).toBe(true), { timeout: 5_000 });
      await vi.waitFor(async () => expect(await nodeB.healthy()).toBe(true), { timeout: 5_000 });
      const onB: BroadcastMessage[] = [];
      nodeB.subscribe((m) => onB.push(m));
      await nodeA.publish({ type: 'message.created', workspaceId: 'w1', text: 'Hej från nod A' });
      await vi.waitFor(() => expect(onB).toHaveLength(1), { timeout: 3_000 });
      expect(onB[0]).toEqual({
        type: 'message.created',
        workspaceId: 'w1',
        text: 'Hej från nod A',
      });
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });
});

describe('readiness with an unreachable Redis', () => {
  const t = useTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });

  it('reports 503 with redis down while the database is fine', async () => {
    const res = await api(t.app, 'GET', '/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { database: 'ok', redis: 'down' } });
  });
});
