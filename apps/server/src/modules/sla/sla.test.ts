import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';

const t = useTestApp();

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const agent = await buildUser(t.services, { workspaceId: workspace.id });
  return {
    workspace,
    owner,
    asManager: await tokenFor(t.services, manager),
    asAgent: await tokenFor(t.services, agent),
  };
}

const office = {
  name: 'Stockholm office',
  timeZone: 'Europe/Stockholm',
  weeklyHours: {
    mon: [
      { from: '09:00', to: '12:00' },
      { from: '13:00', to: '17:00' },
    ],
    fri: [{ from: '09:00', to: '15:00' }],
  },
  holidays: { country: 'SE' },
  closedDates: ['2026-12-24', '2026-12-31', '2026-12-24'],
};

describe('calendars API', () => {
  it('lets managers create, read, change and delete calendars', async () => {
    const { asManager, asAgent } = await setup();
    const created = await api(t.app, 'POST', '/api/v1/calendars', { as: asManager, body: office });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Stockholm office',
      timeZone: 'Europe/Stockholm',
      alwaysOpen: false,
      holidays: { country: 'SE', region: null },
      closedDates: ['2026-12-24', '2026-12-31'],
    });
    const id = created.body.id as string;

    // Agents read; only managers write.
    expect((await api(t.app, 'GET', `/api/v1/calendars/${id}`, { as: asAgent })).statusCode).toBe(
      200,
    );
    const denied = await api(t.app, 'POST', '/api/v1/calendars', {
      as: asAgent,
      body: { ...office, name: 'Mine' },
    });
    expect(denied.statusCode).toBe(403);

    // The closed days of a year: Swedish public holidays and the company's own.
    const closed = await api(t.app, 'GET', `/api/v1/calendars/${id}/closed-days?year=2026`, {
      as: asAgent,
    });
    expect(closed.statusCode).toBe(200);
    const days = closed.body.data as { date: string; source: string; name: string | null }[];
    expect(days).toContainEqual({ date: '2026-12-24', name: null, source: 'custom' });
    expect(days).toContainEqual(expect.objectContaining({ date: '2026-01-06', source: 'holiday' }));
    expect(days.find((d) => d.date === '2026-12-25')?.source).toBe('holiday');

    const changed = await api(t.app, 'PATCH', `/api/v1/calendars/${id}`, {
      as: asManager,
      body: { alwaysOpen: true, holidays: null },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toMatchObject({ alwaysOpen: true, holidays: null });

    const list = await api(t.app, 'GET', '/api/v1/calendars', { as: asAgent });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([id]);

    expect(
      (await api(t.app, 'DELETE', `/api/v1/calendars/${id}`, { as: asManager })).statusCode,
    ).toBe(204);
    const gone = await api(t.app, 'GET', `/api/v1/calendars/${id}`, { as: asAgent });
    expect(gone.statusCode).toBe(404);
    expect(gone.body.error.code).toBe('calendar_not_found');
  });

  it('refuses calendars that cannot work, with a code and the field', async () => {
    const { asManager } = await setup();
    const post = (body: object) =>
      api(t.app, 'POST', '/api/v1/calendars', { as: asManager, body: { ...office, ...body } });
    const zone = await post({ timeZone: 'Mars/Olympus' });
    expect(zone.statusCode).toBe(400);
    expect(zone.body.error.code).toBe('invalid_time_zone');
    const empty = await post({ weeklyHours: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.body.error.details.issues[0].path).toBe('body.weeklyHours');
    // ...but 24/7 needs no hours.
    expect(
      (await post({ name: 'Around the clock', weeklyHours: {}, alwaysOpen: true })).statusCode,
    ).toBe(201);
    const country = await post({ name: 'Nowhere', holidays: { country: 'XX' } });
    expect(country.statusCode).toBe(400);
    expect(country.body.error.details.issues[0].path).toBe('body.holidays');
    const region = await post({ name: 'Nowhere', holidays: { country: 'DE', region: 'ZZ' } });
    expect(region.statusCode).toBe(400);
    const date = await post({ name: 'Nowhere', closedDates: ['2026-02-30'] });
    expect(date.statusCode).toBe(400);
    expect(date.body.error.details.issues[0].path).toBe('body.closedDates.0');
    const unknownField = await post({ name: 'Nowhere', hours: {} });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.body.error.code).toBe('validation_failed');

    expect((await post({})).statusCode).toBe(201);
    const twice = await post({ name: 'STOCKHOLM office' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body.error.code).toBe('calendar_name_taken');
  });

  it('keeps a calendar that a team or a policy uses', async () => {
    const { asManager } = await setup();
    const calendar = await api(t.app, 'POST', '/api/v1/calendars', { as: asManager, body: office });
    const id = calendar.body.id as string;
    const team = await api(t.app, 'POST', '/api/v1/teams', {
      as: asManager,
      body: { name: 'Support', kind: 'support', calendarId: id },
    });
    expect(team.statusCode, JSON.stringify(team.body)).toBe(201);
    const policy = await api(t.app, 'POST', '/api/v1/sla/policies', {
      as: asManager,
      body: {
        name: 'Office hours',
        calendarId: id,
        targets: { firstResponse: { seconds: 3600, businessHours: true } },
      },
    });
    expect(policy.statusCode).toBe(201);
    const refused = await api(t.app, 'DELETE', `/api/v1/calendars/${id}`, { as: asManager });
    expect(refused.statusCode).toBe(409);
    expect(refused.body.error.code).toBe('calendar_in_use');
    expect(refused.body.error.details).toEqual({
      teamIds: [team.body.id],
      policyIds: [policy.body.id],
    });
    await api(t.app, 'PATCH', `/api/v1/teams/${team.body.id as string}`, {
      as: asManager,
      body: { calendarId: null },
    });
    await api(t.app, 'DELETE', `/api/v1/sla/policies/${policy.body.id as string}`, {
      as: asManager,
    });
    expect(
      (await api(t.app, 'DELETE', `/api/v1/calendars/${id}`, { as: asManager })).statusCode,
    ).toBe(204);
  });
});

describe('SLA policies API', () => {
  it('keeps policies in order, checks their references and validates targets', async () => {
    const { asManager, asAgent } = await setup();
    const create = (body: object) =>
      api(t.app, 'POST', '/api/v1/sla/policies', { as: asManager, body });
    const fallback = await create({
      name: 'Everyone',
      position: 10,
      targets: {
        firstResponse: { seconds: 8 * 3600, businessHours: true },
        resolution: { seconds: 5 * 86_400, businessHours: false },
      },
    });
    expect(fallback.statusCode, JSON.stringify(fallback.body)).toBe(201);
    expect(fallback.body).toMatchObject({
      enabled: true,
      pauseOnHold: false,
      warnAtPercent: [75],
      escalations: [],
      calendarId: null,
      conditions: {},
    });
    const vip = await create({
      name: 'VIP',
      position: 1,
      conditions: { contact: { tier: ['gold'] }, priorities: ['urgent', 'high'] },
      targets: { firstResponse: { seconds: 900, businessHours: false } },
      pauseOnHold: true,
      warnAtPercent: [90, 50, 90],
      escalations: [{ on: 'breach', raisePriority: true, unassign: true }],
    });
    expect(vip.statusCode, JSON.stringify(vip.body)).toBe(201);
    expect(vip.body.warnAtPercent).toEqual([50, 90]);

    const list = await api(t.app, 'GET', '/api/v1/sla/policies', { as: asAgent });
    expect(list.body.data.map((p: { name: string }) => p.name)).toEqual(['VIP', 'Everyone']);

    const noCalendar = await create({
      name: 'x',
      calendarId: '01a20000-0000-7000-8000-000000000000',
      targets: { resolution: { seconds: 3600, businessHours: true } },
    });
    expect(noCalendar.statusCode).toBe(404);
    expect(noCalendar.body.error.code).toBe('calendar_not_found');
    const noTeam = await create({
      name: 'x',
      targets: { resolution: { seconds: 3600, businessHours: true } },
      escalations: [{ on: 'warning', moveToTeamId: '01a20000-0000-7000-8000-000000000000' }],
    });
    expect(noTeam.statusCode).toBe(404);
    expect(noTeam.body.error.code).toBe('team_not_found');
    const tooShort = await create({
      name: 'x',
      targets: { firstResponse: { seconds: 5, businessHours: true } },
    });
    expect(tooShort.statusCode).toBe(400);
    const noTargets = await create({ name: 'x', targets: {} });
    expect(noTargets.statusCode).toBe(400);
    const byAgent = await api(t.app, 'POST', '/api/v1/sla/policies', {
      as: asAgent,
      body: { name: 'x', targets: { resolution: { seconds: 3600, businessHours: true } } },
    });
    expect(byAgent.statusCode).toBe(403);

    const changed = await api(t.app, 'PATCH', `/api/v1/sla/policies/${vip.body.id as string}`, {
      as: asManager,
      body: { position: 20, enabled: false },
    });
    expect(changed.statusCode).toBe(200);
    const again = await api(t.app, 'GET', '/api/v1/sla/policies', { as: asAgent });
    expect(again.body.data.map((p: { name: string }) => p.name)).toEqual(['Everyone', 'VIP']);

    expect(
      (
        await api(t.app, 'DELETE', `/api/v1/sla/policies/${vip.body.id as string}`, {
          as: asManager,
        })
      ).statusCode,
    ).toBe(204);
    const gone = await api(t.app, 'GET', `/api/v1/sla/policies/${vip.body.id as string}`, {
      as: asAgent,
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.body.error.code).toBe('sla_policy_not_found');
  });

  it('documents the SLA routes and their error codes in OpenAPI', async () => {
    const doc = await api(t.app, 'GET', '/api/openapi.json');
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.body.paths as object);
    for (const path of [
      '/api/v1/calendars',
      '/api/v1/calendars/{id}',
      '/api/v1/calendars/{id}/closed-days',
      '/api/v1/sla/policies',
      '/api/v1/sla/policies/{id}',
      '/api/v1/conversations/{id}/sla',
    ])
      expect(paths).toContain(path);
    const text = JSON.stringify(doc.body);
    for (const code of [
      'calendar_not_found',
      'sla_policy_not_found',
      'calendar_in_use',
      'calendar_name_taken',
    ])
      expect(text).toContain(code);
  });
});
