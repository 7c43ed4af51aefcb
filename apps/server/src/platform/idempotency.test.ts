import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../test/harness.js';
import { buildUser, tokenFor } from '../test/factories.js';

const t = useTestApp();

async function conversationCount(workspaceId: string): Promise<number> {
  const rows = await t.services.db
    .selectFrom('conversations')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .execute();
  return rows.length;
}

const body = {
  contact: { email: 'retry@example.com' },
  subject: 'Zamówienie',
  text: 'Gdzie jest moja paczka?',
};

describe('Idempotency-Key', () => {
  it('answers a repeated create with the first response and creates once', async () => {
    const agent = await buildUser(t.services);
    const as = await tokenFor(t.services, agent);
    const headers = { 'idempotency-key': 'create-1' };
    const first = await api(t.app, 'POST', '/api/v1/conversations', { as, body, headers });
    const again = await api(t.app, 'POST', '/api/v1/conversations', { as, body, headers });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.conversation.id).toBe(first.body.conversation.id);
    expect(await conversationCount(agent.workspaceId)).toBe(1);
  });

  it('refuses the same key with a different body', async () => {
    const agent = await buildUser(t.services);
    const as = await tokenFor(t.services, agent);
    const headers = { 'idempotency-key': 'create-2' };
    await api(t.app, 'POST', '/api/v1/conversations', { as, body, headers });
    const other = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: { ...body, subject: 'Other' },
      headers,
    });
    expect(other.statusCode).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('does not remember failures, so the client can retry with the same key', async () => {
    const agent = await buildUser(t.services);
    const as = await tokenFor(t.services, agent);
    const headers = { 'idempotency-key': 'create-3' };
    const bad = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: { ...body, contact: { phone: '12' } },
      headers,
    });
    expect(bad.statusCode).toBe(400);
    const good = await api(t.app, 'POST', '/api/v1/conversations', { as, body, headers });
    expect(good.statusCode).toBe(201);
  });

  it('creates once when the same request arrives several times at once', async () => {
    const agent = await buildUser(t.services);
    const as = await tokenFor(t.services, agent);
    const headers = { 'idempotency-key': 'create-4' };
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => api(t.app, 'POST', '/api/v1/conversations', { as, body, headers })),
    );
    const created = results.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true);
    expect(await conversationCount(agent.workspaceId)).toBe(1);
  });

  it('keeps keys apart between workspaces and rejects malformed keys', async () => {
    const a = await buildUser(t.services);
    const b = await buildUser(t.services);
    const headers = { 'idempotency-key': 'shared-key' };
    const fromA = await api(t.app, 'POST', '/api/v1/conversations', {
      as: await tokenFor(t.services, a),
      body,
      headers,
    });
    const fromB = await api(t.app, 'POST', '/api/v1/conversations', {
      as: await tokenFor(t.services, b),
      body,
      headers,
    });
    expect(fromB.body.conversation.id).not.toBe(fromA.body.conversation.id);
    const malformed = await api(t.app, 'POST', '/api/v1/conversations', {
      as: await tokenFor(t.services, a),
      body,
      headers: { 'idempotency-key': 'x'.repeat(201) },
    });
    expect(malformed.statusCode).toBe(400);
  });
});
