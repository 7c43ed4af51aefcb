import type { Schedule } from '@parley/contract';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import type { Worker } from '../../platform/jobs.js';
import { startJobs } from '../../runtime.js';
import { ingest } from '../conversations/ingest.js';
import { availableSql } from './availability.sql.js';
import { agentLoads, effectiveLimits, hasRoom } from './capacity.js';
import { eligibleAgents } from './eligible.js';
import { isAvailable } from './schedule.js';

const t = useTestApp();
let worker: Worker | null = null;
afterAll(async () => {
  await worker?.stop();
});

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const anna = await buildUser(t.services, { workspaceId: workspace.id, name: 'Anna' });
  const bo = await buildUser(t.services, { workspaceId: workspace.id, name: 'Bo' });
  const asManager = await tokenFor(t.services, manager);
  const asAnna = await tokenFor(t.services, anna);
  const asBo = await tokenFor(t.services, bo);
  const team = async (name: string, settings: Record<string, unknown>) =>
    (
      await api(t.app, 'POST', '/api/v1/teams', {
        as: asManager,
        body: { name, kind: 'support', settings, members: [{ userId: anna.id }] },
      })
    ).body.id as string;
  /** A conversation assigned to Anna (in `teamId`, with `status`). */
  const assigned = async (
    teamId: string | null,
    status = 'open',
    extra: Record<string, unknown> = {},
  ) => {
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: `c${Math.random().toString(36).slice(2)}@example.pl` },
      subject: 'Pomocy',
      text: 'Pomocy',
    });
    const res = await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as: asManager,
      body: { assigneeId: anna.id, status, ...(teamId ? { teamId } : {}), ...extra },
    });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
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
  return {
    workspace,
    owner,
    manager,
    anna,
    bo,
    asManager,
    asAnna,
    asBo,
    team,
    assigned,
    assignee,
  };
}

describe('presence', () => {
  it('is set by the agent, by managers for others, and by nobody else', async () => {
    const { anna, bo, asAnna, asBo, asManager } = await setup();
    const mine = await api(t.app, 'PUT', '/api/v1/me/presence', {
      as: asAnna,
      body: { presence: 'online' },
    });
    expect(mine.statusCode, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body).toMatchObject({
      userId: anna.id,
      presence: 'online',
      availableNow: true,
      unavailableReason: null,
    });
    expect(Date.now() - Date.parse(mine.body.presenceChangedAt)).toBeLessThan(60_000);
    const byPeer = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/presence`, {
      as: asBo,
      body: { presence: 'offline' },
    });
    expect(byPeer.statusCode).toBe(403);
    const byManager = await api(t.app, 'PUT', `/api/v1/agents/${bo.id}/presence`, {
      as: asManager,
      body: { presence: 'away' },
    });
    expect(byManager.body).toMatchObject({ presence: 'away', unavailableReason: 'away' });
    const wrong = await api(t.app, 'PUT', '/api/v1/me/presence', {
      as: asAnna,
      body: { presence: 'busy' },
    });
    expect(wrong.statusCode).toBe(400);
    const unknown = await api(
      t.app,
      'PUT',
      '/api/v1/agents/01a20000-0000-7000-8000-000000000009/presence',
      { as: asManager, body: { presence: 'online' } },
    );
    expect(unknown.body.error.code).toBe('user_not_found');
    const events = await sql<{ type: string; data: { presence: string; from: string } }>`
      select type, data from outbox_events where aggregate_id = ${anna.id} order by id`.execute(
      t.services.db,
    );
    expect(events.rows).toEqual([
      expect.objectContaining({
        type: 'agent.presence_changed',
        data: expect.objectContaining({ from: 'offline', presence: 'online' }),
      }),
    ]);
  });

  it('going offline hands back only the conversations of teams that say so, to the queue', async () => {
    const { anna, asAnna, team, assigned, assignee } = await setup();
    const chat = await team('Chat', { handBackOnOffline: true, handBack: 'delegate' });
    const email = await team('Email', {});
    const fromChat = await assigned(chat);
    const fromEmail = await assigned(email);
    const resolved = await assigned(chat, 'resolved');
    await api(t.app, 'PUT', '/api/v1/me/presence', { as: asAnna, body: { presence: 'online' } });
    await api(t.app, 'PUT', '/api/v1/me/presence', { as: asAnna, body: { presence: 'offline' } });
    expect(await assignee(fromChat)).toBeNull();
    expect(await assignee(fromEmail)).toBe(anna.id);
    expect(await assignee(resolved)).toBe(anna.id);
    const timeline = await api(t.app, 'GET', `/api/v1/conversations/${fromChat}/events`, {
      as: asAnna,
    });
    expect(timeline.body.data.at(-1)).toMatchObject({
      type: 'conversation.handed_back',
      actor: { type: 'user', id: anna.id },
      data: { from: anna.id, to: null, reason: 'offline', teamId: chat },
    });
  });
});

describe('working hours', () => {
  it('takes an IANA zone and weekly intervals, and refuses anything else', async () => {
    const { anna, asAnna, asBo } = await setup();
    const schedule: Schedule = {
      timeZone: 'Europe/Warsaw',
      weeklyHours: {
        mon: [
          { from: '08:00', to: '12:00' },
          { from: '13:00', to: '17:00' },
        ],
        fri: [{ from: '22:00', to: '02:00' }],
      },
    };
    const set = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/schedule`, {
      as: asAnna,
      body: schedule,
    });
    expect(set.statusCode, JSON.stringify(set.body)).toBe(200);
    expect(set.body.schedule).toEqual(schedule);
    const rows = await t.services.db
      .selectFrom('agentScheduleIntervals')
      .select(['weekday', 'startMinute', 'endMinute'])
      .where('userId', '=', anna.id)
      .orderBy('weekday')
      .orderBy('startMinute')
      .execute();
    expect(rows).toEqual([
      { weekday: 1, startMinute: 480, endMinute: 720 },
      { weekday: 1, startMinute: 780, endMinute: 1020 },
      { weekday: 5, startMinute: 1320, endMinute: 1440 },
      { weekday: 6, startMinute: 0, endMinute: 120 },
    ]);

    for (const [body, code] of [
      [{ ...schedule, timeZone: 'Europe/Atlantis' }, 'invalid_time_zone'],
      [{ ...schedule, timeZone: '+02:00' }, 'invalid_time_zone'],
      [
        { ...schedule, weeklyHours: { tue: [{ from: '09:00', to: '09:00' }] } },
        'validation_failed',
      ],
      [{ ...schedule, weeklyHours: { tue: [{ from: '9:00', to: '17:00' }] } }, 'validation_failed'],
      [{ ...schedule, weeklyHours: { someday: [] } }, 'validation_failed'],
    ] as const) {
      const res = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/schedule`, {
        as: asAnna,
        body,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe(code);
    }
    const byPeer = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/schedule`, {
      as: asBo,
      body: schedule,
    });
    expect(byPeer.statusCode).toBe(403);
    const kept = await api(t.app, 'GET', `/api/v1/agents/${anna.id}`, { as: asBo });
    expect(kept.body.schedule).toEqual(schedule);

    const cleared = await api(t.app, 'DELETE', `/api/v1/agents/${anna.id}/schedule`, {
      as: asAnna,
    });
    expect(cleared.body.schedule).toBeNull();
  });

  it('are set by their agent (the profile), who may not set her own limits or skills nor anyone’s hours', async () => {
    const { anna, bo, asAnna, asManager } = await setup();
    const hours: Schedule = {
      timeZone: 'Asia/Tehran',
      weeklyHours: { sat: [{ from: '08:00', to: '16:00' }], sun: [{ from: '08:00', to: '16:00' }] },
    };
    const own = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/schedule`, {
      as: asAnna,
      body: hours,
    });
    expect(own.statusCode, JSON.stringify(own.body)).toBe(200);
    expect(own.body.schedule).toEqual(hours);
    const refused = [
      await api(t.app, 'PUT', `/api/v1/agents/${bo.id}/schedule`, { as: asAnna, body: hours }),
      await api(t.app, 'DELETE', `/api/v1/agents/${bo.id}/schedule`, { as: asAnna }),
      await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/capacity`, {
        as: asAnna,
        body: { limits: { chat: 9 } },
      }),
      await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/skills`, {
        as: asAnna,
        body: { skills: [] },
      }),
    ];
    for (const res of refused) {
      expect(res.statusCode).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const annaNow = await api(t.app, 'GET', `/api/v1/agents/${anna.id}`, { as: asManager });
    expect(annaNow.body.capacity.limits).toEqual({});
    const boNow = await api(t.app, 'GET', `/api/v1/agents/${bo.id}`, { as: asManager });
    expect(boNow.body.schedule).toBeNull();
    // A manager sets anyone's.
    const byManager = await api(t.app, 'PUT', `/api/v1/agents/${bo.id}/schedule`, {
      as: asManager,
      body: hours,
    });
    expect(byManager.body.schedule).toEqual(hours);
  });

  it('gives the same answer in SQL (for routing) as isAvailable, across DST changes', async () => {
    const { workspace, asManager } = await setup();
    const schedules: Schedule[] = [
      { timeZone: 'Europe/Warsaw', weeklyHours: { sat: [{ from: '22:00', to: '06:00' }] } },
      {
        timeZone: 'Europe/Stockholm',
        weeklyHours: {
          sun: [{ from: '02:00', to: '02:30' }],
          mon: [{ from: '09:00', to: '17:00' }],
        },
      },
      {
        timeZone: 'Asia/Tehran',
        weeklyHours: Object.fromEntries(
          ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [
            d,
            [
              { from: '23:00', to: '01:00' },
              { from: '09:00', to: '17:00' },
            ],
          ]),
        ),
      },
      { timeZone: 'Asia/Shanghai', weeklyHours: { fri: [{ from: '20:00', to: '02:00' }] } },
    ];
    const agents: { id: string; schedule: Schedule }[] = [];
    for (const schedule of schedules) {
      const user = await buildUser(t.services, { workspaceId: workspace.id });
      await api(t.app, 'PUT', `/api/v1/agents/${user.id}/schedule`, {
        as: asManager,
        body: schedule,
      });
      await api(t.app, 'PUT', `/api/v1/agents/${user.id}/presence`, {
        as: asManager,
        body: { presence: 'online' },
      });
      agents.push({ id: user.id, schedule });
    }
    const instants = [
      '2026-03-28T20:59:00Z',
      '2026-03-28T21:00:00Z',
      '2026-03-29T00:59:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-29T03:59:00Z',
      '2026-03-29T04:00:00Z',
      '2026-10-25T00:15:00Z',
      '2026-10-25T00:45:00Z',
      '2026-10-25T01:15:00Z',
      '2026-10-25T01:30:00Z',
      '2026-10-26T07:30:00Z',
      '2026-10-26T08:00:00Z',
      '2021-03-21T20:29:00Z',
      '2021-03-21T20:30:00Z',
      '2021-03-23T04:29:00Z',
      '2021-03-23T04:30:00Z',
      '2026-06-15T04:30:00Z',
      '2026-06-15T05:30:00Z',
      '2026-01-16T12:00:00Z',
      '2026-01-16T17:59:00Z',
      '2026-01-16T18:00:00Z',
    ].map((iso) => new Date(iso));
    let availableCount = 0;
    for (const at of instants) {
      const rows = await t.services.db
        .selectFrom('agents as a')
        .select(['a.userId'])
        .select(availableSql(at).as('available'))
        .where('a.workspaceId', '=', workspace.id)
        .where(
          'a.userId',
          'in',
          agents.map((a) => a.id),
        )
        .execute();
      for (const agent of agents) {
        const expected = isAvailable(
          { presence: 'online', schedule: agent.schedule, absences: [] },
          at,
        );
        const row = rows.find((r) => r.userId === agent.id);
        expect(row?.available, `${agent.schedule.timeZone} at ${at.toISOString()}`).toBe(expected);
        if (expected) availableCount++;
      }
    }
    // Both answers occur, so the comparison means something.
    expect(availableCount).toBeGreaterThan(8);
    expect(availableCount).toBeLessThan(instants.length * agents.length - 8);
  });
});

describe('absences', () => {
  it('hand back at once when they have begun: to the queue or the delegate, as each team says', async () => {
    const { anna, bo, asAnna, asManager, team, assigned, assignee } = await setup();
    const queue = await team('Billing', { handBack: 'queue' });
    const delegate = await team('Sales', { handBack: 'delegate' });
    const toQueue = await assigned(queue);
    const toBo = await assigned(delegate, 'pending');
    const noTeam = await assigned(null, 'new');
    const done = await assigned(queue, 'closed');
    const startsAt = new Date(Date.now() - 3_600_000).toISOString();
    const endsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();

    const created = await api(t.app, 'POST', '/api/v1/absences', {
      as: asAnna,
      body: { startsAt, endsAt, reason: 'Urlop', delegateId: bo.id },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      userId: anna.id,
      startsAt: new Date(startsAt).toISOString(),
      allDay: false,
      delegateId: bo.id,
    });
    expect(created.body.handedBackAt).not.toBeNull();
    expect(await assignee(toQueue)).toBeNull();
    expect(await assignee(toBo)).toBe(bo.id);
    expect(await assignee(noTeam)).toBe(bo.id);
    expect(await assignee(done)).toBe(anna.id);

    const timeline = await api(t.app, 'GET', `/api/v1/conversations/${toBo}/events`, {
      as: asAnna,
    });
    expect(timeline.body.data.at(-1)).toMatchObject({
      type: 'conversation.handed_back',
      data: { from: anna.id, to: bo.id, reason: 'absence', absenceId: created.body.id },
    });
    const queued = await sql<{ aggregateId: string }>`
      select aggregate_id from outbox_events where type = 'conversation.queued'
         and aggregate_id = any(${[toQueue, toBo, noTeam]}::text[])`.execute(t.services.db);
    expect(queued.rows.map((r) => r.aggregateId)).toEqual([toQueue]);

    const agent = await api(t.app, 'GET', `/api/v1/agents/${anna.id}`, { as: asManager });
    expect(agent.body).toMatchObject({ availableNow: false, unavailableReason: 'absent' });
    expect(agent.body.absences.map((a: { id: string }) => a.id)).toEqual([created.body.id]);

    const overlap = await api(t.app, 'POST', '/api/v1/absences', {
      as: asManager,
      body: { userId: anna.id, startDate: '2099-01-01', endDate: '2099-01-02' },
    });
    expect(overlap.statusCode, JSON.stringify(overlap.body)).toBe(201);
    const clash = await api(t.app, 'POST', '/api/v1/absences', {
      as: asManager,
      body: { userId: anna.id, startsAt: '2099-01-02T12:00:00Z', endsAt: '2099-01-05T00:00:00Z' },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.body.error.code).toBe('absence_overlaps');
  });

  it('sends work to the queue when the delegate is away too', async () => {
    const { bo, asBo, asAnna, team, assigned, assignee } = await setup();
    const sales = await team('Sales', {});
    const id = await assigned(sales);
    const week = {
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    };
    expect(
      (await api(t.app, 'POST', '/api/v1/absences', { as: asBo, body: week })).statusCode,
    ).toBe(201);
    const mine = await api(t.app, 'POST', '/api/v1/absences', {
      as: asAnna,
      body: { ...week, delegateId: bo.id },
    });
    expect(mine.statusCode).toBe(201);
    expect(await assignee(id)).toBeNull();
  });

  it('refuses bad input and writes nothing', async () => {
    const { anna, asAnna, asBo } = await setup();
    const other = await buildWorkspace(t.services);
    const later = { startsAt: '2099-03-01T00:00:00Z', endsAt: '2099-03-08T00:00:00Z' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...later, delegateId: other.owner.id }, 404, 'user_not_found'],
      [{ ...later, delegateId: anna.id }, 400, 'validation_failed'],
      [{ startsAt: later.endsAt, endsAt: later.startsAt }, 400, 'validation_failed'],
      [{ ...later, startDate: '2099-03-01', endDate: '2099-03-02' }, 400, 'validation_failed'],
      [{ startDate: '2099-03-01' }, 400, 'validation_failed'],
      [{}, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api(t.app, 'POST', '/api/v1/absences', { as: asAnna, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    const forPeer = await api(t.app, 'POST', '/api/v1/absences', {
      as: asBo,
      body: { ...later, userId: anna.id },
    });
    expect(forPeer.statusCode).toBe(403);
    const list = await api(t.app, 'GET', `/api/v1/absences?userId=${anna.id}`, { as: asAnna });
    expect(list.body.data).toEqual([]);
  });

  it('are changed by their person or a manager: days, reason, delegate; never ending before they start', async () => {
    const { anna, bo, asAnna, asBo, asManager } = await setup();
    const created = await api(t.app, 'POST', '/api/v1/absences', {
      as: asAnna,
      body: { startDate: '2099-08-03', endDate: '2099-08-07', reason: 'Urlop' },
    });
    expect(created.statusCode).toBe(201);
    const url = `/api/v1/absences/${created.body.id as string}`;
    const changed = await api(t.app, 'PATCH', url, {
      as: asAnna,
      body: { startDate: '2099-08-04', endDate: '2099-08-11', reason: 'Urlop nad morzem' },
    });
    expect(changed.statusCode, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      allDay: true,
      startsAt: '2099-08-04T00:00:00.000Z', // Anna has no zone of her own: UTC
      endsAt: '2099-08-12T00:00:00.000Z',
      reason: 'Urlop nad morzem',
    });
    const byManager = await api(t.app, 'PATCH', url, {
      as: asManager,
      body: { delegateId: bo.id, reason: null },
    });
    expect(byManager.body).toMatchObject({ delegateId: bo.id, reason: null });
    // Refused, and nothing changed: the last day before the first, a peer's hand.
    for (const [as, body, status, code] of [
      [asAnna, { startDate: '2099-08-10', endDate: '2099-08-09' }, 400, 'validation_failed'],
      [asAnna, { endsAt: '2099-08-04T00:00:00Z' }, 400, 'validation_failed'],
      [asAnna, { startDate: '2099-08-10' }, 400, 'validation_failed'],
      [asBo, { reason: 'Mine now' }, 403, 'forbidden'],
    ] as const) {
      const res = await api(t.app, 'PATCH', url, { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    const kept = await api(t.app, 'GET', url, { as: asAnna });
    expect(kept.body).toMatchObject({
      userId: anna.id,
      startsAt: '2099-08-04T00:00:00.000Z',
      endsAt: '2099-08-12T00:00:00.000Z',
      delegateId: bo.id,
      reason: null,
    });
  });

  it('takes whole days in the agent’s own time zone', async () => {
    const { anna, asAnna } = await setup();
    await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/schedule`, {
      as: asAnna,
      body: { timeZone: 'Asia/Tehran', weeklyHours: {} },
    });
    const res = await api(t.app, 'POST', '/api/v1/absences', {
      as: asAnna,
      body: { startDate: '2099-03-20', endDate: '2099-03-21' },
    });
    expect(res.body).toMatchObject({
      allDay: true,
      startsAt: '2099-03-19T20:30:00.000Z',
      endsAt: '2099-03-21T20:30:00.000Z',
      handedBackAt: null,
    });
  });

  it('are listed by start, per person and period, page by page', async () => {
    const { anna, asAnna, asBo } = await setup();
    const add = async (as: typeof asAnna, day: string) =>
      (
        await api(t.app, 'POST', '/api/v1/absences', {
          as,
          body: { startsAt: `2099-07-${day}T00:00:00Z`, endsAt: `2099-07-${day}T12:00:00Z` },
        })
      ).body.id as string;
    const [a3, a1, a2] = [
      await add(asAnna, '03'),
      await add(asAnna, '01'),
      await add(asAnna, '02'),
    ];
    const b1 = await add(asBo, '01');
    const first = await api(t.app, 'GET', `/api/v1/absences?userId=${anna.id}&limit=2`, {
      as: asBo,
    });
    expect(first.body.data.map((a: { id: string }) => a.id)).toEqual([a1, a2]);
    const second = await api(
      t.app,
      'GET',
      `/api/v1/absences?userId=${anna.id}&limit=2&cursor=${first.body.nextCursor as string}`,
      { as: asBo },
    );
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: a3 })], nextCursor: null });
    const period = await api(
      t.app,
      'GET',
      '/api/v1/absences?from=2099-07-01T06:00:00Z&to=2099-07-02T06:00:00Z',
      { as: asBo },
    );
    expect(period.body.data.map((a: { id: string }) => a.id).sort()).toEqual([a1, a2, b1].sort());
  });

  it('schedule a job for a later start that hands back when it runs; a deleted one never does', async () => {
    const { anna, asAnna, team, assigned, assignee } = await setup();
    const support = await team('Support', { handBack: 'queue' });
    const id = await assigned(support);
    const job = async (absenceId: string) =>
      (
        await sql<{ runAt: Date }>`
          select run_at from graphile_worker.jobs where key = ${`absence-start:${absenceId}`}`.execute(
          t.services.db,
        )
      ).rows[0];

    const far = await api(t.app, 'POST', '/api/v1/absences', {
      as: asAnna,
      body: { startsAt: '2099-05-01T08:00:00Z', endsAt: '2099-05-02T08:00:00Z' },
    });
    expect((await job(far.body.id))?.runAt.toISOString()).toBe('2099-05-01T08:00:00.000Z');
    const moved = await api(t.app, 'PATCH', `/api/v1/absences/${far.body.id}`, {
      as: asAnna,
      body: { startsAt: '2099-04-30T08:00:00Z' },
    });
    expect(moved.statusCode, JSON.stringify(moved.body)).toBe(200);
    expect((await job(far.body.id))?.runAt.toISOString()).toBe('2099-04-30T08:00:00.000Z');
    await api(t.app, 'DELETE', `/api/v1/absences/${far.body.id}`, { as: asAnna });
    expect(await job(far.body.id)).toBeUndefined();

    const soon = await api(t.app, 'POST', '/api/v1/absences', {
      as: asAnna,
      body: {
        startsAt: new Date(Date.now() + 1_500).toISOString(),
        endsAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(soon.body.handedBackAt).toBeNull();
    expect(await assignee(id)).toBe(anna.id);
    worker = await startJobs(t.services, 1);
    const deadline = Date.now() + 20_000;
    while ((await assignee(id)) !== null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await assignee(id)).toBeNull();
    const after = await api(t.app, 'GET', `/api/v1/absences/${soon.body.id}`, { as: asAnna });
    expect(after.body.handedBackAt).not.toBeNull();
    const timeline = await api(t.app, 'GET', `/api/v1/conversations/${id}/events`, { as: asAnna });
    expect(timeline.body.data.at(-1)).toMatchObject({
      type: 'conversation.handed_back',
      actor: { type: 'system', id: null },
      data: { reason: 'absence', to: null, absenceId: soon.body.id },
    });
  });
});

describe('capacity', () => {
  it('computes weighted load per channel and applies the agent’s limits over the team’s', async () => {
    const { workspace, anna, asManager, team, assigned } = await setup();
    const support = await team('Support', {});
    await assigned(support, 'open', { priority: 'urgent' });
    await assigned(support, 'new', { priority: 'low' });
    await assigned(support, 'pending');
    await assigned(support, 'resolved');
    const plain = await agentLoads(t.services.db, workspace.id, [anna.id]);
    expect(plain.get(anna.id)).toEqual({
      count: 2,
      weighted: 2,
      byChannel: { email: { count: 2, weighted: 2 } },
    });
    const weights = { low: 0.5, normal: 1, high: 2, urgent: 3 };
    const weighted = (await agentLoads(t.services.db, workspace.id, [anna.id], weights)).get(
      anna.id,
    );
    expect(weighted?.weighted).toBe(3.5);

    const teamLimits = await api(t.app, 'PATCH', `/api/v1/teams/${support}`, {
      as: asManager,
      body: { capacity: { limits: { email: 4, chat: 3 }, priorityWeights: weights } },
    });
    expect(teamLimits.statusCode).toBe(200);
    const own = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/capacity`, {
      as: asManager,
      body: { limits: { email: 6 } },
    });
    expect(own.body).toMatchObject({
      capacity: { limits: { email: 6 } },
      load: { total: 2, byChannel: { email: 2 } },
    });
    const limits = effectiveLimits(teamLimits.body.capacity.limits, own.body.capacity.limits);
    expect(limits).toEqual({ email: 6, chat: 3 });
    if (!weighted) throw new Error('no load');
    expect(hasRoom(limits, weighted, 'email', 2)).toBe(true); // 3.5 + 2 ≤ 6
    expect(hasRoom(limits, weighted, 'email', 3)).toBe(false); // 3.5 + 3 > 6
    expect(hasRoom({ email: 4, chat: 3 }, weighted, 'email', 1)).toBe(false); // the team's 4
    expect(hasRoom(limits, weighted, 'sms')).toBe(true); // no limit
    const negative = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/capacity`, {
      as: asManager,
      body: { limits: { email: -1 } },
    });
    expect(negative.statusCode).toBe(400);
  });
});

describe('eligible agents (the routing candidate query)', () => {
  it('keeps only active members who are available, skilled and under their limit, in one statement', async () => {
    const { workspace, asManager } = await setup();
    const people: Record<string, string> = {};
    for (const name of ['ada', 'ben', 'cy', 'dan', 'eve', 'fay']) {
      people[name] = (await buildUser(t.services, { workspaceId: workspace.id, name })).id;
    }
    const id = (name: string) => people[name] ?? '';
    const team = (
      await api(t.app, 'POST', '/api/v1/teams', {
        as: asManager,
        body: {
          name: 'Polska',
          kind: 'region',
          capacity: {
            limits: { email: 2 },
            priorityWeights: { low: 1, normal: 1, high: 1, urgent: 2 },
          },
          members: Object.values(people).map((userId) => ({ userId })),
        },
      })
    ).body.id as string;
    const pl = (
      await api(t.app, 'POST', '/api/v1/skills', {
        as: asManager,
        body: { type: 'language', value: 'pl' },
      })
    ).body.id as string;
    const levels: Record<string, number> = { ada: 4, ben: 2, cy: 5, dan: 5, fay: 5 };
    for (const [name, level] of Object.entries(levels)) {
      await api(t.app, 'PUT', `/api/v1/agents/${id(name)}/skills`, {
        as: asManager,
        body: { skills: [{ skillId: pl, level }] },
      });
    }
    for (const name of ['ada', 'ben', 'cy', 'eve', 'fay']) {
      await api(t.app, 'PUT', `/api/v1/agents/${id(name)}/presence`, {
        as: asManager,
        body: { presence: 'online' },
      });
    }
    // Fay works no hours at all; Cy is on holiday; Ben holds an urgent email (weight 2 of 2).
    await api(t.app, 'PUT', `/api/v1/agents/${id('fay')}/schedule`, {
      as: asManager,
      body: { timeZone: 'Europe/Warsaw', weeklyHours: {} },
    });
    await api(t.app, 'POST', '/api/v1/absences', {
      as: asManager,
      body: {
        userId: id('cy'),
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'pilne@example.pl' },
      subject: 'Pilne',
      text: 'Pilne',
    });
    await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as: asManager,
      body: { assigneeId: id('ben'), priority: 'urgent', status: 'open' },
    });

    const names = (agents: { userId: string }[]) =>
      agents.map((a) => Object.keys(people).find((n) => people[n] === a.userId));
    const base = { workspaceId: workspace.id, teamId: team, channel: 'email' as const };
    const withPolish = await eligibleAgents(t.services.db, { ...base, requiredSkills: [pl] });
    expect(names(withPolish)).toEqual(['ada']);
    expect(withPolish[0]).toMatchObject({ channelLoad: 0, totalLoad: 0, skillScore: 4, limit: 2 });
    expect(names(await eligibleAgents(t.services.db, base)).sort()).toEqual(['ada', 'eve']);
    // Chat has no limit: Ben's email does not stop him there.
    expect(names(await eligibleAgents(t.services.db, { ...base, channel: 'chat' })).sort()).toEqual(
      ['ada', 'ben', 'eve'],
    );

    // Ben's own limit wins over the team's.
    await api(t.app, 'PUT', `/api/v1/agents/${id('ben')}/capacity`, {
      as: asManager,
      body: { limits: { email: 3 } },
    });
    const polish = await eligibleAgents(t.services.db, { ...base, requiredSkills: [pl] });
    expect(names(polish).sort()).toEqual(['ada', 'ben']);
    expect(polish.find((a) => a.userId === id('ben'))).toMatchObject({
      channelLoad: 2,
      totalLoad: 1,
      skillScore: 2,
      limit: 3,
    });
    // An urgent one weighs 2: 2 + 2 > 3, so Ben is full for it (a normal one, 2 + 1, fits).
    expect(
      names(
        await eligibleAgents(t.services.db, { ...base, priority: 'urgent', requiredSkills: [pl] }),
      ),
    ).toEqual(['ada']);
    // Deactivated, he is gone for normal ones too.
    await t.services.db
      .updateTable('users')
      .set({ status: 'deactivated' })
      .where('id', '=', id('ben'))
      .execute();
    expect(names(await eligibleAgents(t.services.db, { ...base, requiredSkills: [pl] }))).toEqual([
      'ada',
    ]);
  });
});
