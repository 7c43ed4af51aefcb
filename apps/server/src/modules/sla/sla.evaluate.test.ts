import type { Role } from '@parley/contract';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../platform/http.js';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { addMessage, updateConversation } from '../conversations/conversations.service.js';
import { ingest } from '../conversations/ingest.js';
import { addBusinessTime, compileCalendar } from './calendar.js';
import { evaluateConversationSla, noteStatus } from './sla.service.js';

// The engine at chosen moments (a fake clock: `now` is passed in); the subscribers' part
// (noteStatus at an event's time) is called as they would.
const t = useTestApp();
const MIN = 60_000;
const H = 60 * MIN;

const actorOf = (user: { workspaceId: string; id: string }, role: Role = 'manager'): Actor => ({
  workspaceId: user.workspaceId,
  userId: user.id,
  role,
  via: 'token',
  scopes: ['read', 'write', 'admin'],
  csrfToken: null,
  credentialId: 'test',
});

async function setup() {
  const { workspace } = await buildWorkspace(t.services);
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const as = await tokenFor(t.services, manager);
  const call = async (method: 'POST' | 'PATCH', url: string, body: unknown) => {
    const res = await api(t.app, method, url, { as, body });
    expect(res.statusCode, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body as { id: string };
  };
  let n = 0;
  const arrive = async (extra: { priority?: 'low' | 'normal' | 'high' | 'urgent' } = {}) => {
    const result = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: `sla${String(++n)}-${workspace.slug}@example.com` },
      subject: `Question ${String(n)}`,
      text: 'Hello',
      ...extra,
    });
    return result;
  };
  return { workspace, manager, as, call, arrive, actor: actorOf(manager) };
}

async function conversation(id: string) {
  return t.services.db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function timeline(id: string, prefix = 'conversation.sla_') {
  const rows = await t.services.db
    .selectFrom('conversationEvents')
    .select(['type', 'data', 'createdAt'])
    .where('conversationId', '=', id)
    .orderBy('id')
    .execute();
  return rows.filter((r) => r.type.startsWith(prefix));
}

async function checkJob(id: string) {
  const { rows } = await sql<{ runAt: Date }>`
    select run_at as "runAt" from graphile_worker.jobs where key = ${`sla.check:${id}`}`.execute(
    t.services.db,
  );
  return rows[0]?.runAt ?? null;
}

const evaluate = (workspaceId: string, conversationId: string, at: number) =>
  evaluateConversationSla(t.services.db, { workspaceId, conversationId, now: new Date(at) });

describe('SLA evaluation', () => {
  it('chooses a policy, says why, stores due times, schedules the warning, and switches on a priority change', async () => {
    const { workspace, call, arrive, actor } = await setup();
    const urgent = await call('POST', '/api/v1/sla/policies', {
      name: 'Urgent',
      position: 1,
      conditions: { priorities: ['urgent'] },
      targets: { firstResponse: { seconds: 3600, businessHours: false } },
    });
    const standard = await call('POST', '/api/v1/sla/policies', {
      name: 'Standard',
      position: 2,
      targets: {
        firstResponse: { seconds: 4 * 3600, businessHours: false },
        resolution: { seconds: 48 * 3600, businessHours: false },
      },
    });
    const { conversationId } = await arrive();
    const created = (await conversation(conversationId)).createdAt.getTime();

    const first = await evaluate(workspace.id, conversationId, created + MIN);
    expect(first?.policyId).toBe(standard.id);
    const row = await conversation(conversationId);
    expect(row.slaPolicyId).toBe(standard.id);
    expect(row.firstResponseDueAt?.getTime()).toBe(created + 4 * H);
    expect(row.resolutionDueAt?.getTime()).toBe(created + 48 * H);
    expect(row.slaDueAt?.getTime()).toBe(created + 4 * H);
    expect(row.slaBreachedAt).toBeNull();
    // The next moment: 75 % of the first response.
    expect((await checkJob(conversationId))?.getTime()).toBe(created + 3 * H);
    const applied = await timeline(conversationId);
    expect(applied.map((e) => [e.type, e.data])).toEqual([
      [
        'conversation.sla_applied',
        {
          policyId: standard.id,
          policyName: 'Standard',
          why: ['no conditions: applies to every conversation'],
          previousPolicyId: null,
          calendarId: null,
        },
      ],
    ]);

    // Evaluating again changes nothing and writes no second entry.
    await evaluate(workspace.id, conversationId, created + 2 * MIN);
    expect(await timeline(conversationId)).toHaveLength(1);

    await updateConversation({
      db: t.services.db,
      actor,
      conversationId,
      changes: { priority: 'urgent' },
    });
    await evaluate(workspace.id, conversationId, created + 3 * MIN);
    const after = await conversation(conversationId);
    expect(after.slaPolicyId).toBe(urgent.id);
    expect(after.firstResponseDueAt?.getTime()).toBe(created + H);
    expect(after.resolutionDueAt).toBeNull();
    const entries = await timeline(conversationId);
    expect(entries[1]?.data).toMatchObject({
      policyId: urgent.id,
      why: ['priority: urgent'],
      previousPolicyId: standard.id,
    });

    // The SLA as the agent app reads it.
    const sla = await api(t.app, 'GET', `/api/v1/conversations/${conversationId}/sla`, {
      as: await tokenFor(t.services, { workspaceId: workspace.id, id: actor.userId }),
    });
    expect(sla.statusCode).toBe(200);
    expect(sla.body).toMatchObject({
      policy: { id: urgent.id, name: 'Urgent' },
      why: ['priority: urgent'],
      dueAt: new Date(created + H).toISOString(),
      breachedAt: null,
      targets: [
        {
          target: 'firstResponse',
          seconds: 3600,
          businessHours: false,
          dueAt: new Date(created + H).toISOString(),
          metAt: null,
          paused: false,
          elapsedSeconds: 180,
        },
      ],
    });
  });

  it('meets the first response with a reply, runs next responses, and pauses while pending', async () => {
    const { workspace, call, arrive, actor } = await setup();
    await call('POST', '/api/v1/sla/policies', {
      name: 'All',
      targets: {
        firstResponse: { seconds: 3600, businessHours: false },
        nextResponse: { seconds: 1800, businessHours: false },
        resolution: { seconds: 8 * 3600, businessHours: false },
      },
    });
    const { conversationId, number } = await arrive();
    const created = (await conversation(conversationId)).createdAt.getTime();
    await addMessage({
      db: t.services.db,
      actor,
      conversationId,
      body: { kind: 'reply', text: 'Looking into it' },
    });
    const replied = (await conversation(conversationId)).firstResponseAt?.getTime() ?? 0;
    await evaluate(workspace.id, conversationId, replied + MIN);
    let row = await conversation(conversationId);
    expect(row.firstResponseDueAt).toBeNull();
    expect(row.nextResponseDueAt).toBeNull();
    expect(row.resolutionDueAt?.getTime()).toBe(created + 8 * H);

    // The customer answers: a next response is due in 30 minutes.
    const contact = await t.services.db
      .selectFrom('contacts as k')
      .innerJoin('contactIdentities as i', 'i.contactId', 'k.id')
      .select('i.value')
      .where('k.id', '=', row.contactId)
      .executeTakeFirstOrThrow();
    await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: contact.value },
      subject: 'Re: question',
      text: 'Thanks, and one more thing',
      ticketNumber: number,
    });
    const asked = (await conversation(conversationId)).lastCustomerMessageAt?.getTime() ?? 0;
    await evaluate(workspace.id, conversationId, asked + MIN);
    row = await conversation(conversationId);
    expect(row.nextResponseDueAt?.getTime()).toBe(asked + 30 * MIN);
    expect(row.slaDueAt?.getTime()).toBe(asked + 30 * MIN);

    // Pending for two hours (waiting on the customer): the clocks stop, then resume.
    const pendingAt = asked + 5 * MIN;
    await updateConversation({
      db: t.services.db,
      actor,
      conversationId,
      changes: { status: 'pending' },
    });
    await noteStatus(t.services.db, {
      workspaceId: workspace.id,
      conversationId,
      status: 'pending',
      at: new Date(pendingAt),
    });
    await evaluate(workspace.id, conversationId, pendingAt + H);
    row = await conversation(conversationId);
    expect(row.nextResponseDueAt).toBeNull();
    expect(row.resolutionDueAt).toBeNull();
    expect(row.slaDueAt).toBeNull();
    expect(await checkJob(conversationId)).toBeNull();

    const resumedAt = pendingAt + 2 * H;
    await updateConversation({
      db: t.services.db,
      actor,
      conversationId,
      changes: { status: 'open' },
    });
    await noteStatus(t.services.db, {
      workspaceId: workspace.id,
      conversationId,
      status: 'open',
      at: new Date(resumedAt),
    });
    await evaluate(workspace.id, conversationId, resumedAt + MIN);
    row = await conversation(conversationId);
    expect(row.nextResponseDueAt?.getTime()).toBe(asked + 30 * MIN + 2 * H);
    expect(row.resolutionDueAt?.getTime()).toBe(created + 8 * H + 2 * H);

    // The agent answers: the next response is met; resolving meets the resolution.
    await addMessage({
      db: t.services.db,
      actor,
      conversationId,
      body: { kind: 'reply', text: 'Done', status: 'resolved' },
    });
    await evaluate(workspace.id, conversationId, resumedAt + 2 * MIN);
    row = await conversation(conversationId);
    expect(row.slaDueAt).toBeNull();
    expect(row.slaBreachedAt).toBeNull();
    const sla = await t.services.db
      .selectFrom('conversationSlas')
      .select(['targets', 'pauses'])
      .where('conversationId', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect(sla.targets.map((k) => [k.target, k.metAt !== null, k.breachedAt])).toEqual([
      ['firstResponse', true, null],
      ['nextResponse', true, null],
      ['resolution', true, null],
    ]);
    expect(sla.pauses.map((p) => p.status)).toEqual(['pending', 'resolved']);
  });

  it('warns once, breaches once at the due time, and escalates as the policy says', async () => {
    const { workspace, manager, call, arrive, actor } = await setup();
    const lead = await buildUser(t.services, { workspaceId: workspace.id, name: 'Lead' });
    const agent = await buildUser(t.services, { workspaceId: workspace.id, name: 'Agent' });
    const tier1 = await call('POST', '/api/v1/teams', {
      name: 'Tier 1',
      kind: 'tier',
      members: [{ userId: lead.id, lead: true }, { userId: agent.id }],
    });
    const tier2 = await call('POST', '/api/v1/teams', { name: 'Tier 2', kind: 'tier' });
    const policy = await call('POST', '/api/v1/sla/policies', {
      name: 'Email SLA',
      conditions: { channels: ['email'] },
      targets: { firstResponse: { seconds: 3600, businessHours: false } },
      warnAtPercent: [50],
      escalations: [{ on: 'breach', raisePriority: true, moveToTeamId: tier2.id }],
    });
    const { conversationId } = await arrive();
    await updateConversation({
      db: t.services.db,
      actor,
      conversationId,
      changes: { teamId: tier1.id, assigneeId: agent.id },
    });
    const created = (await conversation(conversationId)).createdAt.getTime();

    expect((await evaluate(workspace.id, conversationId, created + 10 * MIN))?.fired).toEqual([]);
    expect((await checkJob(conversationId))?.getTime()).toBe(created + 30 * MIN);
    const warned = await evaluate(workspace.id, conversationId, created + 31 * MIN);
    expect(warned?.fired).toEqual([{ target: 'firstResponse', kind: 'warning', percent: 50 }]);
    // The same moment again (a retried job): nothing more.
    expect((await evaluate(workspace.id, conversationId, created + 31 * MIN))?.fired).toEqual([]);
    expect((await checkJob(conversationId))?.getTime()).toBe(created + H);

    const breached = await evaluate(workspace.id, conversationId, created + H);
    expect(breached?.fired).toEqual([{ target: 'firstResponse', kind: 'breach', percent: null }]);
    expect((await evaluate(workspace.id, conversationId, created + 2 * H))?.fired).toEqual([]);
    const row = await conversation(conversationId);
    expect(row.slaBreachedAt?.getTime()).toBe(created + H);
    // Escalated: one priority step up, to Tier 2's queue.
    expect(row.priority).toBe('high');
    expect(row.teamId).toBe(tier2.id);
    expect(row.assigneeId).toBeNull();

    const notices = await timeline(conversationId);
    expect(notices.map((e) => e.type)).toEqual([
      'conversation.sla_applied',
      'conversation.sla_warning',
      'conversation.sla_breached',
    ]);
    expect(notices[2]?.data).toMatchObject({
      target: 'firstResponse',
      dueAt: new Date(created + H).toISOString(),
      policyId: policy.id,
    });
    const escalations = await timeline(conversationId, 'conversation.');
    expect(
      escalations
        .filter((e) => (e.data as { reason?: string }).reason === 'sla_escalation')
        .map((e) => e.type)
        .sort(),
    ).toEqual([
      'conversation.assigned',
      'conversation.priority_changed',
      'conversation.team_changed',
    ]);

    // The agent app hears it (broadcast) with whom to tell: the assignee and the team lead.
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select(['type', 'data', 'broadcast'])
      .where('aggregateId', '=', conversationId)
      .where('type', 'in', ['conversation.sla_warning', 'conversation.sla_breached'])
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      {
        type: 'conversation.sla_warning',
        broadcast: true,
        data: expect.objectContaining({ percent: 50, assigneeId: agent.id, leadIds: [lead.id] }),
      },
      {
        type: 'conversation.sla_breached',
        broadcast: true,
        data: expect.objectContaining({ assigneeId: agent.id, leadIds: [lead.id] }),
      },
    ]);
    expect(manager.id).not.toBe(lead.id);
  });

  it('counts business hours in the team calendar when the policy names none', async () => {
    const { workspace, call, arrive, actor } = await setup();
    const hours = { from: '09:00', to: '17:00' };
    const spec = {
      timeZone: 'Europe/Stockholm',
      weeklyHours: { mon: [hours], tue: [hours], wed: [hours], thu: [hours], fri: [hours] },
      holidays: { country: 'SE' },
    };
    const calendar = await call('POST', '/api/v1/calendars', { name: 'Office', ...spec });
    const team = await call('POST', '/api/v1/teams', {
      name: 'Support',
      kind: 'support',
      calendarId: calendar.id,
    });
    await call('POST', '/api/v1/sla/policies', {
      name: 'Business',
      targets: { firstResponse: { seconds: 2 * 3600, businessHours: true } },
    });
    const { conversationId } = await arrive();
    await updateConversation({
      db: t.services.db,
      actor,
      conversationId,
      changes: { teamId: team.id },
    });
    const created = (await conversation(conversationId)).createdAt.getTime();
    await evaluate(workspace.id, conversationId, created);
    const expected = addBusinessTime(
      compileCalendar({ ...spec, alwaysOpen: false, closedDates: [] }, created),
      created,
      2 * H,
    );
    expect((await conversation(conversationId)).firstResponseDueAt?.getTime()).toBe(expected);
    expect((await timeline(conversationId))[0]?.data).toMatchObject({ calendarId: calendar.id });
  });

  it('lets the inbox sort by time to breach and filter the breached', async () => {
    const { workspace, call, arrive, as } = await setup();
    await call('POST', '/api/v1/sla/policies', {
      name: 'Fast',
      position: 1,
      conditions: { priorities: ['urgent'] },
      targets: { firstResponse: { seconds: 600, businessHours: false } },
    });
    await call('POST', '/api/v1/sla/policies', {
      name: 'Slow',
      position: 2,
      conditions: { priorities: ['normal', 'high'] },
      targets: { firstResponse: { seconds: 7200, businessHours: false } },
    });
    const late = (await arrive({ priority: 'urgent' })).conversationId;
    const slow = (await arrive({ priority: 'normal' })).conversationId;
    const none = (await arrive({ priority: 'low' })).conversationId;
    const fast = (await arrive({ priority: 'urgent' })).conversationId;
    const now = Date.now();
    for (const id of [slow, none, fast]) await evaluate(workspace.id, id, now);
    // One whose first response is long overdue.
    await evaluate(workspace.id, late, now + H);

    const list = async (query: string) => {
      const res = await api(t.app, 'GET', `/api/v1/conversations?${query}`, { as });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      return res.body as {
        data: { id: string; slaDueAt: string | null }[];
        nextCursor: string | null;
      };
    };
    const sorted = await list('sort=slaDueAt');
    expect(sorted.data.map((c) => c.id)).toEqual([late, fast, slow, none]);
    expect(sorted.data[3]?.slaDueAt).toBeNull();
    // Page by page, the same order.
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`sort=slaDueAt&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toEqual([late, fast, slow, none]);

    expect((await list('slaBreached=true')).data.map((c) => c.id)).toEqual([late]);
    expect((await list('slaBreached=false')).data.map((c) => c.id).sort()).toEqual(
      [slow, none, fast].sort(),
    );
    const soon = new Date(now + 30 * MIN).toISOString();
    expect(
      (await list(`slaDueBefore=${encodeURIComponent(soon)}&sort=slaDueAt`)).data.map((c) => c.id),
    ).toEqual([late, fast]);
  });

  it('reports attainment, breaches, median and p90 per policy and per team', async () => {
    const { workspace, call, arrive, actor, as } = await setup();
    const policy = await call('POST', '/api/v1/sla/policies', {
      name: 'Reported',
      targets: {
        firstResponse: { seconds: 3600, businessHours: false },
        resolution: { seconds: 8 * 3600, businessHours: false },
      },
    });
    const team = await call('POST', '/api/v1/teams', { name: 'Reporting', kind: 'support' });
    const onTime = (await arrive()).conversationId;
    const late = (await arrive()).conversationId;
    const open = (await arrive()).conversationId;
    for (const id of [onTime, late])
      await updateConversation({
        db: t.services.db,
        actor,
        conversationId: id,
        changes: { teamId: team.id },
      });
    // The late one arrived two hours ago.
    await sql`update conversations set created_at = created_at - interval '2 hours' where id = ${late}`.execute(
      t.services.db,
    );
    await addMessage({
      db: t.services.db,
      actor,
      conversationId: onTime,
      body: { kind: 'reply', text: 'Solved', status: 'resolved' },
    });
    await addMessage({
      db: t.services.db,
      actor,
      conversationId: late,
      body: { kind: 'reply', text: 'Sorry' },
    });
    for (const id of [onTime, late, open]) await evaluate(workspace.id, id, Date.now());

    const from = new Date(Date.now() - 3 * H).toISOString();
    const to = new Date(Date.now() + H).toISOString();
    const report = async (groupBy: string) => {
      const res = await api(
        t.app,
        'GET',
        `/api/v1/sla/report?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&groupBy=${groupBy}`,
        { as },
      );
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      return res.body as {
        data: { id: string | null; name: string | null; targets: Record<string, unknown>[] }[];
      };
    };
    const byPolicy = await report('policy');
    expect(byPolicy.data).toHaveLength(1);
    expect(byPolicy.data[0]).toMatchObject({ id: policy.id, name: 'Reported' });
    const [first, resolution] = byPolicy.data[0]?.targets ?? [];
    expect(first).toMatchObject({
      target: 'firstResponse',
      started: 3,
      metOnTime: 1,
      breached: 1,
      attainment: 0.5,
    });
    expect(Number(first?.p90Seconds)).toBeGreaterThan(6000);
    expect(Number(first?.medianSeconds)).toBeGreaterThan(0);
    expect(resolution).toMatchObject({
      target: 'resolution',
      started: 3,
      metOnTime: 1,
      breached: 0,
      attainment: 1,
    });
    const byTeam = await report('team');
    expect(byTeam.data.map((g) => [g.id, g.name, g.targets[0]?.started])).toEqual([
      [team.id, 'Reporting', 2],
      [null, null, 1],
    ]);
    const backwards = await api(
      t.app,
      'GET',
      `/api/v1/sla/report?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`,
      { as },
    );
    expect(backwards.statusCode).toBe(400);
  });

  it('re-evaluates a contact’s open conversations when their tier changes', async () => {
    const { workspace, call, arrive, as } = await setup();
    const gold = await call('POST', '/api/v1/sla/policies', {
      name: 'Gold',
      position: 1,
      conditions: { contact: { tier: ['gold'] } },
      targets: { firstResponse: { seconds: 900, businessHours: false } },
    });
    await call('POST', '/api/v1/sla/policies', {
      name: 'Everyone else',
      position: 2,
      targets: { firstResponse: { seconds: 4 * 3600, businessHours: false } },
    });
    const { conversationId } = await arrive();
    await evaluate(workspace.id, conversationId, Date.now());
    const before = await conversation(conversationId);
    expect(before.slaPolicyId).not.toBe(gold.id);
    const changed = await api(t.app, 'PATCH', `/api/v1/contacts/${before.contactId}`, {
      as,
      body: { attributes: { tier: 'Gold' } },
    });
    expect(changed.statusCode, JSON.stringify(changed.body)).toBe(200);
    // The subscriber (through the outbox) queues the conversation's check now.
    await t.services.outbox.drain();
    const runAt = await checkJob(conversationId);
    expect(runAt).not.toBeNull();
    expect(runAt?.getTime()).toBeLessThanOrEqual(Date.now());
    await evaluate(workspace.id, conversationId, Date.now());
    const after = await conversation(conversationId);
    expect(after.slaPolicyId).toBe(gold.id);
    expect(after.firstResponseDueAt?.getTime()).toBe(after.createdAt.getTime() + 15 * MIN);
    expect((await timeline(conversationId)).at(-1)?.data).toMatchObject({
      policyName: 'Gold',
      why: ['contact: tier=gold'],
    });
  });

  it('escalates to a team deleted since: the conversation stays, the breach is still recorded', async () => {
    const { workspace, call, arrive, actor, as } = await setup();
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const gone = await call('POST', '/api/v1/teams', { name: 'Gone soon', kind: 'tier' });
    await call('POST', '/api/v1/sla/policies', {
      name: 'Escalating',
      targets: { firstResponse: { seconds: 600, businessHours: false } },
      escalations: [{ on: 'breach', moveToTeamId: gone.id }],
    });
    expect((await api(t.app, 'DELETE', `/api/v1/teams/${gone.id}`, { as })).statusCode).toBe(204);
    const { conversationId } = await arrive();
    await updateConversation({
      db: t.services.db,
      actor,
      conversationId,
      changes: { assigneeId: agent.id },
    });
    const created = (await conversation(conversationId)).createdAt.getTime();
    const result = await evaluate(workspace.id, conversationId, created + 11 * MIN);
    expect(result?.fired.map((f) => f.kind)).toEqual(['breach']);
    const row = await conversation(conversationId);
    expect(row.assigneeId).toBe(agent.id);
    expect(row.teamId).toBeNull();
    expect(row.slaBreachedAt?.getTime()).toBe(created + 10 * MIN);
  });
});
