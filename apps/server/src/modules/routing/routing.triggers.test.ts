import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Worker } from '../../platform/jobs.js';
import { startJobs } from '../../runtime.js';
import { api, useTestApp, type As } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';
import { drainTeam } from './drain.js';
import { runHoursStarted } from './routing.jobs.js';

// Every moment capacity frees up drains the queue, through outbox → subscriber → job.
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

/** Every event of the workspace dispatched and no routing job waiting to run now. */
async function settled(workspaceId: string) {
  await eventually(
    async () =>
      (
        await sql<{ n: number }>`
          select (select count(*) from outbox_events
                   where workspace_id = ${workspaceId} and dispatched_at is null)
               + (select count(*) from graphile_worker.jobs
                   where task_identifier like 'routing.%' and run_at <= now()) as n`.execute(
          t.services.db,
        )
      ).rows[0]?.n,
    (n) => Number(n) === 0,
  );
}

const drainScript = resolve(import.meta.dirname, '../../test/drain-process.ts');

/** `drainTeam` in a separate Node.js process; resolves to how many it assigned. */
function drainInProcess(
  url: string,
  workspaceId: string,
  teamId: string,
  startAt: number,
): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [
      '--import',
      'tsx/esm',
      drainScript,
      url,
      workspaceId,
      teamId,
      String(startAt),
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? done(Number(out.trim()))
        : fail(new Error(`drain process exited ${String(code)}: ${err}`)),
    );
  });
}

async function setup(names: string[]) {
  const { workspace, owner } = await buildWorkspace(t.services);
  const asOwner = await tokenFor(t.services, owner);
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const as = await tokenFor(t.services, manager);
  const agents: Record<string, string> = {};
  for (const name of names)
    agents[name] = (await buildUser(t.services, { workspaceId: workspace.id, name })).id;
  const call = async (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    who: As = as,
  ) => {
    const res = await api(t.app, method, url, { as: who, ...(body !== undefined ? { body } : {}) });
    expect(res.statusCode, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body as Record<string, unknown> & { id: string };
  };
  const team = async (name: string, members: string[], extra: Record<string, unknown> = {}) =>
    (
      await call('POST', '/api/v1/teams', {
        name,
        kind: 'support',
        assignmentStrategy: 'least_loaded',
        members: members.map((m) => ({ userId: agents[m] })),
        ...extra,
      })
    ).id;
  const online = (name: string) =>
    call('PUT', `/api/v1/agents/${agents[name]}/presence`, { presence: 'online' });
  let n = 0;
  /** A conversation put straight into a team (no rules involved), waiting in its queue. */
  const queued = async (teamId: string, priority = 'normal') => {
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: `t${++n}-${Date.now()}@example.com` },
      subject: `Trigger ${n}`,
      text: 'Hello',
      automated: true, // not routed on arrival: the test puts it in the queue itself
    });
    await call('PATCH', `/api/v1/conversations/${conversationId}`, { teamId, priority });
    return conversationId;
  };
  const assignee = async (id: string) =>
    (
      await t.services.db
        .selectFrom('conversations')
        .select('assigneeId')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).assigneeId;
  const assigned = (id: string) =>
    eventually(
      () => assignee(id),
      (v) => v !== null,
    );
  const timeline = (id: string) =>
    t.services.db
      .selectFrom('conversationEvents')
      .select(['type', 'data'])
      .where('conversationId', '=', id)
      .orderBy('id')
      .execute();
  return {
    workspace,
    manager,
    as,
    asOwner,
    agents,
    call,
    team,
    online,
    queued,
    assignee,
    assigned,
    timeline,
  };
}

describe('queue drains when capacity frees up', () => {
  it('when an agent’s limit is raised', async () => {
    const s = await setup(['Anna']);
    const team = await s.team('Support', ['Anna']);
    await s.call('PUT', `/api/v1/agents/${s.agents.Anna}/capacity`, { limits: { email: 0 } });
    await s.online('Anna');
    const waiting = await s.queued(team);
    // Give the drains that went before time to find nobody.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await s.assignee(waiting)).toBeNull();
    await s.call('PUT', `/api/v1/agents/${s.agents.Anna}/capacity`, { limits: { email: 1 } });
    expect(await s.assigned(waiting)).toBe(s.agents.Anna);
  });

  it('when a team’s limit is raised, and when its members change', async () => {
    const s = await setup(['Anna', 'Bo']);
    const team = await s.team('Support', ['Anna'], { capacity: { limits: { email: 0 } } });
    await s.online('Anna');
    await s.online('Bo');
    const first = await s.queued(team);
    const second = await s.queued(team);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await s.assignee(first)).toBeNull();
    await s.call('PATCH', `/api/v1/teams/${team}`, { capacity: { limits: { email: 1 } } });
    expect(await s.assigned(first)).toBe(s.agents.Anna);
    expect(await s.assignee(second)).toBeNull();
    // Bo joins: the second is his.
    await s.call('POST', `/api/v1/teams/${team}/members`, { userId: s.agents.Bo });
    expect(await s.assigned(second)).toBe(s.agents.Bo);
  });

  it('when a team stops assigning by hand', async () => {
    const s = await setup(['Anna']);
    const team = await s.team('Support', ['Anna'], { assignmentStrategy: 'manual' });
    await s.online('Anna');
    const waiting = await s.queued(team);
    await settled(s.workspace.id);
    expect(await s.assignee(waiting)).toBeNull();
    await s.call('PATCH', `/api/v1/teams/${team}`, { assignmentStrategy: 'round_robin' });
    expect(await s.assigned(waiting)).toBe(s.agents.Anna);
  });

  it('when working hours begin: a job at the exact start drains the agent’s teams', async () => {
    const s = await setup(['Anna']);
    const team = await s.team('Support', ['Anna']);
    await s.online('Anna');
    // Hours that began an hour ago would let her take work now: use a window that starts
    // in the future, every day, in UTC.
    const start = new Date(Date.now() + 3 * 3600_000);
    const hh = String(start.getUTCHours()).padStart(2, '0');
    const endHour = String((start.getUTCHours() + 1) % 24).padStart(2, '0');
    const day = { from: `${hh}:00`, to: `${endHour}:00` };
    await s.call('PUT', `/api/v1/agents/${s.agents.Anna}/schedule`, {
      timeZone: 'UTC',
      weeklyHours: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [day]]),
      ),
    });
    const waiting = await s.queued(team);
    const expected = new Date(start);
    expected.setUTCMinutes(0, 0, 0);
    // The subscriber put the job at the start of her hours, to the millisecond.
    const job = await eventually(
      async () =>
        (
          await sql<{ runAt: Date }>`
            select run_at from graphile_worker.jobs
             where key = ${`routing.hours:${s.agents.Anna}`}`.execute(t.services.db)
        ).rows[0],
      (row) => row !== undefined,
    );
    expect(job?.runAt.toISOString()).toBe(expected.toISOString());
    await settled(s.workspace.id);
    expect(await s.assignee(waiting)).toBeNull();

    // At that moment (the clock moved there), the job drains her team and sets the next day.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(expected.getTime() + 1_000));
      expect(
        await runHoursStarted(t.services, {
          workspaceId: s.workspace.id,
          userId: s.agents.Anna ?? '',
        }),
      ).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    expect(await s.assignee(waiting)).toBe(s.agents.Anna);
    const next = await sql<{ runAt: Date }>`
      select run_at from graphile_worker.jobs
       where key = ${`routing.hours:${s.agents.Anna}`}`.execute(t.services.db);
    expect(next.rows[0]?.runAt.getTime()).toBe(expected.getTime() + 86_400_000);

    // Without working hours there is nothing to wait for: the job goes.
    await s.call('DELETE', `/api/v1/agents/${s.agents.Anna}/schedule`);
    await eventually(
      async () =>
        (
          await sql<{ n: number }>`
            select count(*)::int as n from graphile_worker.jobs
             where key = ${`routing.hours:${s.agents.Anna}`}`.execute(t.services.db)
        ).rows[0]?.n,
      (n) => n === 0,
    );
  });

  it('three processes draining at once never exceed a limit nor assign one conversation twice, most urgent first', async () => {
    const s = await setup(['Anna', 'Bo', 'Cy']);
    const team = await s.team('Support', ['Anna', 'Bo', 'Cy'], {
      capacity: { limits: { email: 2 } },
    });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await s.queued(team, i % 4 === 3 ? 'urgent' : 'normal'));
    const urgent = ids.filter((_, i) => i % 4 === 3);
    // The drains the team changes triggered have run (nobody was online): only ours remain.
    await settled(s.workspace.id);
    // Straight to the database: no subscriber drains in between.
    await t.services.db
      .updateTable('agents')
      .set({ presence: 'online' })
      .where('workspaceId', '=', s.workspace.id)
      .execute();
    await t.services.db
      .insertInto('agents')
      .values(
        Object.values(s.agents).map((userId) => ({
          workspaceId: s.workspace.id,
          userId,
          presence: 'online' as const,
          capacity: '{}',
        })),
      )
      .onConflict((oc) => oc.columns(['workspaceId', 'userId']).doUpdateSet({ presence: 'online' }))
      .execute();
    // Two other processes (their own pools, sessions and locks) and this one, at once.
    // They start at the same instant, once every process is up and connected.
    const startAt = Date.now() + 4_000;
    const drains = await Promise.all([
      drainInProcess(t.databaseUrl, s.workspace.id, team, startAt),
      drainInProcess(t.databaseUrl, s.workspace.id, team, startAt),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
        return drainTeam(t.services.db, { workspaceId: s.workspace.id, teamId: team });
      })(),
    ]);
    // Together they fill every place, and no more.
    const state = await t.services.db
      .selectFrom('conversations')
      .select(['id', 'assigneeId', 'priority'])
      .where('id', 'in', ids)
      .execute();
    expect(
      drains.reduce((a, b) => a + b, 0),
      JSON.stringify({ drains, state }),
    ).toBe(6);
    const rows = await t.services.db
      .selectFrom('conversations')
      .select(['id', 'assigneeId'])
      .where('id', 'in', ids)
      .execute();
    const loads = new Map<string, number>();
    for (const r of rows)
      if (r.assigneeId) loads.set(r.assigneeId, (loads.get(r.assigneeId) ?? 0) + 1);
    expect([...loads.values()]).toEqual([2, 2, 2]);
    // The three urgent ones went first.
    for (const id of urgent) expect(rows.find((r) => r.id === id)?.assigneeId).not.toBeNull();
    const routed = await t.services.db
      .selectFrom('conversationEvents')
      .select(['conversationId', (eb) => eb.fn.countAll<number>().as('n')])
      .where('conversationId', 'in', ids)
      .where('type', '=', 'conversation.routed')
      .groupBy('conversationId')
      .execute();
    expect(routed).toHaveLength(6);
    expect(routed.every((r) => r.n === 1)).toBe(true);
  });
});

describe('hand-back', () => {
  it('a deactivated agent’s conversations go back to the queue with a timeline entry, and on to someone else', async () => {
    const s = await setup(['Anna', 'Bo']);
    const team = await s.team('Support', ['Anna', 'Bo'], { settings: { handBack: 'delegate' } });
    const first = await s.queued(team);
    const second = await s.queued(team);
    for (const id of [first, second])
      await s.call('PATCH', `/api/v1/conversations/${id}`, { assigneeId: s.agents.Anna });
    await s.online('Bo');
    await s.call('PATCH', `/api/v1/users/${s.agents.Anna}`, { status: 'deactivated' }, s.asOwner);
    for (const id of [first, second]) {
      const entry = (await s.timeline(id)).find((e) => e.type === 'conversation.handed_back');
      expect(entry?.data).toMatchObject({ from: s.agents.Anna, to: null, reason: 'deactivated' });
      expect(await s.assigned(id)).toBe(s.agents.Bo);
    }
  });
});
