import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildWorkspace, portalSessionFor, tokenFor } from '../../test/factories.js';
import { acknowledgementJobs, formatExpected } from '../conversations/acknowledgements.js';
import { ingest } from '../conversations/ingest.js';
import { evaluateConversationSla } from './sla.service.js';

// What the customer is told: the expected first answer in the acknowledgement (their
// language, their time zone) and the expected times in the portal.
const t = useTestApp();
const H = 3_600_000;

async function acknowledge(workspaceId: string, conversationId: string) {
  const [job] = acknowledgementJobs(t.services);
  if (!job) throw new Error('no acknowledgement job');
  await job.handler(
    { workspaceId, conversationId },
    { log: pino({ level: 'silent' }), attempt: 1, jobId: 'test' },
  );
  const ack = await t.services.db
    .selectFrom('messages')
    .select('text')
    .where('conversationId', '=', conversationId)
    .where('authorType', '=', 'system')
    .executeTakeFirstOrThrow();
  return ack.text;
}

describe('expected times for the customer', () => {
  it('tells the customer when to expect an answer, in their language and time zone, and shows it in the portal', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    const policy = await api(t.app, 'POST', '/api/v1/sla/policies', {
      as,
      body: {
        name: 'Two hours',
        targets: {
          firstResponse: { seconds: 2 * 3600, businessHours: false },
          resolution: { seconds: 24 * 3600, businessHours: false },
        },
      },
    });
    expect(policy.statusCode).toBe(201);
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'sara@example.se', name: 'Sara' },
      subject: 'Fakturan',
      text: 'Hej, fakturan stämmer inte.',
      languageHint: 'sv',
    });
    const conversation = await t.services.db
      .selectFrom('conversations')
      .select(['createdAt', 'contactId'])
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    await t.services.db
      .updateTable('contacts')
      .set({ attributes: JSON.stringify({ timeZone: 'Asia/Tehran' }) })
      .where('id', '=', conversation.contactId)
      .execute();

    // The acknowledgement is written before the SLA job may have run: it computes the time.
    const text = await acknowledge(workspace.id, conversationId);
    const due = new Date(conversation.createdAt.getTime() + 2 * H);
    expect(text).toContain(
      `Vi siktar på att svara senast ${formatExpected(due, 'sv', 'Asia/Tehran')}.`,
    );
    expect(text).toContain('(Asia/Tehran)');
    // In its own paragraph, before the last one.
    const paragraphs = text.split('\n\n');
    expect(paragraphs.at(-2)).toContain('Vi siktar på att svara senast');

    await evaluateConversationSla(t.services.db, { workspaceId: workspace.id, conversationId });
    const headers = await portalSessionFor(t.services, {
      workspaceId: workspace.id,
      conversationId,
    });
    const number = (
      await t.services.db
        .selectFrom('conversations')
        .select('number')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow()
    ).number;
    const ticket = await api(
      t.app,
      'GET',
      `/api/v1/portal/${workspace.slug}/tickets/${String(number)}`,
      { headers },
    );
    expect(ticket.statusCode, JSON.stringify(ticket.body)).toBe(200);
    expect(ticket.body.expected).toEqual({
      firstResponseBy: due.toISOString(),
      resolutionBy: new Date(conversation.createdAt.getTime() + 24 * H).toISOString(),
    });
  });

  it('promises nothing where no policy applies', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'sam@example.com', name: 'Sam' },
      subject: 'Question',
      text: 'Hello there, a question about my order.',
      languageHint: 'en',
    });
    const text = await acknowledge(workspace.id, conversationId);
    expect(text).toContain('Hello Sam,');
    expect(text).not.toContain('We aim to answer');
  });
});
