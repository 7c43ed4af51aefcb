import type {
  Agent,
  AgentCapacityBody,
  AgentSkillsBody,
  Presence,
  Schedule,
} from '@parley/contract';
import { sql } from 'kysely';
import type { Db, Tx } from '../../database.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { handBackConversations } from '../conversations/hand-back.service.js';
import { agentSkills, setAgentSkills } from '../teams/skills.service.js';
import { presentAbsence } from './absences.service.js';
import { agentLoads } from './capacity.js';
import { assertTimeZone, dayIntervals, unavailableReason } from './schedule.js';

/** Agents change their own presence and schedule; managers and above anyone's. */
export function assertSelfOrManager(actor: Actor, userId: string, what: string): void {
  if (actor.userId !== userId && !roleAtLeast(actor.role, 'manager'))
    throw forbidden(`Only managers and above set another person's ${what}`);
}

/**
 * The agent's routing row, created on first use and locked for the transaction. The user
 * must be an active user of the workspace (else `404 user_not_found`).
 */
export async function lockAgent(trx: Tx, workspaceId: string, userId: string) {
  const user = await trx
    .selectFrom('users')
    .select('status')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.status !== 'active') throw notFound('The user', 'user_not_found');
  await trx
    .insertInto('agents')
    .values({ workspaceId, userId, capacity: '{}' })
    .onConflict((oc) => oc.columns(['workspaceId', 'userId']).doNothing())
    .execute();
  return trx
    .selectFrom('agents')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('userId', '=', userId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

/** An agent's change, by a person (`actor`) or by the system (no `userId`). */
function recordAgentEvent(
  trx: Tx,
  actor: { workspaceId: string; userId?: string },
  userId: string,
  type: string,
  data: object,
) {
  return recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'user',
    aggregateId: userId,
    type,
    data: { userId, ...data, actorId: actor.userId ?? null },
    broadcast: true,
  });
}

/**
 * Sets presence: by the agent (the app, the API), a manager, or the system (`{ system: 'realtime' }`): the
 * realtime sweep when the agent's last connection has been gone a while. Going offline
 * hands back the conversations of the agent's teams that say `handBackOnOffline`, in the
 * same transaction. `onlyIf` and `notSeenSince` are checked under the agent's lock, so the
 * sweep never undoes a choice or a reconnection made meanwhile.
 */
export async function setPresence(props: {
  db: Db;
  actor: Actor | { system: 'realtime'; workspaceId: string };
  userId: string;
  presence: Presence;
  onlyIf?: Presence[];
  /** The sweep: only if no node has stamped a connection since. */
  notSeenSince?: Date;
}): Promise<Agent> {
  const { actor, userId, presence } = props;
  const byUser = 'userId' in actor ? actor : null;
  if (byUser) assertSelfOrManager(byUser, userId, 'presence');
  await props.db.transaction().execute(async (trx) => {
    const before = await lockAgent(trx, actor.workspaceId, userId);
    if (before.presence === presence) return;
    if (props.onlyIf && !props.onlyIf.includes(before.presence)) return;
    const seen = before.realtimeSeenAt;
    if (props.notSeenSince && seen && seen >= props.notSeenSince) return;
    await trx
      .updateTable('agents')
      .set({ presence, presenceChangedAt: new Date(), updatedAt: new Date() })
      .where('workspaceId', '=', actor.workspaceId)
      .where('userId', '=', userId)
      .execute();
    await recordAgentEvent(trx, actor, userId, 'agent.presence_changed', {
      from: before.presence,
      presence,
      ...(byUser ? {} : { reason: 'disconnected' }),
    });
    if (presence === 'offline')
      await handBackConversations(trx, {
        workspaceId: actor.workspaceId,
        agentId: userId,
        reason: 'offline',
        delegateId: null,
        actor: byUser ? { type: 'user', id: byUser.userId } : { type: 'system', id: null },
      });
  });
  return getAgent({ db: props.db, workspaceId: actor.workspaceId, userId });
}

/** Replaces the agent's time zone and weekly hours (stored as given and split for SQL). */
export async function setSchedule(props: {
  db: Db;
  actor: Actor;
  userId: string;
  schedule: Schedule;
}): Promise<Agent> {
  const { actor, userId, schedule } = props;
  assertSelfOrManager(actor, userId, 'working hours');
  assertTimeZone(schedule.timeZone);
  const intervals = dayIntervals(schedule.weeklyHours);
  await props.db.transaction().execute(async (trx) => {
    await lockAgent(trx, actor.workspaceId, userId);
    // The routing SQL reads the zone with PostgreSQL's tz database: it must know it too.
    const known = await sql<{ ok: boolean }>`
      select exists (select 1 from pg_timezone_names where name = ${schedule.timeZone}) as ok`.execute(
      trx,
    );
    if (!known.rows[0]?.ok) assertTimeZone('', 'body.timeZone');
    await trx
      .updateTable('agents')
      .set({
        timeZone: schedule.timeZone,
        weeklyHours: JSON.stringify(schedule.weeklyHours),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .where('userId', '=', userId)
      .execute();
    await writeIntervals(trx, actor.workspaceId, userId, intervals);
    await recordAgentEvent(trx, actor, userId, 'agent.schedule_changed', {
      timeZone: schedule.timeZone,
    });
  });
  return getAgent({ db: props.db, workspaceId: actor.workspaceId, userId });
}

async function writeIntervals(
  trx: Tx,
  workspaceId: string,
  userId: string,
  intervals: ReturnType<typeof dayIntervals>,
) {
  await trx
    .deleteFrom('agentScheduleIntervals')
    .where('workspaceId', '=', workspaceId)
    .where('userId', '=', userId)
    .execute();
  if (intervals.length > 0)
    await trx
      .insertInto('agentScheduleIntervals')
      .values(intervals.map((i) => ({ workspaceId, userId, ...i })))
      .execute();
}

/** No working hours: the agent is available whenever online. */
export async function clearSchedule(props: { db: Db; actor: Actor; userId: string }) {
  const { actor, userId } = props;
  assertSelfOrManager(actor, userId, 'working hours');
  await props.db.transaction().execute(async (trx) => {
    await lockAgent(trx, actor.workspaceId, userId);
    await trx
      .updateTable('agents')
      .set({ timeZone: null, weeklyHours: null, updatedAt: new Date() })
      .where('workspaceId', '=', actor.workspaceId)
      .where('userId', '=', userId)
      .execute();
    await writeIntervals(trx, actor.workspaceId, userId, []);
    await recordAgentEvent(trx, actor, userId, 'agent.schedule_changed', { timeZone: null });
  });
  return getAgent({ db: props.db, workspaceId: actor.workspaceId, userId });
}

/** The agent's own limits per channel (managers and above). */
export async function setAgentCapacity(props: {
  db: Db;
  actor: Actor;
  userId: string;
  body: AgentCapacityBody;
}): Promise<Agent> {
  const { actor, userId } = props;
  await props.db.transaction().execute(async (trx) => {
    await lockAgent(trx, actor.workspaceId, userId);
    await trx
      .updateTable('agents')
      .set({ capacity: JSON.stringify({ limits: props.body.limits }), updatedAt: new Date() })
      .where('workspaceId', '=', actor.workspaceId)
      .where('userId', '=', userId)
      .execute();
    await recordAgentEvent(trx, actor, userId, 'agent.capacity_changed', props.body);
  });
  return getAgent({ db: props.db, workspaceId: actor.workspaceId, userId });
}

/** Replaces the agent's skills and levels (managers and above). */
export async function setSkillsOf(props: {
  db: Db;
  actor: Actor;
  userId: string;
  body: AgentSkillsBody;
}): Promise<Agent> {
  const { actor, userId } = props;
  await props.db.transaction().execute(async (trx) => {
    await lockAgent(trx, actor.workspaceId, userId);
    await setAgentSkills(trx, { actor, userId, body: props.body });
  });
  return getAgent({ db: props.db, workspaceId: actor.workspaceId, userId });
}

/**
 * Everything routing knows of an agent: presence, schedule, limits, skills, teams, current
 * and upcoming absences, whether they can take work now (and why not), their load.
 */
export async function getAgent(props: {
  db: Db | Tx;
  workspaceId: string;
  userId: string;
  at?: Date;
}): Promise<Agent> {
  const { db, workspaceId, userId } = props;
  const at = props.at ?? new Date();
  const user = await db
    .selectFrom('users as u')
    .leftJoin('agents as a', (j) =>
      j.onRef('a.workspaceId', '=', 'u.workspaceId').onRef('a.userId', '=', 'u.id'),
    )
    .select([
      'u.id',
      'u.name',
      'u.role',
      'a.presence',
      'a.presenceChangedAt',
      'a.timeZone',
      'a.weeklyHours',
      'a.capacity',
    ])
    .where('u.workspaceId', '=', workspaceId)
    .where('u.id', '=', userId)
    .executeTakeFirst();
  if (!user) throw notFound('The user', 'user_not_found');
  const [skills, teams, absences, loads] = await Promise.all([
    agentSkills(db, workspaceId, userId),
    db
      .selectFrom('teamMembers as m')
      .innerJoin('teams as t', (j) =>
        j.onRef('t.workspaceId', '=', 'm.workspaceId').onRef('t.id', '=', 'm.teamId'),
      )
      .select(['m.teamId', 't.name', 'm.lead'])
      .where('m.workspaceId', '=', workspaceId)
      .where('m.userId', '=', userId)
      .orderBy('t.name')
      .execute(),
    db
      .selectFrom('absences')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('userId', '=', userId)
      .where('endsAt', '>', at)
      .orderBy('startsAt')
      .limit(20)
      .execute(),
    agentLoads(db, workspaceId, [userId]),
  ]);
  const schedule =
    user.timeZone && user.weeklyHours
      ? { timeZone: user.timeZone, weeklyHours: user.weeklyHours }
      : null;
  const presence = user.presence ?? 'offline';
  const reason = unavailableReason({ presence, schedule, absences }, at);
  const load = loads.get(userId) ?? { count: 0, byChannel: {} };
  return {
    userId: user.id,
    name: user.name,
    role: user.role,
    presence,
    presenceChangedAt: user.presenceChangedAt?.toISOString() ?? null,
    schedule,
    capacity: { limits: user.capacity?.limits ?? {} },
    skills,
    teams,
    absences: absences.map(presentAbsence),
    availableNow: reason === null,
    unavailableReason: reason,
    load: {
      total: load.count,
      byChannel: Object.fromEntries(
        Object.entries(load.byChannel).map(([channel, l]) => [channel, l.count]),
      ),
    },
  };
}
