import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp();

async function agentOf(workspaceId: string, role: 'agent' | 'collaborator' = 'agent') {
  return tokenFor(t.services, await buildUser(t.services, { workspaceId, role }));
}

async function customer(workspaceId: string, email: string) {
  const { conversationId } = await ingest(t.services.db, {
    workspaceId,
    channel: 'email',
    from: { kind: 'email', value: email },
    text: 'Hello',
  });
  const row = await t.services.db
    .selectFrom('conversations')
    .select('contactId')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return row.contactId;
}

describe('identities by hand', () => {
  it('adds identities in their canonical form: lower-case email, E.164 phone', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const id = await customer(workspace.id, 'marek@example.pl');
    const add = (body: Record<string, string>) =>
      api(t.app, 'POST', `/api/v1/contacts/${id}/identities`, { as, body });

    const polish = await add({ kind: 'phone', value: '+48 601-234-567' });
    expect(polish.statusCode).toBe(201);
    const swedish = await add({ kind: 'whatsapp', value: '070-123 45 67', country: 'SE' });
    expect(swedish.statusCode).toBe(201);
    const email = await add({ kind: 'email', value: '  Marek.Z@Firma.PL ' });
    expect(email.statusCode).toBe(201);
    expect(email.body.identities).toEqual([
      { kind: 'email', value: 'marek@example.pl' },
      { kind: 'phone', value: '+48601234567' },
      { kind: 'whatsapp', value: '+46701234567' },
      { kind: 'email', value: 'marek.z@firma.pl' },
    ]);
    // The same identity again, typed differently: nothing changes.
    const again = await add({ kind: 'phone', value: '601 234 567', country: 'PL' });
    expect(again.statusCode).toBe(200);
    expect(again.body.identities).toHaveLength(4);

    // A message from the new number finds this contact.
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+48601234567' },
      text: 'Dzień dobry',
    });
    const conversation = await api(t.app, 'GET', `/api/v1/conversations/${conversationId}`, { as });
    expect(conversation.body.contact.id).toBe(id);
  });

  it('rejects an invalid phone number, email or country with 400', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const id = await customer(workspace.id, 'someone@example.se');
    for (const body of [
      { kind: 'phone', value: '+48 12' },
      { kind: 'phone', value: '070-123 45 67' },
      { kind: 'email', value: 'not-an-email' },
      { kind: 'telegram', value: '@handle' },
      { kind: 'phone', value: '070-123 45 67', country: 'XX' },
      { kind: 'fax', value: '+48601234567' },
    ]) {
      const res = await api(t.app, 'POST', `/api/v1/contacts/${id}/identities`, { as, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const contact = await api(t.app, 'GET', `/api/v1/contacts/${id}`, { as });
    expect(contact.body.identities).toHaveLength(1);
  });

  it('answers 409 identity_taken naming the contact that has it, so the UI can offer a merge', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const erik = await customer(workspace.id, 'erik@example.se');
    const other = await customer(workspace.id, 'erik.johansson@example.se');
    const res = await api(t.app, 'POST', `/api/v1/contacts/${other}/identities`, {
      as,
      body: { kind: 'email', value: 'ERIK@example.se' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'identity_taken',
      details: { kind: 'email', value: 'erik@example.se', contactId: erik },
    });
  });

  it('removes an identity by its URL-encoded value, but never the last one', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const id = await customer(workspace.id, 'ola@example.pl');
    await api(t.app, 'POST', `/api/v1/contacts/${id}/identities`, {
      as,
      body: { kind: 'phone', value: '+48 601 234 567' },
    });
    const missing = await api(
      t.app,
      'DELETE',
      `/api/v1/contacts/${id}/identities/phone/${encodeURIComponent('+48601234568')}`,
      { as },
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.body.error.code).toBe('identity_not_found');
    const removed = await api(
      t.app,
      'DELETE',
      `/api/v1/contacts/${id}/identities/phone/${encodeURIComponent('+48601234567')}`,
      { as },
    );
    expect(removed.statusCode).toBe(204);
    const last = await api(
      t.app,
      'DELETE',
      `/api/v1/contacts/${id}/identities/email/ola%40example.pl`,
      {
        as,
      },
    );
    expect(last.statusCode).toBe(409);
    expect(last.body.error.code).toBe('last_identity');
    const contact = await api(t.app, 'GET', `/api/v1/contacts/${id}`, { as });
    expect(contact.body.identities).toEqual([{ kind: 'email', value: 'ola@example.pl' }]);

    // The removed number is free: a message from it starts a new contact.
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+48601234567' },
      text: 'Hej',
    });
    const conversation = await api(t.app, 'GET', `/api/v1/conversations/${conversationId}`, { as });
    expect(conversation.body.contact.id).not.toBe(id);
  });

  it("does not let one contact's identity be removed through another contact", async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const first = await customer(workspace.id, 'first@example.com');
    const second = await customer(workspace.id, 'second@example.com');
    await api(t.app, 'POST', `/api/v1/contacts/${second}/identities`, {
      as,
      body: { kind: 'telegram', value: '123456789' },
    });
    const res = await api(
      t.app,
      'DELETE',
      `/api/v1/contacts/${first}/identities/email/second%40example.com`,
      {
        as,
      },
    );
    expect(res.statusCode).toBe(404);
    const contact = await api(t.app, 'GET', `/api/v1/contacts/${second}`, { as });
    expect(contact.body.identities).toHaveLength(2);
  });

  it("answers 404 for another workspace's contact and 403 to collaborators", async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    const theirs = await customer(b.workspace.id, 'private@example.com');
    const as = await agentOf(a.workspace.id);
    const add = await api(t.app, 'POST', `/api/v1/contacts/${theirs}/identities`, {
      as,
      body: { kind: 'email', value: 'mine@example.com' },
    });
    expect(add.statusCode).toBe(404);
    expect(add.body.error.code).toBe('contact_not_found');

    const mine = await customer(a.workspace.id, 'mine@example.com');
    const collaborator = await agentOf(a.workspace.id, 'collaborator');
    const refused = await api(t.app, 'POST', `/api/v1/contacts/${mine}/identities`, {
      as: collaborator,
      body: { kind: 'email', value: 'also-mine@example.com' },
    });
    expect(refused.statusCode).toBe(403);
    await api(t.app, 'POST', `/api/v1/contacts/${mine}/identities`, {
      as,
      body: { kind: 'email', value: 'also-mine@example.com' },
    });
    const removeRefused = await api(
      t.app,
      'DELETE',
      `/api/v1/contacts/${mine}/identities/email/also-mine%40example.com`,
      { as: collaborator },
    );
    expect(removeRefused.statusCode).toBe(403);
  });
});
