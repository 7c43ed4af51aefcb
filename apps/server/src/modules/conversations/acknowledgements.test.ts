import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { startJobs } from '../../runtime.js';
import type { Worker } from '../../platform/jobs.js';
import { acknowledgementJobs, chooseLocale } from './acknowledgements.js';
import { ingest } from './ingest.js';

const t = useTestApp();
let worker: Worker | null = null;

beforeAll(async () => {
  await t.services.outbox.start();
  worker = await startJobs(t.services, 2);
});
afterAll(async () => {
  await worker?.stop();
});

async function messagesOf(conversationId: string) {
  return t.services.db
    .selectFrom('messages')
    .select(['seq', 'kind', 'authorType', 'text', 'deliveryStatus', 'metadata'])
    .where('conversationId', '=', conversationId)
    .orderBy('seq')
    .execute();
}

describe('acknowledgement with the ticket number', () => {
  it('answers a new conversation at once, in its language, queued for the channel', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const result = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'kasia@example.pl', name: 'Kasia' },
      subject: 'Zamówienie',
      text: 'Gdzie jest moja paczka?',
      languageHint: 'pl',
    });
    await vi.waitFor(async () => expect(await messagesOf(result.conversationId)).toHaveLength(2), {
      timeout: 10_000,
      interval: 100,
    });
    // Written `queued` for the channel; the email channel (email/send.job.ts) then fails it,
    // as this workspace has no mailbox to send from (delivery itself: email/outbound.test.ts).
    const ack = await vi.waitFor(
      async () => {
        const [, written] = await messagesOf(result.conversationId);
        expect(written?.deliveryStatus).toBe('failed');
        return written;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(ack).toMatchObject({ seq: 2, kind: 'outbound', authorType: 'system' });
    expect(ack?.metadata.deliveryError).toMatch(/no mailbox/i);
    expect(ack?.text).toContain('Dzień dobry Kasia,');
    expect(ack?.text).toContain('#1001');
    expect(ack?.text).toContain(`/portal/${workspace.slug}/tickets/1001`);
    expect(ack?.metadata).toMatchObject({
      automatic: true,
      subject: '[#1001] Otrzymaliśmy Twoje zgłoszenie',
    });
    const conversation = await t.services.db
      .selectFrom('conversations')
      .select(['firstResponseAt', 'preview'])
      .where('id', '=', result.conversationId)
      .executeTakeFirstOrThrow();
    expect(conversation.firstResponseAt).toBeNull(); // an automatic answer is not a response
    expect(conversation.preview).toBe('Gdzie jest moja paczka?');
  });

  it('is sent once even when the job runs again', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const result = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'whatsapp',
      from: { kind: 'whatsapp', value: '+989123456789', name: 'مریم' },
      text: 'سلام',
      languageHint: 'fa',
    });
    await vi.waitFor(async () => expect(await messagesOf(result.conversationId)).toHaveLength(2), {
      timeout: 10_000,
      interval: 100,
    });
    const [job] = acknowledgementJobs(t.services);
    await job?.handler(
      { workspaceId: workspace.id, conversationId: result.conversationId },
      { log: pino({ level: 'silent' }), attempt: 2, jobId: 'again' },
    );
    const messages = await messagesOf(result.conversationId);
    expect(messages).toHaveLength(2);
    expect(messages[1]?.text).toContain('مریم عزیز، سلام');
  });

  it('never answers automatic mail', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const result = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'noreply@example.com' },
      subject: 'Out of office',
      text: 'I am away',
      automated: true,
    });
    await t.services.outbox.drain();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await messagesOf(result.conversationId)).toHaveLength(1);
  });

  it('uses the workspace’s own template for the language, and none when switched off', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner, ['read', 'write', 'admin']);
    const templates = await api(t.app, 'GET', '/api/v1/workspace/acknowledgement-templates', {
      as,
    });
    expect(templates.statusCode).toBe(200);
    expect(templates.body.data.map((x: { locale: string }) => x.locale)).toEqual([
      'en',
      'pl',
      'sv',
      'fa',
      'zh',
    ]);
    expect(templates.body.data[4]).toMatchObject({ customized: false, updatedAt: null });

    const put = await api(t.app, 'PUT', '/api/v1/workspace/acknowledgement-templates/zh', {
      as,
      body: {
        subject: '工单 {number}',
        body: '{greeting}\n我们收到了:{subject}。工单号 {number}。',
      },
    });
    expect(put.statusCode).toBe(200);
    expect(put.body).toMatchObject({ locale: 'zh', customized: true });

    const result = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'chat',
      from: { kind: 'chat', value: 'visitor-zh-0000000001', name: '王芳' },
      subject: '退款',
      text: '我想申请退款',
      languageHint: 'zh-CN',
    });
    await vi.waitFor(async () => expect(await messagesOf(result.conversationId)).toHaveLength(2), {
      timeout: 10_000,
      interval: 100,
    });
    const [, ack] = await messagesOf(result.conversationId);
    expect(ack?.text).toBe('王芳,您好!\n我们收到了:退款。工单号 #1001。');
    expect(ack?.metadata).toMatchObject({ subject: '工单 #1001' });

    const off = await api(t.app, 'PATCH', '/api/v1/workspace', {
      as,
      body: { acknowledgementsEnabled: false },
    });
    expect(off.body).toMatchObject({ acknowledgementsEnabled: false });
    const quiet = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'chat',
      from: { kind: 'chat', value: 'visitor-zh-0000000002' },
      text: '你好',
    });
    await t.services.outbox.drain();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await messagesOf(quiet.conversationId)).toHaveLength(1);

    const reset = await api(t.app, 'DELETE', '/api/v1/workspace/acknowledgement-templates/zh', {
      as,
    });
    expect(reset.statusCode).toBe(204);
    const after = await api(t.app, 'GET', '/api/v1/workspace/acknowledgement-templates', { as });
    expect(after.body.data[4]).toMatchObject({
      customized: false,
      subject: '[{number}] 我们已收到您的请求',
    });
  });

  it('refuses a template without the number, with unknown placeholders, or from an agent', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner, ['read', 'write', 'admin']);
    const url = '/api/v1/workspace/acknowledgement-templates/sv';
    const noNumber = await api(t.app, 'PUT', url, { as, body: { subject: 'Hej', body: 'Tack!' } });
    expect(noNumber.statusCode).toBe(400);
    expect(noNumber.body.error).toMatchObject({ code: 'validation_failed' });
    expect(noNumber.body.error.message).toContain('{number}');
    const unknown = await api(t.app, 'PUT', url, {
      as,
      body: { subject: '{number}', body: 'Hej {kundnamn}' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body.error.message).toContain('{kundnamn}');
    const badLocale = await api(t.app, 'PUT', '/api/v1/workspace/acknowledgement-templates/de', {
      as,
      body: { subject: '{number}', body: 'Hallo' },
    });
    expect(badLocale.statusCode).toBe(400);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const denied = await api(t.app, 'PUT', url, {
      as: await tokenFor(t.services, agent),
      body: { subject: '{number}', body: 'Hej' },
    });
    expect(denied.statusCode).toBe(403);
    const stored = await t.services.db
      .selectFrom('acknowledgementTemplates')
      .select('locale')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(stored).toEqual([]);
  });

  it('chooses the conversation’s language, then the contact’s, then the workspace’s', () => {
    expect(chooseLocale('zh-CN', 'pl')).toBe('zh');
    expect(chooseLocale(null, 'sv_SE')).toBe('sv');
    expect(chooseLocale('de', undefined, 'fa')).toBe('fa');
    expect(chooseLocale(null, null, 'de')).toBe('en');
  });
});
