import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { useTestApp } from '../test/harness.js';
import { buildWorkspace } from '../test/factories.js';
import { createBroadcaster, type BroadcastMessage } from './broadcast.js';
import { jobSpec, sqlLiteral } from './jobs.js';
import { OutboxDispatcher, recordEvent, recordEvents, type DomainEvent } from './outbox.js';

const t = useTestApp();
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function pendingCount(workspaceId: string): Promise<number> {
  const rows = await t.services.db
    .selectFrom('outboxEvents')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .where('dispatchedAt', 'is', null)
    .execute();
  return rows.length;
}

describe('transactional outbox', () => {
  it('never delivers an event whose transaction rolled back', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const dispatcher = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log);
    const seen: string[] = [];
    dispatcher.subscribe('*', 'test', async (e) => {
      if (e.workspaceId === workspace.id) seen.push(e.type);
    });
    await t.services.db
      .transaction()
      .execute(async (trx) => {
        await recordEvent(trx, {
          workspaceId: workspace.id,
          aggregateType: 'x',
          aggregateId: '1',
          type: 'test.rolled_back',
        });
        throw new Error('abort');
      })
      .catch(() => undefined);
    await recordEvent(t.services.db, {
      workspaceId: workspace.id,
      aggregateType: 'x',
      aggregateId: '1',
      type: 'test.committed',
    });
    await dispatcher.drain();
    expect(seen.filter((type) => type.startsWith('test.'))).toEqual(['test.committed']);
  });

  it('wakes on commit through NOTIFY, without waiting for the poll', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const dispatcher = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log, {
      pollMs: 60_000,
    });
    const seen: DomainEvent[] = [];
    dispatcher.subscribe('test.notified', 'test', async (e) => {
      seen.push(e);
    });
    await dispatcher.start();
    try {
      await dispatcher.drain();
      await recordEvent(t.services.db, {
        workspaceId: workspace.id,
        aggregateType: 'x',
        aggregateId: '2',
        type: 'test.notified',
        data: { hello: 'świat' },
      });
      await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 2_000, interval: 20 });
      expect(seen[0]?.data).toEqual({ hello: 'świat' });
    } finally {
      await dispatcher.stop();
    }
  });

  it('keeps order per aggregate when a handler fails, retries later, and lets other aggregates through', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const dispatcher = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log);
    const seen: string[] = [];
    let failOnce = true;
    dispatcher.subscribe('test.ordered', 'test', async (e) => {
      if (e.workspaceId !== workspace.id) return;
      const tag = (e.data as { tag: string }).tag;
      if (tag === 'a1' && failOnce) {
        failOnce = false;
        throw new Error('temporary failure');
      }
      seen.push(tag);
    });
    const ev = (aggregateId: string, tag: string) => ({
      workspaceId: workspace.id,
      aggregateType: 'conv',
      aggregateId,
      type: 'test.ordered',
      data: { tag },
    });
    await recordEvents(t.services.db, [ev('A', 'a1'), ev('B', 'b1'), ev('A', 'a2'), ev('B', 'b2')]);
    await dispatcher.drain();
    expect(seen).toEqual(['b1', 'b2']);
    const failed = await t.services.db
      .selectFrom('outboxEvents')
      .select(['attempts', 'lastError'])
      .where('workspaceId', '=', workspace.id)
      .where('dispatchedAt', 'is', null)
      .orderBy('id')
      .execute();
    expect(failed[0]).toMatchObject({ attempts: 1, lastError: 'Error: temporary failure' });
    // Back-off: retried no sooner than a second later.
    await t.services.db
      .updateTable('outboxEvents')
      .set({ nextAttemptAt: new Date() })
      .where('workspaceId', '=', workspace.id)
      .execute();
    await dispatcher.drain();
    expect(seen).toEqual(['b1', 'b2', 'a1', 'a2']);
    expect(await pendingCount(workspace.id)).toBe(0);
  });

  it('delivers different aggregates side by side, each still in order', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const dispatcher = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log);
    const seen: string[] = [];
    // A's first event waits until B's has been delivered: one at a time, it never would be.
    let bDelivered!: () => void;
    const bSeen = new Promise<void>((resolve) => (bDelivered = resolve));
    dispatcher.subscribe('test.side_by_side', 'test', async (e) => {
      if (e.workspaceId !== workspace.id) return;
      const tag = (e.data as { tag: string }).tag;
      if (tag === 'a1') {
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('B was not delivered while A waited')), 5_000),
        );
        await Promise.race([bSeen, timeout]);
      }
      seen.push(tag);
      if (tag === 'b1') bDelivered();
    });
    const ev = (aggregateId: string, tag: string) => ({
      workspaceId: workspace.id,
      aggregateType: 'conv',
      aggregateId,
      type: 'test.side_by_side',
      data: { tag },
    });
    await recordEvents(t.services.db, [ev('A', 'a1'), ev('A', 'a2'), ev('B', 'b1')]);
    await dispatcher.drain();
    expect(seen).toEqual(['b1', 'a1', 'a2']);
    expect(await pendingCount(workspace.id)).toBe(0);
    // Delivered at the first attempt: nothing failed waiting for the other aggregate.
    const attempts = await t.services.db
      .selectFrom('outboxEvents')
      .select('attempts')
      .where('workspaceId', '=', workspace.id)
      .where('type', '=', 'test.side_by_side')
      .execute();
    expect(attempts.map((row) => row.attempts)).toEqual([0, 0, 0]);
  });

  it('adds the jobs a handler queues with its event, and none for an event that failed', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const dispatcher = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log);
    const jobType = { name: 'test.outbox_job', payload: Type.Object({ tag: Type.String() }) };
    let failB = true;
    dispatcher.subscribe('test.queues', 'test', (e, context) => {
      if (e.workspaceId !== workspace.id) return;
      const tag = (e.data as { tag: string }).tag;
      // Two events of A queue the same key: the later payload is the one kept.
      context.enqueue(jobType, { tag }, { jobKey: `test-outbox:${workspace.id}:${e.aggregateId}` });
      if (tag === 'b1' && failB) {
        failB = false;
        throw new Error('temporary failure');
      }
    });
    const ev = (aggregateId: string, tag: string) => ({
      workspaceId: workspace.id,
      aggregateType: 'conv',
      aggregateId,
      type: 'test.queues',
      data: { tag },
    });
    const jobs = () =>
      sql<{ key: string; payload: { tag: string } }>`
        select key, payload from graphile_worker._private_jobs
         where key like ${`test-outbox:${workspace.id}:%`} order by key`
        .execute(t.services.db)
        .then((result) => result.rows);
    await recordEvents(t.services.db, [ev('A', 'a1'), ev('B', 'b1'), ev('A', 'a2')]);
    await dispatcher.drain();
    expect(await jobs()).toEqual([
      { key: `test-outbox:${workspace.id}:A`, payload: { tag: 'a2' } },
    ]);
    // A payload its job's schema refuses never reaches the queue.
    expect(() => jobSpec(jobType, { tag: 3 } as unknown as { tag: string })).toThrow(
      /invalid payload for job test.outbox_job/,
    );
    // B's retry queues its job.
    await t.services.db
      .updateTable('outboxEvents')
      .set({ nextAttemptAt: new Date() })
      .where('workspaceId', '=', workspace.id)
      .execute();
    await dispatcher.drain();
    expect(await jobs()).toEqual([
      { key: `test-outbox:${workspace.id}:A`, payload: { tag: 'a2' } },
      { key: `test-outbox:${workspace.id}:B`, payload: { tag: 'b1' } },
    ]);
    await sql`delete from graphile_worker._private_jobs where key like ${`test-outbox:${workspace.id}:%`}`.execute(
      t.services.db,
    );
  });

  it('adds a conditional job only where its condition holds when the lane commits', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const dispatcher = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log);
    const jobType = { name: 'test.outbox_if', payload: Type.Object({ tag: Type.String() }) };
    dispatcher.subscribe('test.maybe', 'test', (e, context) => {
      if (e.workspaceId !== workspace.id) return;
      const tag = (e.data as { tag: string }).tag;
      // Quotes and backslashes in values and payloads travel as literals.
      context.enqueueWhere(
        `exists (select 1 from workspaces where id = ${sqlLiteral(workspace.id)}::uuid
                  and ${sqlLiteral(tag)} like 'yes%')`,
        jobType,
        { tag: `${tag} — O'Brien \\ "x"` },
        { jobKey: `test-outbox-if:${workspace.id}:${tag}` },
      );
    });
    const ev = (tag: string) => ({
      workspaceId: workspace.id,
      aggregateType: 'conv',
      aggregateId: tag,
      type: 'test.maybe',
      data: { tag },
    });
    await recordEvents(t.services.db, [ev("yes'1"), ev('no'), ev('yes 2')]);
    await dispatcher.drain();
    const { rows } = await sql<{ key: string; payload: { tag: string } }>`
      select key, payload from graphile_worker._private_jobs
       where key like ${`test-outbox-if:${workspace.id}:%`} order by key`.execute(t.services.db);
    expect(rows).toEqual([
      {
        key: `test-outbox-if:${workspace.id}:yes 2`,
        payload: { tag: `yes 2 — O'Brien \\ "x"` },
      },
      {
        key: `test-outbox-if:${workspace.id}:yes'1`,
        payload: { tag: `yes'1 — O'Brien \\ "x"` },
      },
    ]);
    expect(await pendingCount(workspace.id)).toBe(0);
    await sql`delete from graphile_worker._private_jobs where key like ${`test-outbox-if:${workspace.id}:%`}`.execute(
      t.services.db,
    );
  });

  it('delivers each event once when two nodes dispatch at the same time', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const counts = new Map<number, number>();
    const nodes = [0, 1].map(() => {
      const d = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log, {
        batchSize: 7,
      });
      d.subscribe('test.concurrent', 'count', async (e) => {
        counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1));
      });
      return d;
    });
    await recordEvents(
      t.services.db,
      Array.from({ length: 60 }, (_, i) => ({
        workspaceId: workspace.id,
        aggregateType: 'c',
        aggregateId: String(i % 5),
        type: 'test.concurrent',
      })),
    );
    await Promise.all(nodes.map((n) => n.drain()));
    await Promise.all(nodes.map((n) => n.drain()));
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('publishes broadcast events to every listener of the realtime bus', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const bus = createBroadcaster(null, log);
    const dispatcher = new OutboxDispatcher(t.services.pool, bus, log);
    const received: BroadcastMessage[] = [];
    bus.subscribe((m) => received.push(m));
    await recordEvents(t.services.db, [
      { workspaceId: workspace.id, aggregateType: 'u', aggregateId: '1', type: 'test.private' },
      {
        workspaceId: workspace.id,
        aggregateType: 'u',
        aggregateId: '1',
        type: 'test.public',
        broadcast: true,
      },
    ]);
    await dispatcher.drain();
    expect(received.filter((m) => m.workspaceId === workspace.id).map((m) => m.type)).toEqual([
      'test.public',
    ]);
  });
});

describe('the broadcast lane', () => {
  const broadcastEvent = (workspaceId: string, aggregateId: string, tag: string) => ({
    workspaceId,
    aggregateType: 'conv',
    aggregateId,
    type: 'test.lane',
    data: { tag },
    broadcast: true,
  });

  it('publishes while a subscriber of an earlier event is still at work', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const bus = createBroadcaster(null, log);
    const dispatcher = new OutboxDispatcher(t.services.pool, bus, log, { pollMs: 60_000 });
    const received: string[] = [];
    bus.subscribe((m) => {
      if (m.workspaceId === workspace.id)
        received.push(((m.event as DomainEvent).data as { tag: string }).tag);
    });
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    dispatcher.subscribe('test.lane', 'slow', async (e) => {
      if (e.workspaceId !== workspace.id) return;
      const tag = (e.data as { tag: string }).tag;
      if (tag === 'first') await slow;
      handled.push(tag);
    });
    await dispatcher.start();
    try {
      await recordEvent(t.services.db, broadcastEvent(workspace.id, 'A', 'first'));
      await vi.waitFor(() => expect(received).toEqual(['first']), { timeout: 2_000 });
      // The subscriber of 'first' still holds its lane; 'second' reaches the bus anyway.
      await recordEvent(t.services.db, broadcastEvent(workspace.id, 'B', 'second'));
      await vi.waitFor(() => expect(received).toEqual(['first', 'second']), { timeout: 2_000 });
      expect(handled).toEqual([]);
      release();
      await vi.waitFor(() => expect(handled).toEqual(['first', 'second']), { timeout: 2_000 });
    } finally {
      release();
      await dispatcher.stop();
    }
  });

  it('publishes a batch again, in order, when part of it failed to publish', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const bus = createBroadcaster(null, log);
    let failures = 1;
    // A shared bus (Redis) that fails once: an in-process one cannot fail on the way.
    const flaky = {
      ...bus,
      inProcess: false,
      publish: (message: BroadcastMessage) => {
        if (message.workspaceId === workspace.id && failures > 0) {
          failures--;
          return Promise.reject(new Error('bus down'));
        }
        return bus.publish(message);
      },
    };
    const dispatcher = new OutboxDispatcher(t.services.pool, flaky, log);
    const received: string[] = [];
    bus.subscribe((m) => {
      if (m.workspaceId === workspace.id)
        received.push(((m.event as DomainEvent).data as { tag: string }).tag);
    });
    await recordEvents(t.services.db, [
      broadcastEvent(workspace.id, 'A', 'a1'),
      broadcastEvent(workspace.id, 'B', 'b1'),
    ]);
    await dispatcher.drain();
    // a1 failed, b1 went out; the batch is not marked, so both go again, in order (a
    // listener takes an event twice without harm).
    expect(received).toEqual(['b1']);
    await dispatcher.drain();
    expect(received).toEqual(['b1', 'a1', 'b1']);
    const rows = await t.services.db
      .selectFrom('outboxEvents')
      .select(['publishedAt', 'dispatchedAt'])
      .where('workspaceId', '=', workspace.id)
      .where('type', '=', 'test.lane')
      .execute();
    expect(rows.map((r) => [r.publishedAt !== null, r.dispatchedAt !== null])).toEqual([
      [true, true],
      [true, true],
    ]);
  });

  it('publishes each event once when two nodes drain at the same time', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const bus = createBroadcaster(null, log);
    const counts = new Map<string, number>();
    bus.subscribe((m) => {
      if (m.workspaceId !== workspace.id) return;
      const tag = ((m.event as DomainEvent).data as { tag: string }).tag;
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
    });
    const nodes = [0, 1].map(
      () => new OutboxDispatcher(t.services.pool, bus, log, { batchSize: 7 }),
    );
    await recordEvents(
      t.services.db,
      Array.from({ length: 40 }, (_, i) => broadcastEvent(workspace.id, String(i % 4), `e${i}`)),
    );
    await Promise.all(nodes.map((n) => n.drain()));
    await Promise.all(nodes.map((n) => n.drain()));
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('the outbox listener at shutdown', () => {
  it('leaves a connection it released alone when PostgreSQL ends it afterwards', async () => {
    const dispatcher = new OutboxDispatcher(t.services.pool, createBroadcaster(null, log), log);
    await dispatcher.start();
    const listener = await t.services.pool.query<{ pid: number }>(
      `select pid from pg_stat_activity
        where datname = current_database() and query = 'listen parley_outbox'`,
    );
    expect(listener.rows).toHaveLength(1);
    await dispatcher.stop();
    // The released listener now idles in the pool; PostgreSQL stopping (here: terminating that
    // backend) makes it emit an error. Releasing it a second time would throw out of the event
    // handler and crash the process (as `parley start`'s Ctrl-C once did).
    // From a connection of its own: the pool would hand out that very idle connection.
    const admin = new pg.Client({ connectionString: t.config.databaseUrl ?? '' });
    await admin.connect();
    const { rows } = await admin
      .query<{ terminated: boolean }>('select pg_terminate_backend($1) as terminated', [
        listener.rows[0]?.pid ?? 0,
      ])
      .finally(() => admin.end());
    expect(rows.map((r) => r.terminated)).toEqual([true]);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    // The pool still works after losing that connection.
    expect((await t.services.pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });
});
