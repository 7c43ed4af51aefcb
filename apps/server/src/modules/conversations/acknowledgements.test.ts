import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestApp } from '../../test/harness.js';
import { buildWorkspace } from '../../test/factories.js';
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
    const [, ack] = await messagesOf(result.conversationId);
    expect(ack).toMatchObject({
      seq: 2,
      kind: 'outbound',
      authorType: 'system',
      deliveryStatus: 'queued',
    });
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

  it('chooses the conversation’s language, then the contact’s, then the workspace’s', () => {
    expect(chooseLocale('zh-CN', 'pl')).toBe('zh');
    expect(chooseLocale(null, 'sv_SE')).toBe('sv');
    expect(chooseLocale('de', undefined, 'fa')).toBe('fa');
    expect(chooseLocale(null, null, 'de')).toBe('en');
  });
});
