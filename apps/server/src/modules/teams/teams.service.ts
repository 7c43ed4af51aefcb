import type {
  Team,
  TeamCapacity,
  TeamCapacityBody,
  TeamCreateBody,
  TeamDetail,
  TeamMemberInput,
  TeamSettings,
  TeamSettingsBody,
  TeamUpdateBody,
} from '@parley/contract';
import { sql, type Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { availableNowSql } from '../availability/availability.sql.js';
import { assertCalendar } from '../sla/calendars.service.js';
import type { StoredTeamCapacity, StoredTeamSettings, TeamsTable } from './teams.tables.js';

type TeamRow = Selectable<TeamsTable>;

/** A team's settings with the defaults filled in. */
export function teamSettings(stored: StoredTeamSettings): TeamSettings {
  return {
    handBack: stored.handBack ?? 'delegate',
    handBackOnOffline: stored.handBackOnOffline ?? false,
    overflow: stored.overflow ?? null,
    escalationTeamId: stored.escalationTeamId ?? null,
    isDefault: stored.isDefault ?? false,
    requireLanguageSkill: stored.requireLanguageSkill ?? false,
    slaGoal: stored.slaGoal ?? 0.8,
  };
}

/** Marking a team the default unmarks the workspace's other teams (one default at most). */
async function keepOneDefault(
  trx: Tx,
  workspaceId: string,
  teamId: string,
  settings?: TeamSettingsBody,
) {
  if (!settings?.isDefault) return;
  await trx
    .updateTable('teams')
    .set({ settings: sql`settings - 'isDefault'` })
    .where('workspaceId', '=', workspaceId)
    .where('id', '!=', teamId)
    .where(sql<boolean>`(settings->>'isDefault')::boolean`)
    .execute();
}

/**
 * The teams a team's settings name (overflow's backup team, the escalation tier) must be
 * other teams of the workspace: `404 team_not_found`, or `400 validation_failed` for itself.
 */
async function checkLinkedTeams(
  trx: Tx,
  workspaceId: string,
  teamId: string,
  settings: TeamSettingsBody | undefined,
) {
  const linked: [string, string | null | undefined][] = [
    ['body.settings.overflow.teamId', settings?.overflow?.teamId],
    ['body.settings.escalationTeamId', settings?.escalationTeamId],
  ];
  for (const [path, id] of linked) {
    if (!id) continue;
    if (id === teamId)
      throw new AppError('validation_failed', `${path} cannot be the team itself`, {
        details: { issues: [{ path, message: 'is the team itself' }] },
      });
    await assertTeam(trx, workspaceId, id);
  }
}

export function teamCapacity(stored: StoredTeamCapacity): TeamCapacity {
  return { limits: stored.limits ?? {}, priorityWeights: stored.priorityWeights ?? null };
}

function presentTeam(row: TeamRow, memberCount: number): Team {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    assignmentStrategy: row.assignmentStrategy,
    settings: teamSettings(row.settings),
    capacity: teamCapacity(row.capacity),
    calendarId: row.calendarId,
    memberCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The team, or 404 `team_not_found` (also for another workspace's team). */
export async function assertTeam(db: Db | Tx, workspaceId: string, teamId: string) {
  const row = await db
    .selectFrom('teams')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (!row) throw notFound('The team', 'team_not_found');
  return row;
}

export async function findTeams(props: { db: Db; workspaceId: string }): Promise<Team[]> {
  const rows = await props.db
    .selectFrom('teams as t')
    .selectAll('t')
    .select(
      sql<number>`(select count(*)::int from team_members m
                    where m.workspace_id = t.workspace_id and m.team_id = t.id)`.as('memberCount'),
    )
    .where('t.workspaceId', '=', props.workspaceId)
    .orderBy(sql`lower(t.name)`)
    .orderBy('t.id')
    .execute();
  return rows.map(({ memberCount: n, ...row }) => presentTeam(row, n));
}

/** A team with its members (presence and availability now), its leads and its queue counts. */
export async function getTeam(props: {
  db: Db | Tx;
  workspaceId: string;
  teamId: string;
}): Promise<TeamDetail> {
  const { db, workspaceId, teamId } = props;
  const team = await assertTeam(db, workspaceId, teamId);
  const members = await db
    .selectFrom('teamMembers as m')
    .innerJoin('users as u', (j) =>
      j.onRef('u.workspaceId', '=', 'm.workspaceId').onRef('u.id', '=', 'm.userId'),
    )
    .leftJoin('agents as a', (j) =>
      j.onRef('a.workspaceId', '=', 'm.workspaceId').onRef('a.userId', '=', 'm.userId'),
    )
    .select(['m.userId', 'm.lead', 'u.name', 'u.email', 'u.role'])
    .select((eb) => [
      eb.fn.coalesce('a.presence', sql<'offline'>`'offline'`).as('presence'),
      availableNowSql(sql`now()`).as('availableNow'),
    ])
    .where('m.workspaceId', '=', workspaceId)
    .where('m.teamId', '=', teamId)
    .orderBy('m.lead', 'desc')
    .orderBy('u.name')
    .orderBy('m.userId')
    .execute();
  const { rows } = await sql<{ open: number; queued: number }>`
    select count(*)::int as open,
           count(*) filter (where assignee_id is null and status in ('new', 'open'))::int as queued
      from conversations
     where workspace_id = ${workspaceId} and team_id = ${teamId}
       and status in ('new', 'open', 'pending', 'on_hold')`.execute(db);
  return {
    ...presentTeam(team, members.length),
    members,
    leads: members.filter((m) => m.lead).map((m) => m.userId),
    counts: { open: rows[0]?.open ?? 0, queued: rows[0]?.queued ?? 0 },
  };
}

/** Every member must be an active user of the workspace; a user listed twice counts once (lead wins). */
async function checkedMembers(trx: Tx, workspaceId: string, members: TeamMemberInput[]) {
  const byUser = new Map<string, boolean>();
  for (const m of members)
    byUser.set(m.userId, (byUser.get(m.userId) ?? false) || (m.lead ?? false));
  if (byUser.size === 0) return [];
  const found = await trx
    .selectFrom('users')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .where('id', 'in', [...byUser.keys()])
    .where('status', '=', 'active')
    .execute();
  const known = new Set(found.map((u) => u.id));
  const missing = [...byUser.keys()].find((id) => !known.has(id));
  if (missing)
    throw new AppError('user_not_found', 'A member is not an active user of this workspace', {
      details: { userId: missing },
    });
  return [...byUser].map(([userId, lead]) => ({ userId, lead }));
}

async function writeMembers(
  trx: Tx,
  workspaceId: string,
  teamId: string,
  members: { userId: string; lead: boolean }[],
) {
  if (members.length === 0) return;
  await trx
    .insertInto('teamMembers')
    .values(members.map((m) => ({ workspaceId, teamId, userId: m.userId, lead: m.lead })))
    .onConflict((oc) =>
      oc
        .columns(['workspaceId', 'teamId', 'userId'])
        .doUpdateSet((eb) => ({ lead: eb.ref('excluded.lead') })),
    )
    .execute();
}

/** A unique-name clash becomes `409 team_name_taken`. */
async function namedUniquely<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'teams_name_idx')
      throw new AppError('team_name_taken', `There is already a team called ${name ?? ''}`);
    throw error;
  }
}

const mergeSettings = (before: StoredTeamSettings, body: TeamSettingsBody | undefined) =>
  JSON.stringify({ ...before, ...body });
const mergeCapacity = (before: StoredTeamCapacity, body: TeamCapacityBody | undefined) =>
  JSON.stringify({ ...before, ...body });

export async function createTeam(props: {
  db: Db;
  actor: Actor;
  body: TeamCreateBody;
}): Promise<TeamDetail> {
  const { actor, body } = props;
  const id = uuidv7();
  return namedUniquely(body.name, () =>
    props.db.transaction().execute(async (trx) => {
      const members = await checkedMembers(trx, actor.workspaceId, body.members ?? []);
      await checkLinkedTeams(trx, actor.workspaceId, id, body.settings);
      await keepOneDefault(trx, actor.workspaceId, id, body.settings);
      if (body.calendarId) await assertCalendar(trx, actor.workspaceId, body.calendarId);
      await trx
        .insertInto('teams')
        .values({
          workspaceId: actor.workspaceId,
          id,
          name: body.name,
          kind: body.kind,
          description: body.description ?? null,
          assignmentStrategy: body.assignmentStrategy ?? 'manual',
          settings: mergeSettings({}, body.settings),
          capacity: mergeCapacity({}, body.capacity),
          calendarId: body.calendarId ?? null,
        })
        .execute();
      await writeMembers(trx, actor.workspaceId, id, members);
      await recordTeamEvent(trx, actor, id, 'team.created', { name: body.name });
      return getTeam({ db: trx, workspaceId: actor.workspaceId, teamId: id });
    }),
  );
}

export async function updateTeam(props: {
  db: Db;
  actor: Actor;
  teamId: string;
  changes: TeamUpdateBody;
}): Promise<TeamDetail> {
  const { actor, changes } = props;
  return namedUniquely(changes.name, () =>
    props.db.transaction().execute(async (trx) => {
      const before = await assertTeam(trx, actor.workspaceId, props.teamId);
      if (changes.calendarId) await assertCalendar(trx, actor.workspaceId, changes.calendarId);
      const { settings, capacity, ...plain } = changes;
      await checkLinkedTeams(trx, actor.workspaceId, props.teamId, settings);
      await keepOneDefault(trx, actor.workspaceId, props.teamId, settings);
      await trx
        .updateTable('teams')
        .set({
          ...plain,
          ...(settings ? { settings: mergeSettings(before.settings, settings) } : {}),
          ...(capacity ? { capacity: mergeCapacity(before.capacity, capacity) } : {}),
          updatedAt: new Date(),
        })
        .where('workspaceId', '=', actor.workspaceId)
        .where('id', '=', props.teamId)
        .execute();
      await recordTeamEvent(trx, actor, props.teamId, 'team.updated', { changes });
      return getTeam({ db: trx, workspaceId: actor.workspaceId, teamId: props.teamId });
    }),
  );
}

/**
 * Deletes a team. Its conversations and mailboxes keep no team (the foreign keys set it
 * null); views shared with it go back to being their owners' private views.
 */
export async function deleteTeam(props: { db: Db; actor: Actor; teamId: string }) {
  const { actor } = props;
  await props.db.transaction().execute(async (trx) => {
    await assertTeam(trx, actor.workspaceId, props.teamId);
    await trx
      .updateTable('savedViews')
      .set({ visibility: 'private', teamId: null, updatedAt: new Date() })
      .where('workspaceId', '=', actor.workspaceId)
      .where('teamId', '=', props.teamId)
      .execute();
    await trx
      .deleteFrom('teams')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.teamId)
      .execute();
    await recordTeamEvent(trx, actor, props.teamId, 'team.deleted', {});
  });
}

/** Replaces the members (and who leads). */
export async function setTeamMembers(props: {
  db: Db;
  actor: Actor;
  teamId: string;
  members: TeamMemberInput[];
}): Promise<TeamDetail> {
  const { actor } = props;
  return props.db.transaction().execute(async (trx) => {
    await assertTeam(trx, actor.workspaceId, props.teamId);
    const members = await checkedMembers(trx, actor.workspaceId, props.members);
    let remove = trx
      .deleteFrom('teamMembers')
      .where('workspaceId', '=', actor.workspaceId)
      .where('teamId', '=', props.teamId);
    if (members.length > 0)
      remove = remove.where(
        'userId',
        'not in',
        members.map((m) => m.userId),
      );
    await remove.execute();
    await writeMembers(trx, actor.workspaceId, props.teamId, members);
    await recordTeamEvent(trx, actor, props.teamId, 'team.members_changed', { members });
    return getTeam({ db: trx, workspaceId: actor.workspaceId, teamId: props.teamId });
  });
}

/** Adds one member, or changes whether they lead. */
export async function addTeamMember(props: {
  db: Db;
  actor: Actor;
  teamId: string;
  member: TeamMemberInput;
}): Promise<TeamDetail> {
  const { actor } = props;
  return props.db.transaction().execute(async (trx) => {
    await assertTeam(trx, actor.workspaceId, props.teamId);
    const members = await checkedMembers(trx, actor.workspaceId, [props.member]);
    await writeMembers(trx, actor.workspaceId, props.teamId, members);
    await recordTeamEvent(trx, actor, props.teamId, 'team.members_changed', { added: members });
    return getTeam({ db: trx, workspaceId: actor.workspaceId, teamId: props.teamId });
  });
}

export async function removeTeamMember(props: {
  db: Db;
  actor: Actor;
  teamId: string;
  userId: string;
}) {
  const { actor } = props;
  await props.db.transaction().execute(async (trx) => {
    await assertTeam(trx, actor.workspaceId, props.teamId);
    const removed = await trx
      .deleteFrom('teamMembers')
      .where('workspaceId', '=', actor.workspaceId)
      .where('teamId', '=', props.teamId)
      .where('userId', '=', props.userId)
      .executeTakeFirst();
    if (removed.numDeletedRows === 0n) throw notFound('The member', 'user_not_found');
    await recordTeamEvent(trx, actor, props.teamId, 'team.members_changed', {
      removed: props.userId,
    });
  });
}

/** Whether the user belongs to the team (leads: `lead` true as well). */
export async function membership(
  db: Db | Tx,
  workspaceId: string,
  teamId: string,
  userId: string,
): Promise<{ lead: boolean } | null> {
  const row = await db
    .selectFrom('teamMembers')
    .select('lead')
    .where('workspaceId', '=', workspaceId)
    .where('teamId', '=', teamId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row ?? null;
}

function recordTeamEvent(trx: Tx, actor: Actor, teamId: string, type: string, data: object) {
  return recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'team',
    aggregateId: teamId,
    type,
    data: { ...data, actorId: actor.userId },
    broadcast: true,
  });
}
