import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../platform/jobs.js';
import { startJobs } from '../../runtime.js';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';

// The whole path: outbox dispatcher → subscribers → jobs `routing.route` / `routing.drain`.
const t = useTestApp();
let worker: Worker | null = null;
beforeAll(async () => {
  await t.services.outbox.start();
  worker = await startJobs(t.services, 2);
});
afterAll(async () => {
  await worker?.stop();
});

async function eventually<T>(read: () => Promise<T>, until: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (until(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('routing through events and jobs', () => {
  it('routes new conversations, queues at capacity, drains when work is resolved, an agent comes online or an absence ends', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
    const anna = await buildUser(t.services, { workspaceId: workspace.id, name: 'Anna' });
    const bo = await buildUser(t.services, { workspaceId: workspace.id, name: 'Bo' });
    const as = await tokenFor(t.services, manager);
    const call = async (method: 'POST' | 'PATCH' | 'PUT', url: string, body: unknown) => {
      const res = await api(t.app, method, url, { as, body });
      expect(res.statusCode, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body as { id: string };
    };
    const team = await call('POST', '/api/v1/teams', {
      name: 'Support',
      kind: 'support',
      assignmentStrategy: 'least_loaded',
      capacity: { limits: { email: 1 } },
      members: [{ userId: anna.id }, { userId: bo.id }],
    });
    await call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: team.id } });
    await call('PUT', `/api/v1/agents/${anna.id}/presence`, { presence: 'online' });
    const assignee = (id: string) =>
      eventually(
        async () =>
          (
            await t.services.db
              .selectFrom('conversations')
              .select('assigneeId')
              .where('id', '=', id)
              .executeTakeFirstOrThrow()
          ).assigneeId,
        (value) => value !== null,
      );
    const timelineTypes = (id: string) =>
      t.services.db
        .selectFrom('conversationEvents')
        .select('type')
        .where('conversationId', '=', id)
        .orderBy('id')
        .execute()
        .then((rows) => rows.map((r) => r.type));
    let n = 0;
    const arrive = async (automated = false) =>
      (
        await ingest(t.services.db, {
          workspaceId: workspace.id,
          channel: 'email',
          from: { kind: 'email', value: `flow${++n}@example.com` },
          subject: `Flow ${n}`,
          text: 'Hello',
          automated,
        })
      ).conversationId;

    const first = await arrive();
    expect(await assignee(first)).toBe(anna.id);
    // The assignment reached the outbox the way a manual one does (notifications fire on it).
    const updated = await t.services.db
      .selectFrom('outboxEvents')
      .select('data')
      .where('aggregateId', '=', first)
      .where('type', '=', 'conversation.updated')
      .executeTakeFirstOrThrow();
    expect(updated.data).toMatchObject({ changes: { assigneeId: anna.id }, routed: true });

    // Anna is full, Bo offline: the next one waits.
    const second = await arrive();
    expect(
      await eventually(
        () => timelineTypes(second),
        (types) => types.includes('conversation.queued'),
      ),
    ).toContain('conversation.queued');
    // An automatic mail is not routed at all.
    const automated = await arrive(true);

    // Bo comes online: the queue drains to him.
    await call('PUT', `/api/v1/agents/${bo.id}/presence`, { presence: 'online' });
    expect(await assignee(second)).toBe(bo.id);

    // Both full; a third waits, and is Anna's once she resolves her first.
    const third = await arrive();
    await eventually(
      () => timelineTypes(third),
      (types) => types.includes('conversation.queued'),
    );
    await call('PATCH', `/api/v1/conversations/${first}`, { status: 'resolved' });
    expect(await assignee(third)).toBe(anna.id);
    const routing = (types: string[]) => types.filter((type) => /queued|routed/.test(type));
    expect(routing(await timelineTypes(third))).toEqual([
      'conversation.queued',
      'conversation.routed',
    ]);
    expect(routing(await timelineTypes(automated))).toEqual([]);

    // Bo goes on a short absence: his conversation is handed back to the queue, nobody can
    // take it (Anna is full), and it is his again when the absence ends.
    const endsAt = new Date(Date.now() + 3_000);
    await call('POST', '/api/v1/absences', {
      userId: bo.id,
      startsAt: new Date(Date.now() - 1_000).toISOString(),
      endsAt: endsAt.toISOString(),
    });
    const current = async () =>
      (
        await t.services.db
          .selectFrom('conversations')
          .select('assigneeId')
          .where('id', '=', second)
          .executeTakeFirstOrThrow()
      ).assigneeId;
    expect(await current()).toBeNull();
    expect(await assignee(second)).toBe(bo.id);
    expect(Date.now()).toBeGreaterThanOrEqual(endsAt.getTime());
  });
});
