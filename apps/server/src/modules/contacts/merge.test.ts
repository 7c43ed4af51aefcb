import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import type { Actor } from '../../platform/http.js';
import { ingest } from '../conversations/ingest.js';
import type { Identity } from './identities.js';
import { mergeContactsWithin } from './merge.service.js';

const t = useTestApp();

async function agentOf(workspaceId: string, role: 'agent' | 'collaborator' = 'agent') {
  return tokenFor(t.services, await buildUser(t.services, { workspaceId, role }));
}

/** A message from `from` (a new conversation for a new subject); returns the contact and conversation. */
async function write(
  workspaceId: string,
  from: Identity & { name?: string },
  subject: string,
  channel: 'email' | 'sms' = from.kind === 'email' ? 'email' : 'sms',
) {
  const { conversationId } = await ingest(t.services.db, {
    workspaceId,
    channel,
    from,
    subject,
    text: subject,
  });
  const row = await t.services.db
    .selectFrom('conversations')
    .select('contactId')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return { contactId: row.contactId, conversationId };
}

/** Rows of the workspace that a merge must neither lose nor duplicate. */
async function counts(workspaceId: string) {
  const count = async (table: 'conversations' | 'messages' | 'contactIdentities') =>
    Number(
      (
        await t.services.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('workspaceId', '=', workspaceId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    conversations: await count('conversations'),
    messages: await count('messages'),
    identities: await count('contactIdentities'),
  };
}

describe('merging contacts', () => {
  it('moves identities and conversations, fills empty fields, hides the source: nothing lost', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const target = await write(
      workspace.id,
      { kind: 'email', value: 'erik.johansson@example.se', name: 'Erik Johansson' },
      'Faktura',
    );
    const source = await write(workspace.id, { kind: 'email', value: 'erik@gmail.com' }, 'Order');
    const bySms = await write(workspace.id, { kind: 'phone', value: '+46701234567' }, 'SMS');
    await api(t.app, 'POST', `/api/v1/contacts/${source.contactId}/identities`, {
      as,
      body: { kind: 'phone', value: '+46701234567' },
    }).then((r) => expect(r.statusCode).toBe(409)); // the SMS sender is a third contact
    const org = await api(t.app, 'POST', '/api/v1/organizations', {
      as,
      body: { name: 'Volvo' },
    });
    await api(t.app, 'PATCH', `/api/v1/contacts/${source.contactId}`, {
      as,
      body: {
        name: 'Erik J',
        language: 'sv',
        notes: 'Calls in the morning',
        organizationId: org.body.id,
        attributes: { plan: 'pro', vip: true, seats: 5 },
      },
    });
    await api(t.app, 'PATCH', `/api/v1/contacts/${target.contactId}`, {
      as,
      body: { notes: 'Prefers email', attributes: { plan: 'basic', seats: null } },
    });
    // First the SMS contact into the source, then the source into the target.
    const first = await api(t.app, 'POST', `/api/v1/contacts/${bySms.contactId}/merge`, {
      as,
      body: { into: source.contactId },
    });
    expect(first.statusCode).toBe(200);
    const before = await counts(workspace.id);

    const res = await api(t.app, 'POST', `/api/v1/contacts/${source.contactId}/merge`, {
      as,
      body: { into: target.contactId },
    });
    expect(res.statusCode).toBe(200);
    expect(await counts(workspace.id)).toEqual(before);
    expect(res.body).toMatchObject({
      id: target.contactId,
      name: 'Erik Johansson',
      language: 'sv',
      notes: 'Prefers email\n\nCalls in the morning',
      organizationId: org.body.id,
      attributes: { plan: 'basic', seats: 5, vip: true },
      mergedIntoId: null,
    });
    expect(res.body.identities.map((i: Identity) => i.value).sort()).toEqual([
      '+46701234567',
      'erik.johansson@example.se',
      'erik@gmail.com',
    ]);
    expect(res.body.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [target.conversationId, source.conversationId, bySms.conversationId].sort(),
    );
    expect(
      res.body.conversations.every(
        (c: { contact: { id: string } }) => c.contact.id === target.contactId,
      ),
    ).toBe(true);
    // Every conversation shows the survivor's name, first email and phone (the copies were refreshed).
    const shown = new Set(
      res.body.conversations.map((c: { contact: object }) => JSON.stringify(c.contact)),
    );
    expect([...shown]).toEqual([
      JSON.stringify({
        id: target.contactId,
        name: 'Erik Johansson',
        email: 'erik.johansson@example.se',
        phone: '+46701234567',
      }),
    ]);

    // The source stays readable, empty, pointing at the target; lists leave it (and the SMS contact) out.
    const gone = await api(t.app, 'GET', `/api/v1/contacts/${source.contactId}`, { as });
    expect(gone.statusCode).toBe(200);
    expect(gone.body).toMatchObject({
      mergedIntoId: target.contactId,
      identities: [],
      conversations: [],
    });
    const smsContact = await api(t.app, 'GET', `/api/v1/contacts/${bySms.contactId}`, { as });
    expect(smsContact.body.mergedIntoId).toBe(target.contactId);
    const list = await api(t.app, 'GET', '/api/v1/contacts', { as });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([target.contactId]);

    // Each moved conversation says so on its timeline, by the agent who merged.
    for (const conversationId of [source.conversationId, bySms.conversationId]) {
      const timeline = await api(t.app, 'GET', `/api/v1/conversations/${conversationId}/events`, {
        as,
      });
      const changes = timeline.body.data.filter(
        (e: { type: string }) => e.type === 'conversation.contact_changed',
      );
      expect(changes.at(-1)).toMatchObject({
        actor: { type: 'user' },
        data: { from: source.contactId, to: target.contactId, reason: 'contact_merged' },
      });
    }
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select(['type', 'aggregateId', 'data'])
      .where('workspaceId', '=', workspace.id)
      .where('type', '=', 'contact.merged')
      .orderBy('id')
      .execute();
    expect(events.at(-1)).toMatchObject({
      aggregateId: target.contactId,
      data: { sourceId: source.contactId, targetId: target.contactId, conversations: 2 },
    });

    // The customer writes again from the merged address: it lands on the target.
    const later = await write(workspace.id, { kind: 'email', value: 'erik@gmail.com' }, 'Again');
    expect(later.contactId).toBe(target.contactId);
  });

  it('refuses merging into itself, a merged contact, or twice (409) and unknown contacts (404)', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const a = (await write(workspace.id, { kind: 'email', value: 'a@example.com' }, 'A')).contactId;
    const b = (await write(workspace.id, { kind: 'email', value: 'b@example.com' }, 'B')).contactId;
    const c = (await write(workspace.id, { kind: 'email', value: 'c@example.com' }, 'C')).contactId;
    const merge = (from: string, into: string) =>
      api(t.app, 'POST', `/api/v1/contacts/${from}/merge`, { as, body: { into } });

    const self = await merge(a, a);
    expect(self.statusCode).toBe(409);
    expect(self.body.error.code).toBe('conflict');
    expect((await merge(a, b)).statusCode).toBe(200);
    const twice = await merge(a, c);
    expect(twice.statusCode).toBe(409);
    expect(twice.body.error.details).toEqual({ mergedIntoId: b });
    const intoMerged = await merge(c, a);
    expect(intoMerged.statusCode).toBe(409);
    expect(intoMerged.body.error.details).toEqual({ mergedIntoId: b });
    const unknown = await merge(c, '01a20000-0000-7000-8000-000000000009');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body.error.code).toBe('contact_not_found');

    // A merged contact takes no more changes.
    const patch = await api(t.app, 'PATCH', `/api/v1/contacts/${a}`, { as, body: { name: 'x' } });
    expect(patch.statusCode).toBe(409);
    const identity = await api(t.app, 'POST', `/api/v1/contacts/${a}/identities`, {
      as,
      body: { kind: 'email', value: 'new@example.com' },
    });
    expect(identity.statusCode).toBe(409);

    // Merging the survivor on keeps every earlier merge pointing at the final contact.
    expect((await merge(b, c)).statusCode).toBe(200);
    const first = await api(t.app, 'GET', `/api/v1/contacts/${a}`, { as });
    expect(first.body.mergedIntoId).toBe(c);
  });

  it('answers 404 across workspaces and changes neither; collaborators may not merge', async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    const as = await agentOf(a.workspace.id);
    const mine = await write(a.workspace.id, { kind: 'email', value: 'mine@example.com' }, 'Mine');
    const theirs = await write(b.workspace.id, { kind: 'email', value: 'theirs@example.com' }, 'B');
    const into = await api(t.app, 'POST', `/api/v1/contacts/${mine.contactId}/merge`, {
      as,
      body: { into: theirs.contactId },
    });
    expect(into.statusCode).toBe(404);
    const from = await api(t.app, 'POST', `/api/v1/contacts/${theirs.contactId}/merge`, {
      as,
      body: { into: mine.contactId },
    });
    expect(from.statusCode).toBe(404);
    const rows = await t.services.db
      .selectFrom('conversations')
      .select(['id', 'contactId'])
      .where('id', 'in', [mine.conversationId, theirs.conversationId])
      .execute();
    expect(rows.find((r) => r.id === mine.conversationId)?.contactId).toBe(mine.contactId);
    expect(rows.find((r) => r.id === theirs.conversationId)?.contactId).toBe(theirs.contactId);

    const other = await write(a.workspace.id, { kind: 'email', value: 'other@example.com' }, 'O');
    const refused = await api(t.app, 'POST', `/api/v1/contacts/${other.contactId}/merge`, {
      as: await agentOf(a.workspace.id, 'collaborator'),
      body: { into: mine.contactId },
    });
    expect(refused.statusCode).toBe(403);
    const still = await api(t.app, 'GET', `/api/v1/contacts/${other.contactId}`, { as });
    expect(still.body.mergedIntoId).toBeNull();
  });

  it('a message arriving during a merge waits for it and lands on the surviving contact', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const source = await write(workspace.id, { kind: 'email', value: 'old@example.pl' }, 'Stare');
    const target = await write(workspace.id, { kind: 'email', value: 'new@example.pl' }, 'Nowe');
    await t.services.db
      .updateTable('conversations')
      .set({ status: 'closed' })
      .where('id', '=', source.conversationId)
      .execute();
    const actor: Actor = {
      workspaceId: workspace.id,
      userId: owner.id,
      role: 'owner',
      via: 'token',
      scopes: ['admin'],
      csrfToken: null,
      credentialId: 'test',
    };
    let arriving: Promise<{ conversationId: string }> | undefined;
    await t.services.db.transaction().execute(async (trx) => {
      await mergeContactsWithin(trx, {
        actor,
        sourceId: source.contactId,
        targetId: target.contactId,
      });
      arriving = ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: 'old@example.pl' },
        subject: 'Jeszcze raz',
        text: 'Jeszcze raz',
      });
      // Wait until the message is blocked on the merge's lock, then commit the merge.
      for (let i = 0; i < 100; i++) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`.execute(t.services.db);
        if ((rows[0]?.n ?? 0) > 0) break;
        await sleep(20);
      }
    });
    const { conversationId } = await (arriving as Promise<{ conversationId: string }>);
    const row = await t.services.db
      .selectFrom('conversations')
      .select('contactId')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect(row.contactId).toBe(target.contactId);
    const stranded = await t.services.db
      .selectFrom('conversations')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .where('contactId', '=', source.contactId)
      .execute();
    expect(stranded).toEqual([]);
  });
});
