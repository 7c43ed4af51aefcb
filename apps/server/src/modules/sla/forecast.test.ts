import { sql } from 'kysely';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { MTA_LOGIN, useRecipientMta } from '../../test/mail.js';
import { ingest } from '../conversations/ingest.js';
import { sendSystemMail } from '../email/system.job.js';
import { erlangC, expectedAttainment, forecastQueue } from './forecast.js';
import { announceForecast } from './forecast.service.js';
import { evaluateConversationSla } from './sla.service.js';

const MIN = 60_000;

describe('queue forecast (pure)', () => {
  it('fills the free slots at once, then one more per handling time per agent', () => {
    const queue = Array.from({ length: 6 }, (_, i) => ({
      id: `c${String(i)}`,
      number: i,
      dueAt: 40 * MIN,
    }));
    const entries = forecastQueue({
      queue,
      availableAgents: 2,
      freeSlots: 1,
      handlingMs: 15 * MIN,
      now: 0,
    });
    expect(entries.map((e) => e.expectedReachAt)).toEqual([
      0,
      15 * MIN,
      15 * MIN,
      30 * MIN,
      30 * MIN,
      45 * MIN,
    ]);
    expect(entries.map((e) => e.atRisk)).toEqual([false, false, false, false, false, true]);
    expect(entries[5]?.slackMs).toBe(-5 * MIN);
    // Nobody available: every conversation with a due time is at risk.
    const nobody = forecastQueue({
      queue,
      availableAgents: 0,
      freeSlots: 0,
      handlingMs: 15 * MIN,
      now: 0,
    });
    expect(nobody.every((e) => e.atRisk && e.expectedReachAt === null)).toBe(true);
  });

  it('computes Erlang C and the expected attainment', () => {
    // Two agents, one erlang: C = 1/3 (the textbook value).
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 10);
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 10);
    expect(erlangC(3, 3)).toBe(1);
    expect(erlangC(5, 0)).toBe(0);
    // 20 conversations an hour, 6 minutes each (2 erlangs), answered within 5 minutes:
    const four = expectedAttainment({
      agents: 4,
      arrivalsPerHour: 20,
      handlingMs: 6 * MIN,
      targetMs: 5 * MIN,
    });
    const two = expectedAttainment({
      agents: 2,
      arrivalsPerHour: 20,
      handlingMs: 6 * MIN,
      targetMs: 5 * MIN,
    });
    expect(four).toBeGreaterThan(0.9);
    expect(two).toBe(0); // two agents for two erlangs never catch up
    // Half the agents off sick: attainment falls below an 80 % goal.
    const three = expectedAttainment({
      agents: 3,
      arrivalsPerHour: 20,
      handlingMs: 6 * MIN,
      targetMs: 5 * MIN,
    });
    expect(three).toBeLessThan(four);
  });
});

const t = useTestApp({ PUBLIC_URL: 'https://desk.acme.test' });
const mta = useRecipientMta();

describe('SLA prediction', () => {
  it('warns the lead when the queue outgrows the agents, long before the 75 % rule would', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    const call = async (method: 'POST' | 'PATCH' | 'PUT', url: string, body: unknown) => {
      const res = await api(t.app, method, url, { as, body });
      expect(res.statusCode, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body as { id: string };
    };
    const lead = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const team = await call('POST', '/api/v1/teams', {
      name: 'Support',
      kind: 'support',
      members: [{ userId: lead.id, lead: true }, { userId: agent.id }],
    });
    // One agent online (the lead is not): one free slot, then one every 15 minutes.
    await call('PUT', `/api/v1/agents/${agent.id}/presence`, { presence: 'online' });
    await call('POST', '/api/v1/sla/policies', {
      name: 'One hour',
      targets: { firstResponse: { seconds: 3600, businessHours: false } },
      warnAtPercent: [75],
    });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { conversationId } = await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `queue${String(i)}@example.com` },
        subject: `Waiting ${String(i)}`,
        text: 'Hello',
      });
      await call('PATCH', `/api/v1/conversations/${conversationId}`, { teamId: team.id });
      ids.push(conversationId);
    }
    const now = new Date();
    for (const id of ids)
      await evaluateConversationSla(t.services.db, {
        workspaceId: workspace.id,
        conversationId: id,
        now,
      });

    // What the manager sees: the inputs and each conversation's expected reach.
    const forecast = await api(t.app, 'GET', `/api/v1/teams/${team.id}/sla-forecast`, { as });
    expect(forecast.statusCode, JSON.stringify(forecast.body)).toBe(200);
    expect(forecast.body.inputs).toEqual({
      queued: 8,
      availableAgents: 1,
      freeSlots: 1,
      handlingSeconds: 900,
      handlingSamples: 0,
      arrivalsPerHour: 4,
    });
    const atRisk = (
      forecast.body.conversations as { id: string; atRisk: boolean; position: number }[]
    )
      .filter((c) => c.atRisk)
      .map((c) => c.id);
    // Positions 0–3 are reached within 45 minutes; 4 and later only after their due time.
    expect(atRisk).toEqual(ids.slice(4));
    // Each named as the agent app shows it: the number with the prefix, and the subject.
    expect(forecast.body.conversations[0]).toMatchObject({
      id: ids[0],
      displayNumber: `${workspace.ticketPrefix}${String(forecast.body.conversations[0].number)}`,
      subject: 'Waiting 0',
    });
    expect(forecast.body.staffing).toMatchObject({ targetSeconds: 3600, goal: 0.8 });

    // The job's part: each at-risk conversation announced once, while almost no time elapsed.
    const first = await announceForecast({
      db: t.services.db,
      workspaceId: workspace.id,
      teamId: team.id,
    });
    expect(first.atRisk.sort()).toEqual(ids.slice(4).sort());
    const again = await announceForecast({
      db: t.services.db,
      workspaceId: workspace.id,
      teamId: team.id,
    });
    expect(again.atRisk).toEqual([]);
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select(['aggregateId', 'data', 'broadcast'])
      .where('workspaceId', '=', workspace.id)
      .where('type', '=', 'conversation.sla_at_risk')
      .execute();
    expect(events).toHaveLength(4);
    expect(events[0]?.broadcast).toBe(true);
    expect(events[0]?.data).toMatchObject({ leadIds: [lead.id], inputs: { availableAgents: 1 } });
    // The fixed rule would only warn at 45 minutes in: no warning has fired yet.
    const warnings = await t.services.db
      .selectFrom('conversationEvents')
      .select('type')
      .where('workspaceId', '=', workspace.id)
      .where('type', '=', 'conversation.sla_warning')
      .execute();
    expect(warnings).toEqual([]);
    const timeline = await t.services.db
      .selectFrom('conversationEvents')
      .select(['data'])
      .where('conversationId', '=', ids[7] ?? '')
      .where('type', '=', 'conversation.sla_at_risk')
      .executeTakeFirstOrThrow();
    expect(timeline.data).toMatchObject({ position: 7, inputs: { queued: 8, freeSlots: 1 } });
    const slackMs = Date.parse(String(timeline.data.dueAt)) - Date.now();
    expect(slackMs).toBeGreaterThan(50 * MIN);
  });

  it('alerts the lead at most hourly when staffing falls below the goal', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    const lead = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
    const team = await api(t.app, 'POST', '/api/v1/teams', {
      as,
      body: {
        name: 'Night',
        kind: 'support',
        settings: { slaGoal: 0.95 },
        members: [{ userId: lead.id, lead: true }],
      },
    });
    await api(t.app, 'POST', '/api/v1/sla/policies', {
      as,
      body: { name: 'Fast', targets: { firstResponse: { seconds: 600, businessHours: false } } },
    });
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'night@example.com' },
      subject: 'Anyone there?',
      text: 'Hello',
    });
    await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as,
      body: { teamId: team.body.id },
    });
    // Nobody available: expected attainment 0.
    const first = await announceForecast({
      db: t.services.db,
      workspaceId: workspace.id,
      teamId: team.body.id as string,
    });
    expect(first.staffingAlert).toBe(true);
    const again = await announceForecast({
      db: t.services.db,
      workspaceId: workspace.id,
      teamId: team.body.id as string,
      now: new Date(Date.now() + 30 * MIN),
    });
    expect(again.staffingAlert).toBe(false);
    const later = await announceForecast({
      db: t.services.db,
      workspaceId: workspace.id,
      teamId: team.body.id as string,
      now: new Date(Date.now() + 61 * MIN),
    });
    expect(later.staffingAlert).toBe(true);
    const alerts = await t.services.db
      .selectFrom('outboxEvents')
      .select('data')
      .where('workspaceId', '=', workspace.id)
      .where('type', '=', 'team.sla_staffing_alert')
      .execute();
    expect(alerts).toHaveLength(2);
    expect(alerts[0]?.data).toMatchObject({
      leadIds: [lead.id],
      staffing: { expectedAttainment: 0, belowGoal: true, targetSeconds: 600, goal: 0.95 },
      inputs: { availableAgents: 0, queued: 1 },
    });

    // By email to the lead, with the numbers: the subscriber queues one mail per lead.
    const mailbox = await api(t.app, 'POST', '/api/v1/mailboxes', {
      as,
      body: {
        name: 'Help',
        address: `help-${workspace.slug}@acme.test`,
        transport: { host: '127.0.0.1', port: mta.port, ...MTA_LOGIN },
      },
    });
    expect(mailbox.statusCode).toBe(201);
    await t.services.outbox.drain();
    const { rows: jobs } = await sql<{
      payload: { workspaceId: string; eventId: number; userId?: string };
    }>`
      select j.payload from graphile_worker._private_jobs j
        join graphile_worker._private_tasks k on k.id = j.task_id
       where k.identifier = 'email.system' and j.payload->>'workspaceId' = ${workspace.id}
       order by j.id`.execute(t.services.db);
    expect(jobs.map((j) => j.payload.userId)).toEqual([lead.id, lead.id]);
    for (const job of jobs)
      await sendSystemMail(t.services, job.payload, {
        log: pino({ level: 'silent' }),
        attempt: 1,
        jobId: 'test',
      });
    const mails = mta.mailsTo(lead.email);
    expect(mails).toHaveLength(2);
    expect(mails[0]?.mail.subject).toBe('Night: expected SLA attainment 0%, below the goal of 95%');
    expect(mails[0]?.mail.text).toContain('Agents available now: 0');
    expect(mails[0]?.mail.text).toContain('Waiting in the queue: 1');
    expect(mails[0]?.mail.text).toContain('within 10 min: 0% (goal 95%)');
  });
});
