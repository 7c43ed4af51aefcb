import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../platform/jobs.js';
import { startJobs } from '../../runtime.js';
import { api, useTestApp, type As } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';
import { runOverflow } from './overflow.js';
import { routeConversation } from './route.js';

// Overflow, escalation, the manager view and fairness, on the real engine and API.
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

async function setup(names: string[]) {
  const { workspace } = await buildWorkspace(t.services);
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const as = await tokenFor(t.services, manager);
  const agents: Record<string, string> = {};
  const tokens: Record<string, As> = {};
  for (const name of names) {
    const user = await buildUser(t.services, { workspaceId: workspace.id, name });
    agents[name] = user.id;
    tokens[name] = await tokenFor(t.services, user);
  }
  const request = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    who: As = as,
  ) => api(t.app, method, url, { as: who, ...(body !== undefined ? { body } : {}) });
  const call = async (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    who: As = as,
  ) => {
    const res = await request(method, url, body, who);
    expect(res.statusCode, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body as Record<string, unknown> & { id: string };
  };
  const team = async (
    name: string,
    members: { name: string; lead?: boolean }[],
    extra: Record<string, unknown> = {},
  ) =>
    (
      await call('POST', '/api/v1/teams', {
        name,
        kind: 'support',
        assignmentStrategy: 'least_loaded',
        members: members.map((m) => ({ userId: agents[m.name], lead: m.lead ?? false })),
        ...extra,
      })
    ).id;
  const online = (name: string) =>
    call('PUT', `/api/v1/agents/${agents[name]}/presence`, { presence: 'online' });
  let n = 0;
  const arrive = async () =>
    (
      await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `o${++n}-${Date.now()}@example.com` },
        subject: `Overflow ${n}`,
        text: 'Hello, something is broken.',
      })
    ).conversationId;
  const row = (id: string) =>
    t.services.db
      .selectFrom('conversations')
      .select(['assigneeId', 'teamId', 'status', 'messageCount'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const timeline = (id: string) =>
    t.services.db
      .selectFrom('conversationEvents')
      .select(['type', 'data', 'actorId'])
      .where('conversationId', '=', id)
      .orderBy('id')
      .execute();
  const overflowJobAt = async (id: string) =>
    (
      await sql<{ runAt: Date }>`
        select run_at from graphile_worker.jobs where key = ${`routing.overflow:${id}`}`.execute(
        t.services.db,
      )
    ).rows[0]?.runAt ?? null;
  return {
    workspace,
    as,
    agents,
    tokens,
    request,
    call,
    team,
    online,
    arrive,
    row,
    timeline,
    overflowJobAt,
  };
}

describe('overflow', () => {
  it('moves a conversation waiting past the threshold to the backup team at that moment, and routes it there', async () => {
    const s = await setup(['Anna', 'Bo']);
    const backup = await s.team('Backup', [{ name: 'Bo' }]);
    const first = await s.team('First line', [{ name: 'Anna' }], {
      settings: { overflow: { afterSeconds: 600, teamId: backup } },
    });
    await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: first } });
    await s.online('Bo'); // Anna is offline: first line cannot take it
    const id = await s.arrive();
    // Queued on arrival; the overflow job waits for the exact moment (queued + 600 s).
    const runAt = await eventually(
      () => s.overflowJobAt(id),
      (v) => v !== null,
    );
    const queuedAt = (
      await sql<{ queuedAt: Date }>`
        select coalesce(queued_at, created_at) as queued_at from conversations where id = ${id}`.execute(
        t.services.db,
      )
    ).rows[0]?.queuedAt;
    expect(runAt?.getTime()).toBe((queuedAt?.getTime() ?? 0) + 600_000);
    expect((await s.row(id)).teamId).toBe(first);

    const payload = { workspaceId: s.workspace.id, conversationId: id, teamId: first };
    // Early (a clock that has not got there): nothing moves, the job stays at its moment.
    expect(await runOverflow(t.services.db, payload, new Date())).toMatchObject({
      outcome: 'skipped',
      reason: 'not_due',
    });
    expect((await s.row(id)).teamId).toBe(first);

    const at = new Date((queuedAt?.getTime() ?? 0) + 601_000);
    const result = await runOverflow(t.services.db, payload, at);
    expect(result).toMatchObject({
      outcome: 'overflowed',
      toTeamId: backup,
      routed: { outcome: 'assigned', agentId: s.agents.Bo },
    });
    expect(await s.row(id)).toMatchObject({ teamId: backup, assigneeId: s.agents.Bo });
    const entries = await s.timeline(id);
    const overflowed = entries.find((e) => e.type === 'conversation.overflowed');
    expect(overflowed?.data).toMatchObject({
      fromTeamId: first,
      toTeamId: backup,
      afterSeconds: 600,
      waitedSeconds: 601,
    });
    expect(entries.at(-1)).toMatchObject({
      type: 'conversation.routed',
      data: { trigger: 'overflow', teamId: backup, agentId: s.agents.Bo },
    });
    const event = await t.services.db
      .selectFrom('outboxEvents')
      .select(['data', 'broadcast'])
      .where('aggregateId', '=', id)
      .where('type', '=', 'conversation.overflowed')
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({
      broadcast: true,
      data: { fromTeamId: first, toTeamId: backup, waitedSeconds: 601 },
    });
    // Run again (a retried job): it is assigned now, nothing happens.
    expect(await runOverflow(t.services.db, payload, at)).toMatchObject({ outcome: 'skipped' });
  });

  it('never overflows back to a team it already left, and an assigned conversation has no job', async () => {
    const s = await setup(['Anna', 'Bo']);
    const a = await s.team('A', [{ name: 'Anna' }]);
    const b = await s.team('B', [{ name: 'Bo' }], {
      settings: { overflow: { afterSeconds: 60, teamId: a } },
    });
    await s.call('PATCH', `/api/v1/teams/${a}`, {
      settings: { overflow: { afterSeconds: 60, teamId: b } },
    });
    await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: a } });
    const id = await s.arrive();
    await eventually(
      () => s.overflowJobAt(id),
      (v) => v !== null,
    );
    const later = (seconds: number) => new Date(Date.now() + seconds * 1000);
    expect(
      await runOverflow(
        t.services.db,
        { workspaceId: s.workspace.id, conversationId: id, teamId: a },
        later(120),
      ),
    ).toMatchObject({ outcome: 'overflowed', toTeamId: b, routed: { outcome: 'queued' } });
    expect(
      await runOverflow(
        t.services.db,
        { workspaceId: s.workspace.id, conversationId: id, teamId: b },
        later(240),
      ),
    ).toMatchObject({ outcome: 'skipped', reason: 'already_overflowed_from_backup' });
    expect((await s.row(id)).teamId).toBe(b);

    // Assigned on arrival: the job is removed (or never set).
    await s.online('Anna');
    const assigned = await s.arrive();
    await eventually(
      async () => (await s.row(assigned)).assigneeId,
      (v) => v !== null,
    );
    expect(await s.overflowJobAt(assigned)).toBeNull();
  });

  it('a threshold set later applies to what already waits, and removing it removes the jobs', async () => {
    const s = await setup(['Anna']);
    const backup = await s.team('Backup', []);
    const first = await s.team('First', [{ name: 'Anna' }]);
    await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: first } });
    const ids = [await s.arrive(), await s.arrive()];
    await eventually(
      async () =>
        (
          await t.services.db
            .selectFrom('conversationEvents')
            .select('id')
            .where('conversationId', 'in', ids)
            .where('type', '=', 'conversation.queued')
            .execute()
        ).length,
      (n) => n === 2,
    );
    expect(await s.overflowJobAt(ids[0] ?? '')).toBeNull();
    await s.call('PATCH', `/api/v1/teams/${first}`, {
      settings: { overflow: { afterSeconds: 3600, teamId: backup } },
    });
    for (const id of ids) {
      const runAt = await eventually(
        () => s.overflowJobAt(id),
        (v) => v !== null,
      );
      const { queuedAt } = (
        await sql<{ queuedAt: Date }>`
          select coalesce(queued_at, created_at) as queued_at from conversations where id = ${id}`.execute(
          t.services.db,
        )
      ).rows[0] ?? { queuedAt: new Date(0) };
      expect(runAt?.getTime()).toBe(queuedAt.getTime() + 3_600_000);
    }
    await s.call('PATCH', `/api/v1/teams/${first}`, { settings: { overflow: null } });
    for (const id of ids)
      expect(
        await eventually(
          () => s.overflowJobAt(id),
          (v) => v === null,
        ),
      ).toBeNull();
  });

  it('refuses a backup or escalation team that is elsewhere or the team itself', async () => {
    const s = await setup(['Anna']);
    const a = await s.team('A', []);
    const other = await buildWorkspace(t.services);
    const foreign = await s.request('POST', '/api/v1/teams', {
      name: 'X',
      kind: 'support',
      settings: { overflow: { afterSeconds: 60, teamId: other.workspace.id } },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body.error.code).toBe('team_not_found');
    const self = await s.request('PATCH', `/api/v1/teams/${a}`, {
      settings: { escalationTeamId: a },
    });
    expect(self.statusCode).toBe(400);
    expect(self.body.error.code).toBe('validation_failed');
    const short = await s.request('PATCH', `/api/v1/teams/${a}`, {
      settings: { overflow: { afterSeconds: 5, teamId: a } },
    });
    expect(short.statusCode).toBe(400);
  });
});

describe('escalation', () => {
  it('moves to the specialist team keeping the history, notifies its leads and routes it there', async () => {
    const s = await setup(['Anna', 'Lead', 'Spec']);
    const specialists = await s.team(
      'Specialists',
      [{ name: 'Lead', lead: true }, { name: 'Spec' }],
      {
        kind: 'tier',
      },
    );
    const first = await s.team('First line', [{ name: 'Anna' }], {
      settings: { escalationTeamId: specialists },
    });
    await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: first } });
    await s.online('Anna');
    const id = await s.arrive();
    await eventually(
      async () => (await s.row(id)).assigneeId,
      (v) => v !== null,
    );
    await s.call(
      'POST',
      `/api/v1/conversations/${id}/messages`,
      {
        kind: 'note',
        text: 'Looks like a database problem',
      },
      s.tokens.Anna,
    );
    // The customer's message, the acknowledgement and the note.
    const messages = await eventually(
      async () => (await s.row(id)).messageCount,
      (count) => count === 3,
    );
    expect(messages).toBe(3);
    const before = await s.timeline(id);
    await s.online('Spec');

    // Anna escalates to the next tier (her team's setting), with a note.
    const escalated = await s.call(
      'POST',
      `/api/v1/conversations/${id}/escalate`,
      { note: 'Needs a specialist' },
      s.tokens.Anna,
    );
    expect(escalated).toMatchObject({ id, teamId: specialists });
    const after = await s.row(id);
    expect(after).toMatchObject({ teamId: specialists, messageCount: 3 });
    // Spec is the one available (the lead is offline).
    expect(after.assigneeId).toBe(s.agents.Spec);
    const entries = await s.timeline(id);
    // The history is all there, then the escalation and the routing in the new team.
    expect(entries.slice(0, before.length)).toEqual(before);
    expect(entries.slice(before.length).map((e) => e.type)).toEqual([
      'conversation.escalated',
      'conversation.routed',
    ]);
    expect(entries[before.length]).toMatchObject({
      actorId: s.agents.Anna,
      data: {
        fromTeamId: first,
        toTeamId: specialists,
        fromAssigneeId: s.agents.Anna,
        note: 'Needs a specialist',
        leadIds: [s.agents.Lead],
      },
    });
    expect(entries.at(-1)).toMatchObject({ data: { trigger: 'escalation' } });
    // The leads' in-app notification: a broadcast outbox event naming them.
    const event = await t.services.db
      .selectFrom('outboxEvents')
      .select(['data', 'broadcast'])
      .where('aggregateId', '=', id)
      .where('type', '=', 'conversation.escalated')
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({ broadcast: true, data: { leadIds: [s.agents.Lead] } });
    // …and a notification in the lead's notification centre, once.
    const notes = await eventually(
      () =>
        t.services.db
          .selectFrom('notifications')
          .select(['userId', 'type', 'actorId', 'data'])
          .where('conversationId', '=', id)
          .where('type', '=', 'escalated')
          .execute(),
      (rows) => rows.length > 0,
    );
    expect(notes).toEqual([
      {
        userId: s.agents.Lead,
        type: 'escalated',
        actorId: s.agents.Anna,
        data: { toTeamName: 'Specialists', note: 'Needs a specialist' },
      },
    ]);
  });

  it('a rule escalates on arrival: the timeline names the rule and the leads are told', async () => {
    const s = await setup(['Lead', 'Spec']);
    const specialists = await s.team('Legal', [{ name: 'Lead', lead: true }, { name: 'Spec' }]);
    const refused = await s.request('POST', '/api/v1/routing-rules', {
      name: 'No team',
      actions: { escalate: true },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    const rule = await s.call('POST', '/api/v1/routing-rules', {
      name: 'Lawyers',
      conditions: { keywords: ['lawyer'] },
      actions: { teamId: specialists, escalate: true },
    });
    await s.online('Spec');
    const { conversationId: id } = await ingest(t.services.db, {
      workspaceId: s.workspace.id,
      channel: 'email',
      from: { kind: 'email', value: `law-${Date.now()}@example.com` },
      subject: 'Contract',
      text: 'My lawyer will contact you about the contract.',
    });
    await eventually(
      async () => (await s.row(id)).assigneeId,
      (v) => v !== null,
    );
    const entries = await s.timeline(id);
    expect(entries.map((e) => e.type).filter((type) => /escalated|routed/.test(type))).toEqual([
      'conversation.escalated',
      'conversation.routed',
    ]);
    expect(entries.find((e) => e.type === 'conversation.escalated')?.data).toMatchObject({
      fromTeamId: null,
      toTeamId: specialists,
      leadIds: [s.agents.Lead],
      rule: { id: rule.id, name: 'Lawyers' },
    });
    const event = await t.services.db
      .selectFrom('outboxEvents')
      .select(['data', 'broadcast'])
      .where('aggregateId', '=', id)
      .where('type', '=', 'conversation.escalated')
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({ broadcast: true, data: { leadIds: [s.agents.Lead] } });
  });

  it('refuses what cannot be escalated with stable codes', async () => {
    const s = await setup(['Anna']);
    const first = await s.team('First', [{ name: 'Anna' }]);
    const id = await s.arrive();
    const code = async (body: unknown, status: number) => {
      const res = await s.request('POST', `/api/v1/conversations/${id}/escalate`, body);
      expect(res.statusCode, JSON.stringify(res.body)).toBe(status);
      return res.body.error.code as string;
    };
    // No team and no tier.
    expect(await code({}, 400)).toBe('validation_failed');
    expect(await code({ teamId: s.workspace.id }, 404)).toBe('team_not_found');
    expect(await code({ teamId: first, extra: 1 }, 400)).toBe('validation_failed');
    await s.call('PATCH', `/api/v1/conversations/${id}`, { teamId: first });
    expect(await code({ teamId: first }, 400)).toBe('validation_failed');
    await s.call('PATCH', `/api/v1/conversations/${id}`, { status: 'resolved' });
    expect(await code({ teamId: first }, 409)).toBe('conflict');
    expect((await s.row(id)).teamId).toBe(first);
  });
});

describe('manager view', () => {
  it('shows queue length and oldest wait per team and load per agent, to managers only', async () => {
    const s = await setup(['Anna', 'Bo']);
    const support = await s.team('Support', [{ name: 'Anna' }, { name: 'Bo' }], {
      capacity: { limits: { email: 1 } },
    });
    const quiet = await s.team('Quiet', [{ name: 'Bo' }]);
    await s.call('PUT', `/api/v1/agents/${s.agents.Bo}/capacity`, { limits: { chat: 4 } });
    await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: support } });
    await s.online('Anna');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await s.arrive());
    await eventually(
      async () =>
        (
          await t.services.db
            .selectFrom('conversationEvents')
            .select('id')
            .where('conversationId', 'in', ids)
            .where('type', 'in', ['conversation.routed', 'conversation.queued'])
            .execute()
        ).length,
      (n) => n === 3,
    );
    const view = (await s.call('GET', '/api/v1/queues')) as unknown as {
      teams: {
        teamId: string;
        queued: number;
        oldestWaitSeconds: number | null;
        open: number;
        members: number;
        available: number;
      }[];
      agents: {
        userId: string;
        load: { total: number; byChannel: Record<string, number> };
        assignedToday: number;
        availableNow: boolean;
      }[];
    };
    const supportRow = view.teams.find((r) => r.teamId === support);
    expect(supportRow).toMatchObject({ queued: 2, open: 3, members: 2, available: 1 });
    expect(supportRow).toMatchObject({ limits: { email: 1 } });
    expect(supportRow?.oldestWaitSeconds).toBeGreaterThanOrEqual(0);
    expect(view.teams.find((r) => r.teamId === quiet)).toMatchObject({
      queued: 0,
      oldestWaitSeconds: null,
    });
    expect(view.teams[0]?.teamId).toBe(support); // longest wait first
    expect(view.agents.find((a) => a.userId === s.agents.Anna)).toMatchObject({
      load: { total: 1, byChannel: { email: 1 } },
      assignedToday: 1,
      availableNow: true,
    });
    expect(view.agents.find((a) => a.userId === s.agents.Bo)).toMatchObject({
      load: { total: 0 },
      availableNow: false,
      limits: { chat: 4 },
    });
    expect(view.agents.find((a) => a.userId === s.agents.Anna)).toMatchObject({ limits: {} });
    const one = (await s.call('GET', `/api/v1/queues?teamId=${quiet}`)) as unknown as typeof view;
    expect(one.teams.map((r) => r.teamId)).toEqual([quiet]);
    expect(one.agents.map((a) => a.userId)).toEqual([s.agents.Bo]);

    // Another workspace sees none of it; its team id is unknown here; agents may not look.
    const other = await buildWorkspace(t.services);
    const theirs = await s.request(
      'GET',
      '/api/v1/queues',
      undefined,
      await tokenFor(t.services, other.owner),
    );
    expect(theirs.statusCode).toBe(200);
    expect(theirs.body.teams).toEqual([]);
    const foreign = await s.request(
      'GET',
      `/api/v1/queues?teamId=${support}`,
      undefined,
      await tokenFor(t.services, other.owner),
    );
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body.error.code).toBe('team_not_found');
    expect((await s.request('GET', '/api/v1/queues', undefined, s.tokens.Anna)).statusCode).toBe(
      403,
    );
    const doc = await s.request('GET', '/api/openapi.json', undefined, null);
    expect(Object.keys(doc.body.paths as object)).toEqual(
      expect.arrayContaining(['/api/v1/queues', '/api/v1/conversations/{id}/escalate']),
    );
  });
});

describe('fairness', () => {
  it('an agent who resolves at once does not receive more than one who keeps their work', async () => {
    const s = await setup(['Fast', 'Slow']);
    const team = await s.team('Support', [{ name: 'Fast' }, { name: 'Slow' }], {
      capacity: { limits: { email: 10 } },
    });
    await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: team } });
    await s.online('Fast');
    await s.online('Slow');
    const received = { Fast: 0, Slow: 0 };
    for (let i = 0; i < 10; i++) {
      const { conversationId } = await ingest(t.services.db, {
        workspaceId: s.workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `fair${i}@example.com` },
        subject: `Fair ${i}`,
        text: 'Hello',
        automated: true, // routed here, not by the subscriber
      });
      const result = await routeConversation(t.services.db, {
        workspaceId: s.workspace.id,
        conversationId,
        trigger: 'arrival',
      });
      expect(result.outcome).toBe('assigned');
      if (result.outcome !== 'assigned') continue;
      if (result.agentId === s.agents.Fast) {
        received.Fast += 1;
        // Fast resolves everything at once: by load alone, Fast would get all ten.
        await t.services.db
          .updateTable('conversations')
          .set({ status: 'resolved' })
          .where('id', '=', conversationId)
          .execute();
      } else received.Slow += 1;
    }
    expect(received).toEqual({ Fast: 5, Slow: 5 });
  });
});
