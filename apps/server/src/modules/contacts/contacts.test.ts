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
    expect(detail.body.conversationsNextCursor).toBeNull();
  });

  it('pages a long history: the latest 100 with the contact, the rest from the list', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const from = { kind: 'email' as const, value: 'stamkund@example.se' };
    for (let i = 0; i < 103; i++)
      await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'webform',
        from,
        subject: `Beställning ${String(i)}`,
        text: 'Hej',
      });
    const id = (await api(t.app, 'GET', '/api/v1/contacts', { as })).body.data[0].id as string;
    const detail = await api(t.app, 'GET', `/api/v1/contacts/${id}`, { as });
    expect(detail.body.conversations).toHaveLength(100);
    const cursor = detail.body.conversationsNextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const rest = await api(
      t.app,
      'GET',
      `/api/v1/conversations?contactId=${id}&cursor=${encodeURIComponent(cursor)}`,
      { as },
    );
    expect(rest.body.data.map((c: { subject: string }) => c.subject)).toEqual([
      'Beställning 2',
      'Beställning 1',
      'Beställning 0',
    ]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('adds a customer by one identity, or finds the one who has it; writes nothing on bad input', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const created = await api(t.app, 'POST', '/api/v1/contacts', {
      as,
      body: {
        identity: { kind: 'phone', value: '070-123 45 67', country: 'SE' },
        name: 'Astrid Lind',
        language: 'sv',
        notes: 'Ringde om en faktura.',
        attributes: { plan: 'pro' },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Astrid Lind',
      language: 'sv',
      notes: 'Ringde om en faktura.',
      attributes: { plan: 'pro' },
      identities: [{ kind: 'phone', value: '+46701234567' }],
      conversations: [],
    });
    // The same number written another way is the same customer, returned as she is.
    const again = await api(t.app, 'POST', '/api/v1/contacts', {
      as,
      body: { identity: { kind: 'phone', value: '+46 70 123 45 67' }, name: 'Someone Else' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({ id: created.body.id, name: 'Astrid Lind' });
    // Her next SMS lands on her.
    await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+46701234567' },
      text: 'Hej',
    });
    const detail = await api(t.app, 'GET', `/api/v1/contacts/${created.body.id as string}`, { as });
    expect(detail.body.conversations).toHaveLength(1);

    const before = await t.services.db
      .selectFrom('contacts')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('workspaceId', '=', workspace.id)
      .executeTakeFirstOrThrow();
    for (const [body, code, status] of [
      [{ identity: { kind: 'phone', value: '12' } }, 'validation_failed', 400],
      [{ identity: { kind: 'email', value: 'not-an-email' } }, 'validation_failed', 400],
      [{ identity: { kind: 'email', value: 'a@example.com' }, extra: 1 }, 'validation_failed', 400],
      [
        {
          identity: { kind: 'email', value: 'b@example.com' },
          organizationId: '01900000-0000-7000-8000-000000000000',
        },
        'organization_not_found',
        404,
      ],
    ] as const) {
      const res = await api(t.app, 'POST', '/api/v1/contacts', { as, body });
      expect([res.statusCode, res.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
    }
    const after = await t.services.db
      .selectFrom('contacts')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('workspaceId', '=', workspace.id)
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
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
