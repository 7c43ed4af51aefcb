import { describe, expect, it } from 'vitest';
import { api, useTestApp, type As } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';
import { drainTeam } from './drain.js';
import { routeConversation } from './route.js';

const t = useTestApp();

/** A workspace with a manager and agents, and helpers that go through the real API. */
async function setup(agentNames: string[] = ['Anna', 'Bo', 'Cy']) {
  const { workspace } = await buildWorkspace(t.services);
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const asManager = await tokenFor(t.services, manager);
  const agents: Record<string, string> = {};
  for (const name of agentNames)
    agents[name] = (await buildUser(t.services, { workspaceId: workspace.id, name })).id;
  const ok = <T extends { statusCode: number; body: unknown }>(res: T, status = 200) => {
    expect(res.statusCode, JSON.stringify(res.body)).toBe(status);
    return res;
  };
  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    as: As = asManager,
  ) => api(t.app, method, url, { as, ...(body !== undefined ? { body } : {}) });
  const presence = async (name: string, value: 'online' | 'offline' | 'away') =>
    ok(await call('PUT', `/api/v1/agents/${agents[name]}/presence`, { presence: value }));
  const capacity = async (name: string, limits: Record<string, number>) =>
    ok(await call('PUT', `/api/v1/agents/${agents[name]}/capacity`, { limits }));
  const team = async (
    name: string,
    strategy: string,
    members: string[],
    extra: Record<string, unknown> = {},
  ) =>
    (
      ok(
        await call('POST', '/api/v1/teams', {
          name,
          kind: 'support',
          assignmentStrategy: strategy,
          members: members.map((m) => ({ userId: agents[m] })),
          ...extra,
        }),
        201,
      ).body as { id: string }
    ).id;
  let n = 0;
  /** A new customer conversation (its own contact unless `from` is given). */
  const conversation = async (
    props: { subject?: string; text?: string; from?: string; languageHint?: string } = {},
  ) =>
    (
      await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: props.from ?? `c${++n}-${Date.now()}@example.com` },
        subject: props.subject ?? `Question ${n}`,
        text: props.text ?? 'Hello, I have a question about my account.',
        ...(props.languageHint ? { languageHint: props.languageHint } : {}),
      })
    ).conversationId;
  const route = (conversationId: string, trigger: 'arrival' | 'drain' = 'arrival') =>
    routeConversation(t.services.db, { workspaceId: workspace.id, conversationId, trigger });
  const row = (id: string) =>
    t.services.db
      .selectFrom('conversations')
      .select(['assigneeId', 'teamId', 'priority', 'tags', 'requiredSkills', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const timeline = async (id: string) =>
    (
      ok(await call('GET', `/api/v1/conversations/${id}/events`)).body as {
        data: { type: string; data: Record<string, unknown> }[];
      }
    ).data;
  const nameOf = (id: string | null) =>
    Object.entries(agents).find(([, v]) => v === id)?.[0] ?? null;
  return {
    workspace,
    manager,
    asManager,
    agents,
    ok,
    call,
    presence,
    capacity,
    team,
    conversation,
    route,
    row,
    timeline,
    nameOf,
  };
}

describe('routing rules API', () => {
  it('creates, lists in order, reads, changes and deletes rules; refuses bad input', async () => {
    const s = await setup(['Anna']);
    const other = await setup(['Zed']);
    const teamId = await s.team('Billing', 'least_loaded', ['Anna']);
    const otherTeam = await other.team('Elsewhere', 'manual', ['Zed']);
    const skill = s.ok(
      await s.call('POST', '/api/v1/skills', { type: 'language', value: 'de' }),
      201,
    ).body as { id: string };

    const second = s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'Everything else',
        position: 20,
        actions: { teamId },
      }),
      201,
    ).body as { id: string };
    const first = s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'German invoices',
        position: 10,
        conditions: {
          languages: ['de'],
          keywords: ['Rechnung'],
          contact: { region: ['EU'] },
          hours: { from: '08:00', to: '18:00', weekdays: [1, 2, 3, 4, 5] },
        },
        actions: { teamId, requiredSkills: [skill.id], priority: 'high', tags: ['billing'] },
      }),
      201,
    ).body as { id: string; enabled: boolean };
    expect(first.enabled).toBe(true);

    const list = s.ok(await s.call('GET', '/api/v1/routing-rules')).body as {
      data: { id: string }[];
    };
    expect(list.data.map((r) => r.id)).toEqual([first.id, second.id]);
    expect(s.ok(await s.call('GET', `/api/v1/routing-rules/${first.id}`)).body).toMatchObject({
      name: 'German invoices',
      conditions: { languages: ['de'], contact: { region: ['EU'] } },
      actions: { teamId, requiredSkills: [skill.id], priority: 'high' },
    });
    expect(
      s.ok(
        await s.call('PATCH', `/api/v1/routing-rules/${second.id}`, {
          position: 5,
          enabled: false,
        }),
      ).body,
    ).toMatchObject({ position: 5, enabled: false });
    const reordered = s.ok(await s.call('GET', '/api/v1/routing-rules')).body as {
      data: { id: string }[];
    };
    expect(reordered.data.map((r) => r.id)).toEqual([second.id, first.id]);

    const bad = async (body: unknown, status: number, code: string) => {
      const res = await s.call('POST', '/api/v1/routing-rules', body);
      expect(res.statusCode, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
    };
    await bad({ name: 'x', actions: { teamId: otherTeam } }, 404, 'team_not_found');
    await bad(
      { name: 'x', actions: { requiredSkills: ['01a20000-0000-7000-8000-000000000000'] } },
      404,
      'skill_not_found',
    );
    await bad({ name: 'x', actions: {}, extra: 1 }, 400, 'validation_failed');
    await bad(
      { name: 'x', conditions: { hours: { from: '25:00', to: '08:00' } }, actions: {} },
      400,
      'validation_failed',
    );
    await bad(
      { name: 'x', conditions: { channels: ['pigeon'] }, actions: {} },
      400,
      'validation_failed',
    );
    await bad({ name: '', actions: {} }, 400, 'validation_failed');
    const patch = await s.call('PATCH', `/api/v1/routing-rules/${first.id}`, {});
    expect(patch.statusCode).toBe(400);

    // Agents may not manage rules.
    const asAgent = await tokenFor(t.services, {
      workspaceId: s.workspace.id,
      id: s.agents.Anna ?? '',
    });
    expect((await s.call('GET', '/api/v1/routing-rules', undefined, asAgent)).statusCode).toBe(403);

    const openapi = await api(t.app, 'GET', '/api/openapi.json');
    expect(Object.keys(openapi.body.paths as Record<string, unknown>)).toEqual(
      expect.arrayContaining(['/api/v1/routing-rules', '/api/v1/routing-rules/{id}']),
    );
    expect(openapi.body.info.description).toContain('routing_rule_not_found');

    s.ok(await s.call('DELETE', `/api/v1/routing-rules/${first.id}`), 204);
    const gone = await s.call('GET', `/api/v1/routing-rules/${first.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.body.error.code).toBe('routing_rule_not_found');
    expect((await s.call('DELETE', `/api/v1/routing-rules/${first.id}`)).statusCode).toBe(404);
  });
});

describe('assignment on arrival', () => {
  it('applies the first matching rule and explains the decision in the timeline', async () => {
    const s = await setup(['Anna', 'Bo']);
    const dach = await s.team('DACH billing', 'skills_best_match', ['Anna', 'Bo']);
    const general = await s.team('General', 'least_loaded', ['Bo']);
    const german = s.ok(
      await s.call('POST', '/api/v1/skills', { type: 'language', value: 'de' }),
      201,
    ).body as { id: string };
    // Both speak German; Anna better.
    s.ok(
      await s.call('PUT', `/api/v1/agents/${s.agents.Anna}/skills`, {
        skills: [{ skillId: german.id, level: 5 }],
      }),
    );
    s.ok(
      await s.call('PUT', `/api/v1/agents/${s.agents.Bo}/skills`, {
        skills: [{ skillId: german.id, level: 2 }],
      }),
    );
    await s.presence('Anna', 'online');
    await s.presence('Bo', 'online');
    const rule = s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'EU German invoices',
        position: 1,
        conditions: { languages: ['de'], keywords: ['rechnung'], contact: { region: ['EU'] } },
        actions: {
          teamId: dach,
          requiredSkills: [german.id],
          priority: 'high',
          tags: ['billing'],
        },
      }),
      201,
    ).body as { id: string };
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'Disabled catch-all',
        position: 0,
        enabled: false,
        actions: { teamId: general },
      }),
      201,
    );
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'English',
        position: 2,
        conditions: { languages: ['en'] },
        actions: { teamId: general },
      }),
      201,
    );

    const id = await s.conversation({
      subject: 'Frage zur Rechnung',
      text: 'Meine Rechnung ist doppelt.',
      languageHint: 'de-AT',
    });
    const contactId = (
      await t.services.db
        .selectFrom('conversations')
        .select('contactId')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).contactId;
    s.ok(
      await s.call('PATCH', `/api/v1/contacts/${contactId}`, {
        attributes: { region: 'EU', plan: 'enterprise' },
      }),
    );

    expect(await s.route(id)).toEqual({
      outcome: 'assigned',
      agentId: s.agents.Anna,
      teamId: dach,
    });
    expect(await s.row(id)).toMatchObject({
      assigneeId: s.agents.Anna,
      teamId: dach,
      priority: 'high',
      tags: ['billing'],
      requiredSkills: [german.id],
    });
    const routed = (await s.timeline(id)).find((e) => e.type === 'conversation.routed');
    expect(routed?.data).toMatchObject({
      trigger: 'arrival',
      rule: {
        id: rule.id,
        name: 'EU German invoices',
        conditions: [
          { condition: 'languages', because: 'de' },
          { condition: 'keywords', because: 'rechnung' },
          { condition: 'contact', because: 'region=EU' },
        ],
        applied: {
          teamId: dach,
          requiredSkills: [german.id],
          priority: 'high',
          tags: ['billing'],
        },
      },
      teamId: dach,
      strategy: 'skills_best_match',
      candidates: 2,
      agentId: s.agents.Anna,
      skillScore: 5,
    });
    expect(String(routed?.data.why)).toContain('highest skill score 5');
    expect(Object.keys((routed?.data.rule as { applied: object }).applied)).not.toContain(
      'assigneeId',
    );
    // Routing again does nothing: it is assigned.
    expect(await s.route(id)).toEqual({ outcome: 'skipped', reason: 'assigned' });

    // English goes to General (Bo only); the same words from a US contact match no DACH rule.
    const english = await s.conversation({ text: 'Where is my invoice?', languageHint: 'en' });
    expect(await s.route(english)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Bo });

    // Nothing matches, no team: not routed, and the timeline says so.
    const swedish = await s.conversation({ text: 'Hej, en fråga', languageHint: 'sv' });
    expect(await s.route(swedish)).toEqual({ outcome: 'not_routed', reason: 'no_rule_matched' });
    expect((await s.row(swedish)).assigneeId).toBeNull();
    expect((await s.timeline(swedish)).at(-1)).toMatchObject({
      type: 'conversation.not_routed',
      data: { reason: 'no_rule_matched', rule: null },
    });
    // A redelivered conversation.created decides nothing twice.
    const entries = (await s.timeline(swedish)).length;
    expect(await s.route(swedish)).toEqual({ outcome: 'skipped', reason: 'already_routed' });
    expect(await s.timeline(swedish)).toHaveLength(entries);
  });

  it('without a matching rule keeps the team a conversation already has', async () => {
    const s = await setup(['Anna']);
    const team = await s.team('Support', 'least_loaded', ['Anna']);
    await s.presence('Anna', 'online');
    const id = await s.conversation();
    // A team set before routing ran (e.g. by an agent, or a mailbox's team).
    await t.services.db
      .updateTable('conversations')
      .set({ teamId: team })
      .where('id', '=', id)
      .execute();
    expect(await s.route(id)).toEqual({
      outcome: 'assigned',
      agentId: s.agents.Anna,
      teamId: team,
    });
    const routed = (await s.timeline(id)).find((e) => e.type === 'conversation.routed');
    expect(routed?.data).toMatchObject({ rule: null, teamId: team, candidates: 1 });
  });

  it('without rules says why it did not route, or uses the team marked as the default', async () => {
    const s = await setup(['Anna']);
    const first = await s.conversation();
    expect(await s.route(first)).toEqual({ outcome: 'not_routed', reason: 'no_rule_matched' });
    const entry = (await s.timeline(first)).find((e) => e.type === 'conversation.not_routed');
    expect(entry?.data).toMatchObject({
      trigger: 'arrival',
      reason: 'no_rule_matched',
      rule: null,
    });
    expect(String(entry?.data.explanation)).toContain('No routing rule matched');

    const other = await s.team('Other', 'least_loaded', ['Anna'], {
      settings: { isDefault: true },
    });
    const team = await s.team('Support', 'least_loaded', ['Anna'], {
      settings: { isDefault: true },
    });
    // One default per workspace: the last one marked.
    const teams = s.ok(await s.call('GET', '/api/v1/teams')).body as {
      data: { id: string; settings: { isDefault: boolean } }[];
    };
    expect(teams.data.filter((x) => x.settings.isDefault).map((x) => x.id)).toEqual([team]);
    expect(other).not.toBe(team);
    await s.presence('Anna', 'online');
    const second = await s.conversation();
    expect(await s.route(second)).toEqual({
      outcome: 'assigned',
      agentId: s.agents.Anna,
      teamId: team,
    });
    const routed = (await s.timeline(second)).find((e) => e.type === 'conversation.routed');
    expect(routed?.data).toMatchObject({
      rule: null,
      defaultTeam: { id: team, name: 'Support', reason: 'no_rule_matched' },
      teamId: team,
    });
    expect((await s.row(second)).teamId).toBe(team);
  });

  it('matches the contact’s organization, the category and custom fields; refuses an unknown field', async () => {
    const s = await setup(['Anna']);
    const team = await s.team('Enterprise', 'least_loaded', ['Anna']);
    const unknown = await s.call('POST', '/api/v1/routing-rules', {
      name: 'Unknown field',
      conditions: { customFields: { plan: ['enterprise'] } },
      actions: { teamId: team },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body.error.code).toBe('unknown_custom_field');
    const admin = await buildUser(t.services, { workspaceId: s.workspace.id, role: 'admin' });
    s.ok(
      await s.call(
        'POST',
        '/api/v1/custom-fields',
        { entity: 'conversation', key: 'plan', label: 'Plan', type: 'text' },
        await tokenFor(t.services, admin),
      ),
      201,
    );
    const org = (
      s.ok(await s.call('POST', '/api/v1/organizations', { name: 'Acme' }), 201).body as {
        id: string;
      }
    ).id;
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'Acme enterprise billing',
        conditions: {
          organizationIds: [org],
          categories: ['Billing'],
          customFields: { plan: ['Enterprise'] },
        },
        actions: { teamId: team },
      }),
      201,
    );
    await s.presence('Anna', 'online');
    const facts = async (id: string, organization: string | null) => {
      s.ok(
        await s.call('PATCH', `/api/v1/conversations/${id}`, {
          customFields: { plan: 'enterprise' },
        }),
      );
      const { contactId } = await t.services.db
        .updateTable('conversations')
        .set({ category: 'billing' })
        .where('id', '=', id)
        .returning('contactId')
        .executeTakeFirstOrThrow();
      await t.services.db
        .updateTable('contacts')
        .set({ organizationId: organization })
        .where('id', '=', contactId)
        .execute();
    };
    const acme = await s.conversation();
    await facts(acme, org);
    expect(await s.route(acme)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Anna });
    const routed = (await s.timeline(acme)).find((e) => e.type === 'conversation.routed');
    expect(routed?.data).toMatchObject({
      rule: {
        name: 'Acme enterprise billing',
        conditions: [
          { condition: 'organizationIds', because: org },
          { condition: 'categories', because: 'Billing' },
          { condition: 'customFields', because: 'plan=Enterprise' },
        ],
      },
    });
    // Everything but the organization: no rule matches.
    const other = await s.conversation();
    await facts(other, null);
    expect(await s.route(other)).toEqual({ outcome: 'not_routed', reason: 'no_rule_matched' });
  });

  it('requires the language skill of the text’s language when the team asks for it', async () => {
    const s = await setup(['Anna', 'Bo']);
    const team = await s.team('Support', 'least_loaded', ['Anna', 'Bo'], {
      settings: { requireLanguageSkill: true, isDefault: true },
    });
    const polish = (
      s.ok(await s.call('POST', '/api/v1/skills', { type: 'language', value: 'pl' }), 201).body as {
        id: string;
      }
    ).id;
    s.ok(
      await s.call('PUT', `/api/v1/agents/${s.agents.Anna}/skills`, {
        skills: [{ skillId: polish, level: 4 }],
      }),
    );
    await s.presence('Anna', 'online');
    await s.presence('Bo', 'online');
    // Bo has nothing, Anna has work: by load Bo would be first, but only Anna reads Polish.
    const busy = await s.conversation();
    s.ok(await s.call('PATCH', `/api/v1/conversations/${busy}`, { assigneeId: s.agents.Anna }));
    const id = await s.conversation({
      subject: 'Paczka',
      text: 'Dzień dobry, moja paczka nie dotarła. Co mam zrobić? Czekam już dwa tygodnie.',
    });
    expect(await s.route(id)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Anna });
    expect((await s.row(id)).requiredSkills).toEqual([polish]);
    const routed = (await s.timeline(id)).find((e) => e.type === 'conversation.routed');
    expect(routed?.data).toMatchObject({
      languageSkill: { id: polish, value: 'pl' },
      teamId: team,
    });
    // English: the workspace has no such skill, nothing is required.
    const english = await s.conversation({ text: 'Hello, my parcel has not arrived yet.' });
    expect(await s.route(english)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Bo });
    expect((await s.row(english)).requiredSkills).toEqual([]);
  });

  it('ignores a required skill deleted since the rule was written', async () => {
    const s = await setup(['Anna']);
    const team = await s.team('Support', 'least_loaded', ['Anna']);
    const skill = s.ok(
      await s.call('POST', '/api/v1/skills', { type: 'product', value: 'legacy' }),
      201,
    ).body as { id: string };
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'Legacy',
        actions: { teamId: team, requiredSkills: [skill.id] },
      }),
      201,
    );
    await s.presence('Anna', 'online');
    const waits = await s.conversation();
    expect(await s.route(waits)).toMatchObject({ outcome: 'queued' });
    s.ok(await s.call('DELETE', `/api/v1/skills/${skill.id}`), 204);
    const id = await s.conversation();
    expect(await s.route(id)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Anna });
    expect((await s.row(id)).requiredSkills).toEqual([]);
  });

  it('never picks an absent or an offline agent, and queues when nobody is there', async () => {
    const s = await setup(['Anna', 'Bo', 'Cy']);
    const team = await s.team('Support', 'least_loaded', ['Anna', 'Bo', 'Cy']);
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: team } }),
      201,
    );
    await s.presence('Anna', 'online');
    await s.presence('Cy', 'online');
    // Bo is offline (never set online); Anna is on vacation now.
    s.ok(
      await s.call('POST', '/api/v1/absences', {
        userId: s.agents.Anna,
        startsAt: new Date(Date.now() - 3_600_000).toISOString(),
        endsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        reason: 'Vacation',
      }),
      201,
    );
    for (let i = 0; i < 4; i++) {
      const id = await s.conversation();
      const result = await s.route(id);
      expect(result).toMatchObject({ outcome: 'assigned', agentId: s.agents.Cy });
    }
    await s.presence('Cy', 'away');
    const waiting = await s.conversation();
    expect(await s.route(waiting)).toEqual({
      outcome: 'queued',
      teamId: team,
      reason: 'nobody_available',
      candidates: 0,
    });
    expect((await s.timeline(waiting)).at(-1)).toMatchObject({
      type: 'conversation.queued',
      data: {
        reason: 'nobody_available',
        teamId: team,
        strategy: 'least_loaded',
        members: 3,
        available: 0,
      },
    });
    const outbox = await t.services.db
      .selectFrom('outboxEvents')
      .select(['type', 'data'])
      .where('aggregateId', '=', waiting)
      .where('type', '=', 'conversation.queued')
      .execute();
    expect(outbox).toHaveLength(1);
  });

  it('passes over an agent at capacity, queues, and assigns when capacity frees', async () => {
    const s = await setup(['Anna', 'Bo']);
    const team = await s.team('Support', 'least_loaded', ['Anna', 'Bo'], {
      capacity: { limits: { email: 1 } },
    });
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: team } }),
      201,
    );
    await s.presence('Anna', 'online');
    await s.presence('Bo', 'online');
    await s.capacity('Bo', { email: 0 }); // Bo takes no email at all
    const first = await s.conversation();
    expect(await s.route(first)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Anna });
    const second = await s.conversation();
    expect(await s.route(second)).toMatchObject({
      outcome: 'queued',
      reason: 'all_at_capacity_or_missing_skills',
    });
    // Nothing freed: a drain assigns nothing and writes nothing new.
    const before = (await s.timeline(second)).length;
    expect(await drainTeam(t.services.db, { workspaceId: s.workspace.id, teamId: team })).toBe(0);
    expect(await s.timeline(second)).toHaveLength(before);

    s.ok(await s.call('PATCH', `/api/v1/conversations/${first}`, { status: 'resolved' }));
    expect(await drainTeam(t.services.db, { workspaceId: s.workspace.id, teamId: team })).toBe(1);
    expect((await s.row(second)).assigneeId).toBe(s.agents.Anna);
    expect((await s.timeline(second)).at(-1)).toMatchObject({
      type: 'conversation.routed',
      data: { trigger: 'drain', agentId: s.agents.Anna, load: { channel: 0, limit: 1 } },
    });
  });

  it('drains the queue most urgent first, then oldest', async () => {
    const s = await setup(['Anna']);
    const team = await s.team('Support', 'least_loaded', ['Anna'], {
      capacity: { limits: { email: 2 } },
    });
    // Queued while Anna is offline; priorities set by hand after.
    const oldestNormal = await s.conversation();
    const olderLow = await s.conversation();
    const middleNormal = await s.conversation();
    const newestUrgent = await s.conversation();
    const priorities: [string, string][] = [
      [oldestNormal, 'normal'],
      [olderLow, 'low'],
      [middleNormal, 'normal'],
      [newestUrgent, 'urgent'],
    ];
    for (const [id, priority] of priorities)
      s.ok(await s.call('PATCH', `/api/v1/conversations/${id}`, { teamId: team, priority }));
    expect(await drainTeam(t.services.db, { workspaceId: s.workspace.id, teamId: team })).toBe(0);

    await s.presence('Anna', 'online');
    expect(await drainTeam(t.services.db, { workspaceId: s.workspace.id, teamId: team })).toBe(2);
    const assigned = await Promise.all(
      [oldestNormal, olderLow, middleNormal, newestUrgent].map(async (id) =>
        s.nameOf((await s.row(id)).assigneeId),
      ),
    );
    expect(assigned).toEqual(['Anna', null, null, 'Anna']);
    // The urgent one went first.
    const routedAt = async (id: string) =>
      (
        await t.services.db
          .selectFrom('conversationEvents')
          .select('id')
          .where('conversationId', '=', id)
          .where('type', '=', 'conversation.routed')
          .executeTakeFirstOrThrow()
      ).id;
    expect(await routedAt(newestUrgent)).toBeLessThan(await routedAt(oldestNormal));
  });

  it('sticky: a returning customer goes back to their previous agent while eligible', async () => {
    const s = await setup(['Anna', 'Bo']);
    const team = await s.team('Support', 'sticky', ['Anna', 'Bo']);
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: team } }),
      201,
    );
    await s.presence('Anna', 'online');
    await s.presence('Bo', 'online');
    // Bo is busier than Anna, but the customer's previous agent.
    for (let i = 0; i < 2; i++) {
      const busy = await s.conversation();
      s.ok(await s.call('PATCH', `/api/v1/conversations/${busy}`, { assigneeId: s.agents.Bo }));
    }
    const earlier = await s.conversation({ from: 'returning@example.com' });
    s.ok(
      await s.call('PATCH', `/api/v1/conversations/${earlier}`, {
        assigneeId: s.agents.Bo,
        status: 'resolved',
      }),
    );
    const again = await s.conversation({
      from: 'returning@example.com',
      subject: 'Another thing',
    });
    expect(again).not.toBe(earlier);
    expect(await s.route(again)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Bo });
    const routed = (await s.timeline(again)).find((e) => e.type === 'conversation.routed');
    expect(String(routed?.data.why)).toContain("the contact's previous agent, available");

    // Previous agent offline: least loaded instead.
    await s.presence('Bo', 'offline');
    const third = await s.conversation({ from: 'returning@example.com', subject: 'Third' });
    s.ok(await s.call('PATCH', `/api/v1/conversations/${again}`, { status: 'resolved' }));
    expect(await s.route(third)).toMatchObject({ outcome: 'assigned', agentId: s.agents.Anna });
  });

  it('round robin takes turns; manual only queues', async () => {
    const s = await setup(['Anna', 'Bo', 'Cy']);
    const team = await s.team('Support', 'round_robin', ['Anna', 'Bo', 'Cy']);
    const manual = await s.team('Legal', 'manual', ['Anna']);
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'Legal',
        position: 0,
        conditions: { keywords: ['lawyer'] },
        actions: { teamId: manual },
      }),
      201,
    );
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', {
        name: 'All',
        position: 1,
        actions: { teamId: team },
      }),
      201,
    );
    for (const name of ['Anna', 'Bo', 'Cy']) await s.presence(name, 'online');
    const picked: (string | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await s.route(await s.conversation());
      picked.push(result.outcome === 'assigned' ? s.nameOf(result.agentId) : null);
    }
    expect(picked.slice(0, 3).sort()).toEqual(['Anna', 'Bo', 'Cy']);
    expect(picked.slice(3)).toEqual(picked.slice(0, 3));

    const legal = await s.conversation({ text: 'My lawyer will call you' });
    expect(await s.route(legal)).toMatchObject({ outcome: 'queued', reason: 'manual_strategy' });
  });

  it('two routings racing never push an agent over a limit of 1', async () => {
    const s = await setup(['Anna', 'Bo']);
    const team = await s.team('Support', 'least_loaded', ['Anna', 'Bo'], {
      capacity: { limits: { email: 1 } },
    });
    s.ok(
      await s.call('POST', '/api/v1/routing-rules', { name: 'All', actions: { teamId: team } }),
      201,
    );
    await s.presence('Anna', 'online');
    await s.presence('Bo', 'online');
    for (let round = 0; round < 5; round++) {
      const ids = await Promise.all([1, 2, 3, 4].map(() => s.conversation()));
      // Four routings at once on separate pooled connections: two places exist.
      const results = await Promise.all(ids.map((id) => s.route(id)));
      const assigned = results.flatMap((r) => (r.outcome === 'assigned' ? [r] : []));
      expect(assigned).toHaveLength(2);
      expect(new Set(assigned.map((r) => r.agentId))).toEqual(
        new Set([s.agents.Anna, s.agents.Bo]),
      );
      const loads = await t.services.db
        .selectFrom('conversations')
        .select(['assigneeId', (eb) => eb.fn.countAll<string>().as('n')])
        .where('workspaceId', '=', s.workspace.id)
        .where('status', 'in', ['new', 'open'])
        .where('assigneeId', 'is not', null)
        .groupBy('assigneeId')
        .execute();
      expect(loads.map((l) => Number(l.n))).toEqual([1, 1]);
      // Free both for the next round.
      for (const r of assigned)
        await t.services.db
          .updateTable('conversations')
          .set({ status: 'resolved' })
          .where('workspaceId', '=', s.workspace.id)
          .where('assigneeId', '=', r.agentId)
          .execute();
    }
  });
});
