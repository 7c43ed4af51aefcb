import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp();

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id });
  const admin = await tokenFor(t.services, owner);
  const as = await tokenFor(t.services, agent);
  const define = async (body: Record<string, unknown>) => {
    const res = await api(t.app, 'POST', '/api/v1/custom-fields', { as: admin, body });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; key: string };
  };
  const open = async (text: string) =>
    (
      await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `k${Math.random().toString(36).slice(2)}@example.se` },
        subject: text,
        text,
      })
    ).conversationId;
  return { workspace, admin, as, define, open };
}

describe('custom fields', () => {
  it('keeps a key of several words as it was defined, in every answer', async () => {
    const { as, define, open } = await setup();
    await define({
      entity: 'conversation',
      key: 'order_number',
      label: 'Numer zamówienia',
      type: 'text',
    });
    const id = await open('Zamówienie nie dotarło');
    const set = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as,
      body: { customFields: { order_number: 'PL-1042' } },
    });
    expect(set.statusCode, JSON.stringify(set.body)).toBe(200);
    expect(set.body.customFields).toEqual({ order_number: 'PL-1042' });
    const read = await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as });
    expect(read.body.customFields).toEqual({ order_number: 'PL-1042' });
    const listed = await api(t.app, 'GET', '/api/v1/conversations?limit=50', { as });
    const row = listed.body.data.find((c: { id: string }) => c.id === id);
    expect(row.customFields).toEqual({ order_number: 'PL-1042' });
  });

  it('types conversation values, merges them, records each change and filters by them', async () => {
    const { as, define, open } = await setup();
    await define({
      entity: 'conversation',
      key: 'plan',
      label: 'Plan',
      type: 'select',
      options: ['free', 'pro', 'enterprise'],
    });
    await define({ entity: 'conversation', key: 'seats', label: 'Seats', type: 'number' });
    await define({ entity: 'conversation', key: 'renewal', label: 'Renewal', type: 'date' });
    await define({
      entity: 'conversation',
      key: 'modules',
      label: 'Modules',
      type: 'multiselect',
      options: ['chat', 'email', 'voice'],
    });
    await define({ entity: 'conversation', key: 'vip', label: 'VIP', type: 'boolean' });
    const a = await open('Faktura');
    const b = await open('Leverans');

    const set = await api(t.app, 'PATCH', `/api/v1/conversations/${a}`, {
      as,
      body: {
        customFields: {
          plan: 'enterprise',
          seats: 40,
          renewal: '2027-02-28',
          modules: ['chat', 'voice'],
        },
      },
    });
    expect(set.statusCode, JSON.stringify(set.body)).toBe(200);
    expect(set.body.customFields).toEqual({
      plan: 'enterprise',
      seats: 40,
      renewal: '2027-02-28',
      modules: ['chat', 'voice'],
    });
    const merged = await api(t.app, 'PATCH', `/api/v1/conversations/${a}`, {
      as,
      body: { customFields: { seats: null, vip: true } },
    });
    expect(merged.body.customFields).toEqual({
      plan: 'enterprise',
      renewal: '2027-02-28',
      modules: ['chat', 'voice'],
      vip: true,
    });
    await api(t.app, 'PATCH', `/api/v1/conversations/${b}`, {
      as,
      body: { customFields: { plan: 'pro', vip: false } },
    });

    const timeline = await api(t.app, 'GET', `/api/v1/conversations/${a}/events`, { as });
    const changes = timeline.body.data.filter(
      (e: { type: string }) => e.type === 'conversation.custom_field_changed',
    );
    expect(changes.map((e: { data: { field: string } }) => e.data.field)).toEqual([
      'plan',
      'seats',
      'renewal',
      'modules',
      'seats',
      'vip',
    ]);
    expect(changes[4].data).toEqual({ field: 'seats', from: 40, to: null });

    const ids = async (query: string) => {
      const res = await api<{ data: { id: string }[] }>(
        t.app,
        'GET',
        `/api/v1/conversations?${query}`,
        { as },
      );
      return res.body.data.map((c) => c.id);
    };
    expect(await ids('field.plan=enterprise')).toEqual([a]);
    expect(await ids('field.plan=pro')).toEqual([b]);
    expect(await ids('field.vip=true')).toEqual([a]);
    expect(await ids('field.vip=false')).toEqual([b]);
    expect(await ids('field.modules=voice')).toEqual([a]);
    expect(await ids('field.renewal=2027-02-28&field.plan=enterprise')).toEqual([a]);
    expect(await ids('field.plan=free')).toEqual([]);

    const unknownFilter = await api(t.app, 'GET', '/api/v1/conversations?field.colour=red', { as });
    expect(unknownFilter.statusCode).toBe(400);
    expect(unknownFilter.body.error.code).toBe('unknown_custom_field');
    const badFilter = await api(t.app, 'GET', '/api/v1/conversations?field.vip=maybe', { as });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.body.error.code).toBe('validation_failed');
  });

  it('refuses unknown fields and wrongly typed values, writing nothing', async () => {
    const { as, define, open } = await setup();
    await define({
      entity: 'conversation',
      key: 'plan',
      label: 'Plan',
      type: 'select',
      options: ['free', 'pro'],
    });
    await define({ entity: 'conversation', key: 'seats', label: 'Seats', type: 'number' });
    await define({ entity: 'conversation', key: 'renewal', label: 'Renewal', type: 'date' });
    const id = await open('Zwrot');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ colour: 'red' }, 'unknown_custom_field', 'customFields.colour'],
      [{ plan: 'gold' }, 'validation_failed', 'customFields.plan'],
      [{ seats: '12' }, 'validation_failed', 'customFields.seats'],
      [{ renewal: '2027-02-30' }, 'validation_failed', 'customFields.renewal'],
      [{ plan: 'pro', seats: 'many' }, 'validation_failed', 'customFields.seats'],
    ];
    for (const [customFields, code, field] of cases) {
      const res = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
        as,
        body: { customFields, status: 'open' },
      });
      expect(res.statusCode, JSON.stringify(customFields)).toBe(400);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.details.field).toBe(field);
    }
    const after = await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as });
    expect(after.body).toMatchObject({ status: 'new', customFields: {} });

    const created = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: {
        contact: { email: 'nowa@example.pl' },
        subject: 'Nowe',
        text: 'Treść',
        customFields: { plan: 'pro', seats: 3 },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body.conversation.customFields).toEqual({ plan: 'pro', seats: 3 });
    const refused = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: {
        contact: { email: 'inna@example.pl' },
        subject: 'x',
        text: 'y',
        customFields: { tier: 1 },
      },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.code).toBe('unknown_custom_field');
  });

  it('manages definitions: admins only, keys unique, options for choices, delete clears values', async () => {
    const { as, admin, define, open } = await setup();
    const denied = await api(t.app, 'POST', '/api/v1/custom-fields', {
      as,
      body: { entity: 'conversation', key: 'x', label: 'X', type: 'text' },
    });
    expect(denied.statusCode).toBe(403);
    const field = await define({
      entity: 'conversation',
      key: 'region',
      label: 'Region',
      type: 'select',
      options: ['EU', 'APAC'],
    });
    const duplicate = await api(t.app, 'POST', '/api/v1/custom-fields', {
      as: admin,
      body: { entity: 'conversation', key: 'region', label: 'Again', type: 'text' },
    });
    expect(duplicate.statusCode).toBe(409);
    // The same key on contacts is another field.
    await define({ entity: 'contact', key: 'region', label: 'Region', type: 'text' });
    for (const body of [
      { entity: 'conversation', key: 'tier', label: 'Tier', type: 'select' },
      { entity: 'conversation', key: 'note', label: 'Note', type: 'text', options: ['a'] },
      { entity: 'conversation', key: 'Bad-Key', label: 'Bad', type: 'text' },
      { entity: 'ticket', key: 'ok', label: 'Bad', type: 'text' },
      { entity: 'conversation', key: 'ok', label: 'Bad', type: 'colour' },
    ]) {
      const res = await api(t.app, 'POST', '/api/v1/custom-fields', { as: admin, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    const renamed = await api(t.app, 'PATCH', `/api/v1/custom-fields/${field.id}`, {
      as: admin,
      body: { label: 'Region (sales)', options: ['EU', 'APAC', 'AMER'] },
    });
    expect(renamed.body).toMatchObject({
      label: 'Region (sales)',
      options: ['EU', 'APAC', 'AMER'],
    });
    const typeChange = await api(t.app, 'PATCH', `/api/v1/custom-fields/${field.id}`, {
      as: admin,
      body: { type: 'text' },
    });
    expect(typeChange.statusCode).toBe(400);
    const list = await api(t.app, 'GET', '/api/v1/custom-fields?entity=conversation', { as });
    expect(list.body.data.map((f: { key: string }) => f.key)).toEqual(['region']);

    const id = await open('Region');
    await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as,
      body: { customFields: { region: 'AMER' } },
    });
    const deleted = await api(t.app, 'DELETE', `/api/v1/custom-fields/${field.id}`, { as: admin });
    expect(deleted.statusCode).toBe(204);
    const after = await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as });
    expect(after.body.customFields).toEqual({});
    const gone = await api(t.app, 'GET', `/api/v1/custom-fields/${field.id}`, { as });
    expect(gone.statusCode).toBe(404);
    expect(gone.body.error.code).toBe('custom_field_not_found');
  });

  it('types contact attributes that have a definition and merges them', async () => {
    const { as, define, open } = await setup();
    await define({
      entity: 'contact',
      key: 'tier',
      label: 'Tier',
      type: 'select',
      options: ['gold', 'silver'],
    });
    const conversation = await api(t.app, 'GET', `/api/v1/conversations/${await open('Hej')}`, {
      as,
    });
    const contactId = conversation.body.contact.id as string;
    const url = `/api/v1/contacts/${contactId}`;
    const bad = await api(t.app, 'PATCH', url, { as, body: { attributes: { tier: 'bronze' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.details.field).toBe('customFields.tier');
    await api(t.app, 'PATCH', url, { as, body: { attributes: { tier: 'gold', source: 'fair' } } });
    const merged = await api(t.app, 'PATCH', url, { as, body: { attributes: { source: null } } });
    expect(merged.body.attributes).toEqual({ tier: 'gold' });
  });
});
