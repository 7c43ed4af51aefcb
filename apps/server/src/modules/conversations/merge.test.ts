import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from './ingest.js';

const t = useTestApp();

async function setup() {
  const { workspace } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id });
  const from = { kind: 'email' as const, value: 'erik@example.se' };
  const base = { workspaceId: workspace.id, channel: 'email' as const, from };
  const hour = 3_600_000;
  const now = Date.now();
  const target = await ingest(t.services.db, {
    ...base,
    subject: 'Faktura',
    text: 't1',
    ownThreadKeys: ['<t@x>'],
    receivedAt: new Date(now - 5 * hour),
  });
  const source = await ingest(t.services.db, {
    ...base,
    subject: 'Faktura igen',
    text: 's1',
    ownThreadKeys: ['<s@x>'],
    receivedAt: new Date(now - 4 * hour),
  });
  await ingest(t.services.db, {
    ...base,
    text: 't2',
    threadKeys: ['<t@x>'],
    receivedAt: new Date(now - 3 * hour),
  });
  await ingest(t.services.db, {
    ...base,
    text: 's2',
    threadKeys: ['<s@x>'],
    receivedAt: new Date(now - 2 * hour),
  });
  return { workspace, agent, as: await tokenFor(t.services, agent), target, source, base };
}

describe('merging conversations', () => {
  it('moves messages after the target’s own in time order, closes the source, and redirects its thread', async () => {
    const { as, target, source, base } = await setup();
    const res = await api(t.app, 'POST', `/api/v1/conversations/${source.conversationId}/merge`, {
      as,
      body: { into: target.conversationId },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ id: target.conversationId, messageCount: 4 });
    const messages = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${target.conversationId}/messages`,
      { as },
    );
    expect(messages.body.data.map((m: { seq: number; text: string }) => [m.seq, m.text])).toEqual([
      [1, 't1'],
      [2, 't2'],
      [3, 's1'],
      [4, 's2'],
    ]);
    const old = await api(t.app, 'GET', `/api/v1/conversations/${source.conversationId}`, { as });
    expect(old.body).toMatchObject({
      status: 'closed',
      mergedIntoId: target.conversationId,
      messageCount: 0,
    });
    // The customer answers the old thread, or quotes the old number: both land in the target.
    const reply = await ingest(t.services.db, { ...base, text: 's3', threadKeys: ['<s@x>'] });
    expect(reply.conversationId).toBe(target.conversationId);
    const quoted = await ingest(t.services.db, {
      ...base,
      text: 's4',
      ticketNumber: source.number,
    });
    expect(quoted.conversationId).toBe(target.conversationId);
    const timeline = await t.services.db
      .selectFrom('conversationEvents')
      .select(['conversationId', 'type'])
      .where('type', 'like', 'conversation.merged%')
      .execute();
    expect(timeline).toHaveLength(2);
  });

  it('refuses merging into itself, twice, or across workspaces', async () => {
    const { as, target, source } = await setup();
    const self = await api(t.app, 'POST', `/api/v1/conversations/${target.conversationId}/merge`, {
      as,
      body: { into: target.conversationId },
    });
    expect(self.statusCode).toBe(409);
    await api(t.app, 'POST', `/api/v1/conversations/${source.conversationId}/merge`, {
      as,
      body: { into: target.conversationId },
    });
    const twice = await api(t.app, 'POST', `/api/v1/conversations/${source.conversationId}/merge`, {
      as,
      body: { into: target.conversationId },
    });
    expect(twice.statusCode).toBe(409);
    const elsewhere = await setup();
    const across = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${elsewhere.source.conversationId}/merge`,
      { as, body: { into: target.conversationId } },
    );
    expect(across.statusCode).toBe(404);
    const intoOther = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${target.conversationId}/merge`,
      { as, body: { into: elsewhere.target.conversationId } },
    );
    expect(intoOther.statusCode).toBe(404);
    const stillThere = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${elsewhere.target.conversationId}/messages`,
      { as: elsewhere.as },
    );
    expect(stillThere.body.data).toHaveLength(2);
  });
});
