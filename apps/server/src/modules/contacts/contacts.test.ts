import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp();

describe('contacts API', () => {
  it('shows a customer with their identities and whole history across channels', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const from = { kind: 'email' as const, value: 'Erik@Example.se', name: 'Erik Johansson' };
    const byEmail = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from,
      subject: 'Faktura',
      text: 'Hej',
    });
    await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'webform',
      from,
      subject: 'Leverans',
      text: 'Hej igen',
    });
    const list = await api(t.app, 'GET', '/api/v1/contacts', { as });
    expect(list.body.data).toHaveLength(1);
    const id = list.body.data[0].id as string;
    expect(list.body.data[0]).toMatchObject({
      name: 'Erik Johansson',
      identities: [{ kind: 'email', value: 'erik@example.se' }],
    });
    const detail = await api(t.app, 'GET', `/api/v1/contacts/${id}`, { as });
    expect(detail.body.conversations.map((c: { channel: string }) => c.channel).sort()).toEqual([
      'email',
      'webform',
    ]);
    expect(detail.body.conversations.map((c: { id: string }) => c.id)).toContain(
      byEmail.conversationId,
    );
  });

  it('lets agents edit name, language, notes and typed attributes; rejects bad ones', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+48601234567' },
      text: 'Dzień dobry',
    });
    const id = (await api(t.app, 'GET', '/api/v1/contacts', { as })).body.data[0].id as string;
    const res = await api(t.app, 'PATCH', `/api/v1/contacts/${id}`, {
      as,
      body: {
        name: 'Marek Zieliński',
        language: 'pl',
        notes: 'Prefers SMS',
        attributes: { plan: 'pro', seats: 12, vip: true },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Marek Zieliński',
      language: 'pl',
      attributes: { plan: 'pro', seats: 12, vip: true },
    });
    const bad = await api(t.app, 'PATCH', `/api/v1/contacts/${id}`, {
      as,
      body: { attributes: { 'bad key!': 1 } },
    });
    expect(bad.statusCode).toBe(400);
    const nested = await api(t.app, 'PATCH', `/api/v1/contacts/${id}`, {
      as,
      body: { attributes: { plan: { nested: true } } },
    });
    expect(nested.statusCode).toBe(400);
    const collaborator = await buildUser(t.services, {
      workspaceId: workspace.id,
      role: 'collaborator',
    });
    const refused = await api(t.app, 'PATCH', `/api/v1/contacts/${id}`, {
      as: await tokenFor(t.services, collaborator),
      body: { name: 'x' },
    });
    expect(refused.statusCode).toBe(403);
  });

  it('documents contacts, identities, merge and organizations with their error codes in OpenAPI', async () => {
    const res = await api(t.app, 'GET', '/api/openapi.json');
    const paths = Object.keys(res.body.paths as Record<string, unknown>);
    for (const path of [
      '/api/v1/contacts/{id}/identities',
      '/api/v1/contacts/{id}/identities/{kind}/{value}',
      '/api/v1/contacts/{id}/merge',
      '/api/v1/organizations',
      '/api/v1/organizations/{id}',
    ]) {
      expect(paths).toContain(path);
    }
    for (const code of ['identity_taken', 'last_identity', 'domain_taken', 'contact_not_found'])
      expect(res.body.info.description).toContain(code);
  });
});
