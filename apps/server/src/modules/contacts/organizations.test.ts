import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp();

async function agentOf(workspaceId: string, role: 'agent' | 'collaborator' | 'manager' = 'agent') {
  return tokenFor(t.services, await buildUser(t.services, { workspaceId, role }));
}

/** A customer who wrote in from `email`; returns the contact id. */
async function customer(workspaceId: string, email: string, name?: string) {
  const { conversationId } = await ingest(t.services.db, {
    workspaceId,
    channel: 'email',
    from: { kind: 'email', value: email, name: name ?? null },
    subject: 'Hello',
    text: 'Hello',
  });
  const row = await t.services.db
    .selectFrom('conversations')
    .select('contactId')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return row.contactId;
}

describe('organizations API', () => {
  it('creates, shows, edits and deletes an organization; domains are stored lower-case', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const created = await api(t.app, 'POST', '/api/v1/organizations', {
      as,
      body: {
        name: 'Volvo Cars',
        domains: ['Volvocars.COM', 'volvocars.com', 'Bücher.de.'],
        attributes: { tier: 'gold', seats: 120 },
        notes: 'Key account',
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Volvo Cars',
      domains: ['volvocars.com', 'xn--bcher-kva.de'],
      attributes: { tier: 'gold', seats: 120 },
      notes: 'Key account',
      contactCount: 0,
      contacts: [],
    });
    const id = created.body.id as string;
    const shown = await api(t.app, 'GET', `/api/v1/organizations/${id}`, { as });
    expect(shown.statusCode).toBe(200);
    expect(shown.body.name).toBe('Volvo Cars');

    const edited = await api(t.app, 'PATCH', `/api/v1/organizations/${id}`, {
      as,
      body: { name: 'Volvo Car AB', domains: ['volvocars.se'], notes: null },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'Volvo Car AB',
      domains: ['volvocars.se'],
      notes: null,
      attributes: { tier: 'gold', seats: 120 },
    });
    // The domain given up is free again.
    const other = await api(t.app, 'POST', '/api/v1/organizations', {
      as,
      body: { name: 'Someone else', domains: ['volvocars.com'] },
    });
    expect(other.statusCode).toBe(201);

    const manager = await agentOf(workspace.id, 'manager');
    const deleted = await api(t.app, 'DELETE', `/api/v1/organizations/${id}`, { as: manager });
    expect(deleted.statusCode).toBe(204);
    const gone = await api(t.app, 'GET', `/api/v1/organizations/${id}`, { as });
    expect(gone.statusCode).toBe(404);
    expect(gone.body.error.code).toBe('organization_not_found');
  });

  it('rejects a bad domain (400) and a domain another organization has (409 naming it)', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    for (const domain of ['not a domain', 'localhost', '192.168.0.1', '-bad.com', 'a..b.com']) {
      const res = await api(t.app, 'POST', '/api/v1/organizations', {
        as,
        body: { name: 'Bad', domains: ['fine.com', domain] },
      });
      expect(res.statusCode, domain).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'validation_failed',
        details: { issues: [{ path: 'body.domains.1' }] },
      });
    }
    const first = await api(t.app, 'POST', '/api/v1/organizations', {
      as,
      body: { name: 'Allegro', domains: ['allegro.pl'] },
    });
    const second = await api(t.app, 'POST', '/api/v1/organizations', {
      as,
      body: { name: 'Allegro Poland', domains: ['ALLEGRO.pl'] },
    });
    expect(second.statusCode).toBe(409);
    expect(second.body.error).toMatchObject({
      code: 'domain_taken',
      details: { domain: 'allegro.pl', organizationId: first.body.id },
    });
    const other = await api(t.app, 'POST', '/api/v1/organizations', {
      as,
      body: { name: 'Allegro Poland', domains: ['allegro.com'] },
    });
    const patched = await api(t.app, 'PATCH', `/api/v1/organizations/${other.body.id as string}`, {
      as,
      body: { domains: ['allegro.com', 'allegro.pl'] },
    });
    expect(patched.statusCode).toBe(409);
    expect(patched.body.error.details).toEqual({
      domain: 'allegro.pl',
      organizationId: first.body.id,
    });
    // Nothing of the refused change was kept.
    const unchanged = await api(t.app, 'GET', `/api/v1/organizations/${other.body.id as string}`, {
      as,
    });
    expect(unchanged.body.domains).toEqual(['allegro.com']);

    // Another workspace may have the same domain.
    const elsewhere = await buildWorkspace(t.services);
    const theirs = await api(t.app, 'POST', '/api/v1/organizations', {
      as: await agentOf(elsewhere.workspace.id),
      body: { name: 'Allegro', domains: ['allegro.pl'] },
    });
    expect(theirs.statusCode).toBe(201);
  });

  it('gives a domain to one of two organizations claiming it at once, even written directly', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const claims = await Promise.all(
      ['Spotify AB', 'Spotify Technology'].map((name) =>
        api(t.app, 'POST', '/api/v1/organizations', {
          as,
          body: { name, domains: ['spotify.com'] },
        }),
      ),
    );
    expect(claims.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const direct = t.services.db
      .insertInto('organizations')
      .values({
        workspaceId: workspace.id,
        id: '01a20000-0000-7000-8000-00000000000a',
        name: 'Sneaky',
        domains: ['spotify.com'],
        attributes: '{}',
      })
      .execute();
    await expect(direct).rejects.toThrow(/organization_domains_pkey/);
  });

  it('lists by name with a name-prefix filter and cursor pages', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    for (const name of ['Spotify', 'IKEA', 'ica', 'Ikano Bank', 'Klarna', '50%_off Ltd']) {
      await api(t.app, 'POST', '/api/v1/organizations', { as, body: { name } });
    }
    const names = async (query: string) =>
      (
        await api<{ data: { name: string }[] }>(t.app, 'GET', `/api/v1/organizations?${query}`, {
          as,
        })
      ).body.data.map((o) => o.name);
    expect(await names('')).toEqual([
      '50%_off Ltd',
      'ica',
      'Ikano Bank',
      'IKEA',
      'Klarna',
      'Spotify',
    ]);
    expect(await names('q=ik')).toEqual(['Ikano Bank', 'IKEA']);
    expect(await names('q=I')).toEqual(['ica', 'Ikano Bank', 'IKEA']);
    expect(await names('q=50%25_')).toEqual(['50%_off Ltd']);
    expect(await names('q=5_')).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { name: string }[]; nextCursor: string | null } } = await api(
        t.app,
        'GET',
        `/api/v1/organizations?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { as },
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((o) => o.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['50%_off Ltd', 'ica', 'Ikano Bank', 'IKEA', 'Klarna', 'Spotify']);

    const bad = await api(t.app, 'GET', '/api/v1/organizations?cursor=nonsense', { as });
    expect(bad.statusCode).toBe(400);
  });

  it('new contacts with an email at its domain join it; contacts can be moved by hand', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const as = await agentOf(workspace.id);
    const org = await api(t.app, 'POST', '/api/v1/organizations', {
      as,
      body: { name: 'Allegro', domains: ['allegro.pl'] },
    });
    const orgId = org.body.id as string;
    const anna = await customer(workspace.id, 'Anna.Nowak@Allegro.PL', 'Anna Nowak');
    const outsider = await customer(workspace.id, 'jan@gmail.com', 'Jan');
    const subdomain = await customer(workspace.id, 'ola@eu.allegro.pl');

    const detail = await api(t.app, 'GET', `/api/v1/organizations/${orgId}`, { as });
    expect(detail.body.contactCount).toBe(1);
    expect(detail.body.contacts.map((c: { id: string }) => c.id)).toEqual([anna]);
    expect(detail.body.contacts[0]).toMatchObject({ name: 'Anna Nowak', organizationId: orgId });

    const moved = await api(t.app, 'PATCH', `/api/v1/contacts/${outsider}`, {
      as,
      body: { organizationId: orgId },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.body.organizationId).toBe(orgId);
    const members = await api(t.app, 'GET', `/api/v1/contacts?organizationId=${orgId}`, { as });
    expect(members.body.data.map((c: { id: string }) => c.id).sort()).toEqual(
      [anna, outsider].sort(),
    );
    expect(
      (await api(t.app, 'GET', `/api/v1/contacts/${subdomain}`, { as })).body.organizationId,
    ).toBeNull();

    const unknown = await api(t.app, 'PATCH', `/api/v1/contacts/${outsider}`, {
      as,
      body: { organizationId: '01a20000-0000-7000-8000-000000000009' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body.error.code).toBe('organization_not_found');

    // Deleting the organization keeps its contacts, without an organization.
    const manager = await agentOf(workspace.id, 'manager');
    await api(t.app, 'DELETE', `/api/v1/organizations/${orgId}`, { as: manager });
    for (const id of [anna, outsider]) {
      const contact = await api(t.app, 'GET', `/api/v1/contacts/${id}`, { as });
      expect(contact.statusCode).toBe(200);
      expect(contact.body.organizationId).toBeNull();
    }
  });

  it("refuses another workspace's organization as a contact's organization (404)", async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    const theirs = await api(t.app, 'POST', '/api/v1/organizations', {
      as: await agentOf(b.workspace.id),
      body: { name: 'Theirs', domains: ['theirs.example.com'] },
    });
    const as = await agentOf(a.workspace.id);
    const mine = await customer(a.workspace.id, 'someone@theirs.example.com');
    expect(
      (await api(t.app, 'GET', `/api/v1/contacts/${mine}`, { as })).body.organizationId,
    ).toBeNull();
    const res = await api(t.app, 'PATCH', `/api/v1/contacts/${mine}`, {
      as,
      body: { organizationId: theirs.body.id },
    });
    expect(res.statusCode).toBe(404);
    const list = await api(t.app, 'GET', '/api/v1/organizations', { as });
    expect(list.body.data).toEqual([]);
  });

  it('lets collaborators read but not change; only managers and above delete', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await agentOf(workspace.id);
    const collaborator = await agentOf(workspace.id, 'collaborator');
    const org = await api(t.app, 'POST', '/api/v1/organizations', {
      as: agent,
      body: { name: 'Klarna' },
    });
    const id = org.body.id as string;
    expect(
      (await api(t.app, 'GET', `/api/v1/organizations/${id}`, { as: collaborator })).statusCode,
    ).toBe(200);
    const create = await api(t.app, 'POST', '/api/v1/organizations', {
      as: collaborator,
      body: { name: 'Nope' },
    });
    expect(create.statusCode).toBe(403);
    const patch = await api(t.app, 'PATCH', `/api/v1/organizations/${id}`, {
      as: collaborator,
      body: { name: 'Nope' },
    });
    expect(patch.statusCode).toBe(403);
    const byAgent = await api(t.app, 'DELETE', `/api/v1/organizations/${id}`, { as: agent });
    expect(byAgent.statusCode).toBe(403);
    const stillThere = await api(t.app, 'GET', `/api/v1/organizations/${id}`, { as: agent });
    expect(stillThere.body.name).toBe('Klarna');
  });
});
