import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';
import { getAgent } from '../availability/agents.service.js';
import { seedDemo } from '../demo/demo.seed.js';
import { findTeams, getTeam } from './teams.service.js';

const t = useTestApp();

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const anna = await buildUser(t.services, { workspaceId: workspace.id, name: 'Anna' });
  const bo = await buildUser(t.services, { workspaceId: workspace.id, name: 'Bo' });
  const asOwner = await tokenFor(t.services, owner);
  const asManager = await tokenFor(t.services, manager);
  const asAnna = await tokenFor(t.services, anna);
  const open = async (subject = 'Hjälp') =>
    (
      await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `c${Math.random().toString(36).slice(2)}@example.se` },
        subject,
        text: subject,
      })
    ).conversationId;
  return { workspace, owner, manager, anna, bo, asOwner, asManager, asAnna, open };
}

describe('teams', () => {
  it('lets managers create, change and delete teams with members and leads', async () => {
    const { manager, anna, bo, asManager, asAnna } = await setup();
    const created = await api(t.app, 'POST', '/api/v1/teams', {
      as: asManager,
      body: {
        name: 'Second line',
        kind: 'tier',
        description: 'Specialists',
        assignmentStrategy: 'least_loaded',
        settings: { handBack: 'queue' },
        capacity: { limits: { chat: 3, email: 20 } },
        members: [{ userId: anna.id }, { userId: bo.id }, { userId: manager.id, lead: true }],
      },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Second line',
      kind: 'tier',
      assignmentStrategy: 'least_loaded',
      settings: {
        handBack: 'queue',
        handBackOnOffline: false,
        overflow: null,
        escalationTeamId: null,
        isDefault: false,
        requireLanguageSkill: false,
        slaGoal: 0.8,
      },
      capacity: { limits: { chat: 3, email: 20 }, priorityWeights: null },
      calendarId: null,
      memberCount: 3,
      leads: [manager.id],
      counts: { open: 0, queued: 0 },
    });
    expect(created.body.members[0]).toMatchObject({
      userId: manager.id,
      lead: true,
      presence: 'offline',
      availableNow: false,
    });
    const id = created.body.id as string;

    // A calendar must be one of the workspace's.
    const unknownCalendar = await api(t.app, 'PATCH', `/api/v1/teams/${id}`, {
      as: asManager,
      body: { calendarId: '01a20000-0000-7000-8000-00000000ca1e' },
    });
    expect(unknownCalendar.statusCode).toBe(404);
    expect(unknownCalendar.body.error.code).toBe('calendar_not_found');
    const calendar = await api(t.app, 'POST', '/api/v1/calendars', {
      as: asManager,
      body: { name: 'Office', timeZone: 'Europe/Warsaw', alwaysOpen: true },
    });
    const changed = await api(t.app, 'PATCH', `/api/v1/teams/${id}`, {
      as: asManager,
      body: {
        settings: { handBackOnOffline: true, slaGoal: 0.9 },
        capacity: { priorityWeights: { low: 0.5, normal: 1, high: 2, urgent: 3 } },
        calendarId: calendar.body.id,
      },
    });
    expect(changed.statusCode, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.calendarId).toBe(calendar.body.id);
    expect(changed.body.settings).toEqual({
      handBack: 'queue',
      handBackOnOffline: true,
      overflow: null,
      escalationTeamId: null,
      isDefault: false,
      requireLanguageSkill: false,
      slaGoal: 0.9,
    });
    expect(changed.body.capacity).toEqual({
      limits: { chat: 3, email: 20 },
      priorityWeights: { low: 0.5, normal: 1, high: 2, urgent: 3 },
    });

    const replaced = await api(t.app, 'PUT', `/api/v1/teams/${id}/members`, {
      as: asManager,
      body: { members: [{ userId: anna.id, lead: true }, { userId: bo.id }] },
    });
    expect(replaced.body.leads).toEqual([anna.id]);
    expect(replaced.body.members.map((m: { userId: string }) => m.userId).sort()).toEqual(
      [anna.id, bo.id].sort(),
    );
    const removed = await api(t.app, 'DELETE', `/api/v1/teams/${id}/members/${bo.id}`, {
      as: asManager,
    });
    expect(removed.statusCode).toBe(204);
    const again = await api(t.app, 'DELETE', `/api/v1/teams/${id}/members/${bo.id}`, {
      as: asManager,
    });
    expect(again.statusCode).toBe(404);

    const list = await api(t.app, 'GET', '/api/v1/teams', { as: asAnna });
    expect(list.body.data).toEqual([expect.objectContaining({ id, memberCount: 1 })]);

    // Agents read teams but do not manage them.
    const refused = await api(t.app, 'PATCH', `/api/v1/teams/${id}`, {
      as: asAnna,
      body: { name: 'Mine' },
    });
    expect(refused.statusCode).toBe(403);
    const deleted = await api(t.app, 'DELETE', `/api/v1/teams/${id}`, { as: asManager });
    expect(deleted.statusCode).toBe(204);
    expect((await api(t.app, 'GET', `/api/v1/teams/${id}`, { as: asAnna })).body.error.code).toBe(
      'team_not_found',
    );
  });

  it('refuses a duplicate name, a member from elsewhere and unknown fields, writing nothing', async () => {
    const { asManager } = await setup();
    const other = await buildWorkspace(t.services);
    const first = await api(t.app, 'POST', '/api/v1/teams', {
      as: asManager,
      body: { name: 'Billing', kind: 'finance' },
    });
    expect(first.statusCode).toBe(201);
    const clash = await api(t.app, 'POST', '/api/v1/teams', {
      as: asManager,
      body: { name: 'billing', kind: 'finance' },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.body.error.code).toBe('team_name_taken');

    const stranger = await api(t.app, 'POST', '/api/v1/teams', {
      as: asManager,
      body: { name: 'Legal', kind: 'legal', members: [{ userId: other.owner.id }] },
    });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.body.error).toMatchObject({
      code: 'user_not_found',
      details: { userId: other.owner.id },
    });
    const bad = await api(t.app, 'POST', '/api/v1/teams', {
      as: asManager,
      body: { name: 'Legal', kind: 'lawyers' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const list = await api(t.app, 'GET', '/api/v1/teams', { as: asManager });
    expect(list.body.data.map((team: { name: string }) => team.name)).toEqual(['Billing']);
  });

  it('puts conversations in a team of the workspace only, lists by team and counts the queue', async () => {
    const { anna, asManager, asAnna, open } = await setup();
    const other = await buildWorkspace(t.services);
    const team = (
      await api(t.app, 'POST', '/api/v1/teams', {
        as: asManager,
        body: { name: 'Polish', kind: 'region', members: [{ userId: anna.id }] },
      })
    ).body as { id: string };
    const foreign = (
      await api(t.app, 'POST', '/api/v1/teams', {
        as: await tokenFor(t.services, other.owner),
        body: { name: 'Theirs', kind: 'support' },
      })
    ).body as { id: string };
    const [a, b, c] = [await open('A'), await open('B'), await open('C')];

    for (const id of [a, b, c]) {
      const res = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
        as: asAnna,
        body: { teamId: team.id },
      });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      expect(res.body.teamId).toBe(team.id);
    }
    await api(t.app, 'PATCH', `/api/v1/conversations/${b}`, {
      as: asAnna,
      body: { assigneeId: anna.id, status: 'open' },
    });
    await api(t.app, 'PATCH', `/api/v1/conversations/${c}`, {
      as: asAnna,
      body: { status: 'pending' },
    });

    const refused = await api(t.app, 'PATCH', `/api/v1/conversations/${a}`, {
      as: asAnna,
      body: { teamId: foreign.id, subject: 'Moved' },
    });
    expect(refused.statusCode).toBe(404);
    expect(refused.body.error.code).toBe('team_not_found');
    const unchanged = await api(t.app, 'GET', `/api/v1/conversations/${a}`, { as: asAnna });
    expect(unchanged.body).toMatchObject({ teamId: team.id, subject: 'A' });

    const listed = await api(t.app, 'GET', `/api/v1/conversations?teamId=${team.id}`, {
      as: asAnna,
    });
    expect(listed.body.data.map((x: { id: string }) => x.id).sort()).toEqual([a, b, c].sort());
    const detail = await api(t.app, 'GET', `/api/v1/teams/${team.id}`, { as: asAnna });
    expect(detail.body.counts).toEqual({ open: 3, queued: 1 });

    const timeline = await api(t.app, 'GET', `/api/v1/conversations/${a}/events`, { as: asAnna });
    expect(timeline.body.data.at(-1)).toMatchObject({
      type: 'conversation.team_changed',
      data: { from: null, to: team.id },
    });

    // Deleting the team leaves its conversations without one.
    await api(t.app, 'DELETE', `/api/v1/teams/${team.id}`, { as: asManager });
    const orphan = await api(t.app, 'GET', `/api/v1/conversations/${a}`, { as: asAnna });
    expect(orphan.body.teamId).toBeNull();
  });
});

describe('skills', () => {
  it('defines typed skills, sets agents’ levels and conversations’ required skills', async () => {
    const { anna, asManager, asAnna, open } = await setup();
    const define = async (type: string, value: string) => {
      const res = await api(t.app, 'POST', '/api/v1/skills', {
        as: asManager,
        body: { type, value },
      });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const pl = await define('language', 'pl');
    const fa = await define('language', 'fa');
    const billing = await define('product', 'billing');
    const vip = await define('customer_tier', 'vip'); // a type of the workspace's own
    const taken = await api(t.app, 'POST', '/api/v1/skills', {
      as: asManager,
      body: { type: 'language', value: 'pl' },
    });
    expect(taken.body.error.code).toBe('skill_taken');
    const badType = await api(t.app, 'POST', '/api/v1/skills', {
      as: asManager,
      body: { type: 'Language!', value: 'pl' },
    });
    expect(badType.statusCode).toBe(400);
    const languages = await api(t.app, 'GET', '/api/v1/skills?type=language', { as: asAnna });
    expect(languages.body.data.map((s: { value: string }) => s.value)).toEqual(['fa', 'pl']);
    const all = await api(t.app, 'GET', '/api/v1/skills', { as: asAnna });
    expect(all.body.data.map((s: { id: string }) => s.id)).toEqual([vip, fa, pl, billing]);

    const set = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/skills`, {
      as: asManager,
      body: {
        skills: [
          { skillId: pl, level: 5 },
          { skillId: billing, level: 2 },
        ],
      },
    });
    expect(set.statusCode, JSON.stringify(set.body)).toBe(200);
    expect(set.body.skills).toEqual([
      { skillId: pl, type: 'language', value: 'pl', level: 5 },
      { skillId: billing, type: 'product', value: 'billing', level: 2 },
    ]);
    const tooHigh = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/skills`, {
      as: asManager,
      body: { skills: [{ skillId: fa, level: 6 }] },
    });
    expect(tooHigh.statusCode).toBe(400);
    const selfRated = await api(t.app, 'PUT', `/api/v1/agents/${anna.id}/skills`, {
      as: asAnna,
      body: { skills: [{ skillId: fa, level: 5 }] },
    });
    expect(selfRated.statusCode).toBe(403);

    const id = await open('Faktura');
    const required = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as: asAnna,
      body: { requiredSkills: [{ type: 'product', value: 'billing' }, pl, pl] },
    });
    expect(required.statusCode, JSON.stringify(required.body)).toBe(200);
    expect(required.body.requiredSkills).toEqual([pl, billing].sort());
    const unknown = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as: asAnna,
      body: { requiredSkills: [{ type: 'language', value: 'zh' }], subject: 'Changed' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body.error).toMatchObject({
      code: 'skill_not_found',
      details: { skill: { type: 'language', value: 'zh' } },
    });
    expect(
      (await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as: asAnna })).body,
    ).toMatchObject({
      subject: 'Faktura',
      requiredSkills: [pl, billing].sort(),
    });

    // A deleted skill leaves agents and conversations.
    expect(
      (await api(t.app, 'DELETE', `/api/v1/skills/${billing}`, { as: asManager })).statusCode,
    ).toBe(204);
    expect(
      (await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as: asAnna })).body.requiredSkills,
    ).toEqual([pl]);
    const agent = await api(t.app, 'GET', `/api/v1/agents/${anna.id}`, { as: asAnna });
    expect(agent.body.skills.map((s: { skillId: string }) => s.skillId)).toEqual([pl]);
  });
});

describe('views shared with a team', () => {
  it('are seen by the team’s members only and managed by managers and the team’s leads', async () => {
    const { anna, bo, asManager, asAnna } = await setup();
    const asBo = await tokenFor(t.services, bo);
    const team = (
      await api(t.app, 'POST', '/api/v1/teams', {
        as: asManager,
        body: { name: 'Chat', kind: 'support', members: [{ userId: anna.id, lead: true }] },
      })
    ).body as { id: string };
    const view = await api(t.app, 'POST', '/api/v1/views', {
      as: asManager,
      body: {
        name: 'Chat queue',
        visibility: 'team',
        teamId: team.id,
        filters: { teamId: team.id },
      },
    });
    expect(view.statusCode, JSON.stringify(view.body)).toBe(201);
    expect(view.body).toMatchObject({ visibility: 'team', teamId: team.id });

    const annaSees = await api(t.app, 'GET', '/api/v1/views', { as: asAnna });
    expect(annaSees.body.data.map((v: { id: string }) => v.id)).toContain(view.body.id);
    const boSees = await api(t.app, 'GET', '/api/v1/views', { as: asBo });
    expect(boSees.body.data.map((v: { id: string }) => v.id)).not.toContain(view.body.id);
    expect(
      (await api(t.app, 'GET', `/api/v1/views/${view.body.id}`, { as: asBo })).statusCode,
    ).toBe(404);
    const counts = await api(t.app, 'GET', '/api/v1/views/counts', { as: asAnna });
    expect(counts.body.data.map((c: { id: string }) => c.id)).toContain(view.body.id);

    // Anna leads the team: she may rename it; Bo, not a member, may not share with it.
    const renamed = await api(t.app, 'PATCH', `/api/v1/views/${view.body.id}`, {
      as: asAnna,
      body: { name: 'Chat: waiting' },
    });
    expect(renamed.statusCode, JSON.stringify(renamed.body)).toBe(200);
    const boShares = await api(t.app, 'POST', '/api/v1/views', {
      as: asBo,
      body: { name: 'Mine', visibility: 'team', teamId: team.id, filters: {} },
    });
    expect(boShares.statusCode).toBe(403);
    const noTeam = await api(t.app, 'POST', '/api/v1/views', {
      as: asManager,
      body: { name: 'Broken', visibility: 'team', filters: {} },
    });
    expect(noTeam.statusCode).toBe(400);
    expect(noTeam.body.error.code).toBe('validation_failed');

    // When the team goes, the view becomes its owner's private one.
    await api(t.app, 'DELETE', `/api/v1/teams/${team.id}`, { as: asManager });
    const after = await api(t.app, 'GET', `/api/v1/views/${view.body.id}`, { as: asManager });
    expect(after.body).toMatchObject({ visibility: 'private', teamId: null });
    expect(
      (await api(t.app, 'GET', `/api/v1/views/${view.body.id}`, { as: asAnna })).statusCode,
    ).toBe(404);
  });
});

describe('the demo workspace', () => {
  it('has a multilingual support team led by its manager, with language skills', async () => {
    const seeded = await seedDemo(t.services);
    expect(seeded.created).toBe(true);
    const { id: workspaceId } = await t.services.db
      .selectFrom('workspaces')
      .select('id')
      .where('slug', '=', 'demo')
      .executeTakeFirstOrThrow();
    const teams = await findTeams({ db: t.services.db, workspaceId });
    expect(teams.map((team) => [team.name, team.memberCount])).toEqual([
      ['Finance', 2],
      ['Support', 4],
    ]);
    const support = await getTeam({
      db: t.services.db,
      workspaceId,
      teamId: teams[1]?.id ?? '',
    });
    const li = support.members.find((m) => m.email === 'li@demo.localhost');
    expect(support.leads).toEqual([li?.userId]);
    const ola = support.members.find((m) => m.email === 'ola@demo.localhost');
    const agent = await getAgent({ db: t.services.db, workspaceId, userId: ola?.userId ?? '' });
    expect(agent.skills.map((s) => [s.value, s.level])).toEqual([
      ['en', 4],
      ['pl', 5],
    ]);
  });
});
