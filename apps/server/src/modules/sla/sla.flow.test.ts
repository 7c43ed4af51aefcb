import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BroadcastMessage } from '../../platform/broadcast.js';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';
import { MTA_LOGIN, useMailFlow, useRecipientMta } from '../../test/mail.js';
import { usePushService } from '../../test/push.js';
import { ingest } from '../conversations/ingest.js';

// The whole path in real time: outbox → SLA subscribers → job `sla.check` at the exact
// moment → timeline, broadcast to the agent app, email and Web Push to the assignee and the
// team lead.
const t = useTestApp({ PUBLIC_URL: 'https://desk.acme.test' });
useMailFlow(t);
const mta = useRecipientMta();
const push = usePushService();

const heard: BroadcastMessage[] = [];
let stopListening: (() => void) | null = null;
beforeAll(() => {
  stopListening = t.services.broadcaster.subscribe((message) => heard.push(message));
});
afterAll(() => stopListening?.());

const waitFor = <T>(check: () => Promise<T> | T, timeout = 20_000) =>
  vi.waitFor(check, { timeout, interval: 100 });

describe('SLA warnings and breaches in real time', () => {
  it('warns and breaches once, at the moment, and tells the assignee and the lead in the app, by email and by Web Push', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    const call = async (method: 'POST' | 'PATCH', url: string, body: unknown) => {
      const res = await api(t.app, method, url, { as, body });
      expect(res.statusCode, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body as { id: string };
    };
    await call('POST', '/api/v1/mailboxes', {
      name: 'Help',
      address: `help-${workspace.slug}@acme.test`,
      displayName: 'Acme Help',
      transport: { host: '127.0.0.1', port: mta.port, ...MTA_LOGIN },
    });
    const lead = await buildUser(t.services, {
      workspaceId: workspace.id,
      role: 'manager',
      name: 'Lena Lead',
    });
    const agent = await buildUser(t.services, { workspaceId: workspace.id, name: 'Ali Agent' });
    // The agent wants no breach mails (warnings yes).
    const asAgent = await sessionFor(t.services, agent);
    const prefs = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: asAgent,
      body: { notificationPreferences: { email: { slaBreached: false } } },
    });
    expect(prefs.statusCode).toBe(200);
    // The lead's browser is subscribed to Web Push.
    const browser = push.subscription(`/push/${lead.id}`);
    const subscribed = await api(t.app, 'POST', '/api/v1/push-subscriptions', {
      as: await sessionFor(t.services, lead),
      body: browser,
    });
    expect(subscribed.statusCode).toBe(201);
    const team = await call('POST', '/api/v1/teams', {
      name: 'Support',
      kind: 'support',
      members: [{ userId: lead.id, lead: true }, { userId: agent.id }],
    });
    await call('POST', '/api/v1/sla/policies', {
      name: 'One minute',
      targets: { firstResponse: { seconds: 60, businessHours: false } },
      warnAtPercent: [50],
    });

    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'customer@example.com', name: 'Cleo Customer' },
      subject: 'Where is my order?',
      text: 'It has not arrived.',
    });
    const row = () =>
      t.services.db
        .selectFrom('conversations')
        .select(['createdAt', 'slaPolicyId', 'firstResponseDueAt', 'slaBreachedAt'])
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();
    // Evaluated on creation, through the event and the job.
    await waitFor(async () => expect((await row()).firstResponseDueAt).not.toBeNull());

    // Assigned to the agent in the lead's team; every event and evaluation of it settled.
    await call('PATCH', `/api/v1/conversations/${conversationId}`, {
      teamId: team.id,
      assigneeId: agent.id,
    });
    await waitFor(async () => {
      const { rows } = await sql<{ events: number; jobs: number }>`
        select (select count(*)::int from outbox_events
                 where workspace_id = ${workspace.id} and dispatched_at is null) as events,
               (select count(*)::int from graphile_worker.jobs
                 where key = ${`sla.check:${conversationId}`} and run_at <= now()) as jobs`.execute(
        t.services.db,
      );
      expect(rows[0]).toEqual({ events: 0, jobs: 0 });
    });

    // Pretend it arrived 57 s ago (the warning's moment has passed, the due time is 3 s
    // away), and change it so it is evaluated again through the same path.
    await sql`update conversations set created_at = created_at - interval '57 seconds'
               where id = ${conversationId}`.execute(t.services.db);
    await call('PATCH', `/api/v1/conversations/${conversationId}`, { tags: ['late'] });
    const created = (await row()).createdAt.getTime();
    const dueAt = created + 60_000;
    await waitFor(async () => expect((await row()).firstResponseDueAt?.getTime()).toBe(dueAt));

    const notices = () =>
      t.services.db
        .selectFrom('conversationEvents')
        .select(['type', 'createdAt'])
        .where('conversationId', '=', conversationId)
        .where('type', 'in', ['conversation.sla_warning', 'conversation.sla_breached'])
        .orderBy('id')
        .execute();
    await waitFor(async () =>
      expect((await notices()).map((n) => n.type)).toContain('conversation.sla_breached'),
    );
    const breach = (await notices()).find((n) => n.type === 'conversation.sla_breached');
    // At the due time, not before it, and without a polling scan's delay.
    expect(breach?.createdAt.getTime()).toBeGreaterThanOrEqual(dueAt);
    expect((breach?.createdAt.getTime() ?? 0) - dueAt).toBeLessThan(3_500);
    expect((await row()).slaBreachedAt?.getTime()).toBe(dueAt);

    // The agent app heard both, addressed to the assignee and the lead.
    await waitFor(() =>
      expect(
        heard.filter(
          (m) => m.type === 'conversation.sla_breached' && m.workspaceId === workspace.id,
        ),
      ).toHaveLength(1),
    );
    const warning = heard.find(
      (m) => m.type === 'conversation.sla_warning' && m.workspaceId === workspace.id,
    );
    expect(JSON.stringify(warning)).toContain(lead.id);
    // …and both sit in their notification centres: the lead's and the assignee's.
    const centre = (userId: string) =>
      t.services.db
        .selectFrom('notifications')
        .select('type')
        .where('userId', '=', userId)
        .where('conversationId', '=', conversationId)
        .where('type', 'in', ['sla_warning', 'sla_breached'])
        .orderBy('id')
        .execute();
    await waitFor(async () =>
      expect((await centre(lead.id)).map((n) => n.type)).toEqual(['sla_warning', 'sla_breached']),
    );
    expect((await centre(agent.id)).map((n) => n.type)).toEqual(['sla_warning', 'sla_breached']);

    // Email: the lead gets both; the agent only the warning (their preference; their other
    // mail says the conversation was assigned to them).
    const slaMails = (address: string) =>
      mta.mailsTo(address).filter((r) => (r.mail.subject ?? '').includes('SLA'));
    await waitFor(() => expect(slaMails(lead.email)).toHaveLength(2));
    await waitFor(() => expect(slaMails(agent.email)).toHaveLength(1));
    const subjects = mta.mailsTo(lead.email).map((r) => r.mail.subject ?? '');
    expect(subjects.some((s) => s.includes('SLA warning: first response'))).toBe(true);
    expect(subjects.some((s) => s.includes('SLA breached: first response'))).toBe(true);
    expect(slaMails(agent.email)[0]?.mail.subject).toContain('SLA warning');
    expect(mta.mailsTo(lead.email)[0]?.mail.text).toContain(
      `https://desk.acme.test/app/conversations/${conversationId}`,
    );

    // Web Push: the lead's browser got both, signed and encrypted (checked by the service).
    await waitFor(() =>
      expect(push.received.filter((p) => p.path === `/push/${lead.id}`)).toHaveLength(2),
    );
    expect(push.refused).toEqual([]);
    expect(push.received.map((p) => p.payload.type).sort()).toEqual([
      'sla_breached',
      'sla_warning',
    ]);

    // Once each, however long we wait.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await notices()).map((n) => n.type)).toEqual([
      'conversation.sla_warning',
      'conversation.sla_breached',
    ]);
    expect(mta.mailsTo(lead.email)).toHaveLength(2);
    expect(slaMails(agent.email)).toHaveLength(1);
  });
});
