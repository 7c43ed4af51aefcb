import type {
  Absence,
  AbsenceCreateBody,
  AbsenceListQuery,
  AbsenceUpdateBody,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { cancelJob, enqueue } from '../../platform/jobs.js';
import { recordEvent } from '../../platform/outbox.js';
import { decodeCursor, toPage } from '../../platform/pagination.js';
import { handBackConversations } from '../conversations/hand-back.service.js';
import { assertSelfOrManager, lockAgent } from './agents.service.js';
import type { AbsencesTable } from './availability.tables.js';
import { wholeDays } from './schedule.js';

type AbsenceRow = Selectable<AbsencesTable>;

/** Runs at an absence's start: hands the agent's conversations back (see `startAbsence`). */
export const absenceStartJob = {
  name: 'availability.absence_started',
  payload: Type.Object({ workspaceId: Type.String(), absenceId: Type.String() }),
  maxAttempts: 10,
};

const jobKey = (absenceId: string) => `absence-start:${absenceId}`;

export function presentAbsence(row: AbsenceRow): Absence {
  return {
    id: row.id,
    userId: row.userId,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    allDay: row.allDay,
    reason: row.reason,
    delegateId: row.delegateId,
    handedBackAt: row.handedBackAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function assertAbsence(db: Db | Tx, workspaceId: string, absenceId: string, lock = false) {
  let q = db
    .selectFrom('absences')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', absenceId);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('The absence', 'absence_not_found');
  return row;
}

export async function getAbsence(props: { db: Db; workspaceId: string; absenceId: string }) {
  return presentAbsence(await assertAbsence(props.db, props.workspaceId, props.absenceId));
}

const isCursor = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');

/** Absences by start time, optionally one person's and overlapping a period; keyset-paged. */
export async function findAbsences(props: {
  db: Db;
  workspaceId: string;
  query: AbsenceListQuery;
}) {
  const { query } = props;
  const limit = query.limit ?? 50;
  let q = props.db.selectFrom('absences').selectAll().where('workspaceId', '=', props.workspaceId);
  if (query.userId) q = q.where('userId', '=', query.userId);
  if (query.from) q = q.where('endsAt', '>', new Date(query.from));
  if (query.to) q = q.where('startsAt', '<', new Date(query.to));
  const after = decodeCursor(query.cursor, isCursor);
  if (after)
    q = q.where((eb) =>
      eb(eb.refTuple('startsAt', 'id'), '>', eb.tuple(new Date(after[0]), after[1])),
    );
  const rows = await q
    .orderBy('startsAt')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, presentAbsence, (r) => [r.startsAt.toISOString(), r.id]);
}

/** The instants an absence covers: given as instants, or as whole days in the agent's zone. */
async function timesOf(
  trx: Tx,
  workspaceId: string,
  userId: string,
  body: AbsenceUpdateBody,
  before?: AbsenceRow,
): Promise<{ startsAt: Date; endsAt: Date; allDay: boolean }> {
  const instants = body.startsAt !== undefined || body.endsAt !== undefined;
  const dates = body.startDate !== undefined || body.endDate !== undefined;
  const invalid = (message: string) =>
    new AppError('validation_failed', message, {
      details: { issues: [{ path: 'body', message }] },
    });
  if (instants && dates) throw invalid('Give startsAt/endsAt or startDate/endDate, not both');
  let times: { startsAt: Date; endsAt: Date; allDay: boolean };
  if (dates) {
    if (!body.startDate || !body.endDate) throw invalid('Give both startDate and endDate');
    const zone = await agentZone(trx, workspaceId, userId);
    times = { ...wholeDays(body.startDate, body.endDate, zone), allDay: true };
  } else if (instants || !before) {
    const startsAt = body.startsAt ?? before?.startsAt.toISOString();
    const endsAt = body.endsAt ?? before?.endsAt.toISOString();
    if (!startsAt || !endsAt)
      throw invalid('Give startsAt and endsAt (instants) or startDate and endDate (whole days)');
    times = { startsAt: new Date(startsAt), endsAt: new Date(endsAt), allDay: false };
  } else times = { startsAt: before.startsAt, endsAt: before.endsAt, allDay: before.allDay };
  if (times.endsAt <= times.startsAt) throw invalid('An absence must end after it starts');
  return times;
}

/** The agent's time zone: their working hours', else their profile's. */
async function agentZone(trx: Tx, workspaceId: string, userId: string): Promise<string> {
  const row = await trx
    .selectFrom('users as u')
    .leftJoin('agents as a', (j) =>
      j.onRef('a.workspaceId', '=', 'u.workspaceId').onRef('a.userId', '=', 'u.id'),
    )
    .select(['a.timeZone as agentZone', 'u.timeZone as userZone'])
    .where('u.workspaceId', '=', workspaceId)
    .where('u.id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.agentZone ?? row.userZone;
}

async function checkDelegate(trx: Tx, workspaceId: string, userId: string, delegateId: string) {
  if (delegateId === userId)
    throw new AppError('validation_failed', 'An agent cannot delegate to themselves', {
      details: { issues: [{ path: 'body.delegateId', message: 'is the absent agent' }] },
    });
  const delegate = await trx
    .selectFrom('users')
    .select('status')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', delegateId)
    .executeTakeFirst();
  if (!delegate || delegate.status !== 'active')
    throw new AppError('user_not_found', 'The delegate is not an active user of this workspace', {
      details: { delegateId },
    });
}

/** Overlapping absences of one person are refused by the exclusion constraint: 409. */
async function withoutOverlap<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: string }).code === '23P01')
      throw new AppError('absence_overlaps', 'This person is already absent during that time');
    throw error;
  }
}

/**
 * After an absence is written: one that covers now hands back at once, one that starts
 * later gets a job at its start (the same key: a moved absence moves its job), one that is
 * over needs nothing.
 */
async function scheduleHandBack(trx: Tx, actor: Actor, row: AbsenceRow): Promise<AbsenceRow> {
  const now = new Date();
  if (row.handedBackAt || row.endsAt <= now) {
    await cancelJob(trx, jobKey(row.id));
    return row;
  }
  if (row.startsAt <= now) {
    await cancelJob(trx, jobKey(row.id));
    return startAbsence(trx, row, { type: 'user', id: actor.userId });
  }
  await enqueue(
    trx,
    absenceStartJob,
    { workspaceId: row.workspaceId, absenceId: row.id },
    { runAt: row.startsAt, jobKey: jobKey(row.id) },
  );
  return row;
}

/**
 * The absence has begun: hands the agent's conversations to the delegate (if active and
 * not absent themselves at this moment) or the queue, and marks the absence handed back.
 */
export async function startAbsence(
  trx: Tx,
  absence: AbsenceRow,
  actor: { type: 'user' | 'system'; id: string | null },
): Promise<AbsenceRow> {
  let delegateId = absence.delegateId;
  if (delegateId) {
    const away = await trx
      .selectFrom('users as u')
      .select('u.status')
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('absences as b')
              .select('b.id')
              .whereRef('b.workspaceId', '=', 'u.workspaceId')
              .whereRef('b.userId', '=', 'u.id')
              .where('b.startsAt', '<=', new Date())
              .where('b.endsAt', '>', new Date()),
          )
          .as('absent'),
      )
      .where('u.workspaceId', '=', absence.workspaceId)
      .where('u.id', '=', delegateId)
      .executeTakeFirst();
    if (!away || away.status !== 'active' || away.absent) delegateId = null;
  }
  await handBackConversations(trx, {
    workspaceId: absence.workspaceId,
    agentId: absence.userId,
    reason: 'absence',
    delegateId,
    absenceId: absence.id,
    actor,
  });
  return trx
    .updateTable('absences')
    .set({ handedBackAt: new Date() })
    .where('workspaceId', '=', absence.workspaceId)
    .where('id', '=', absence.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The job at an absence's start: does nothing if it was deleted, moved or already handled. */
export async function runAbsenceStart(db: Db, payload: { workspaceId: string; absenceId: string }) {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('absences')
      .selectAll()
      .where('workspaceId', '=', payload.workspaceId)
      .where('id', '=', payload.absenceId)
      .forUpdate()
      .executeTakeFirst();
    const now = new Date();
    if (!row || row.handedBackAt || row.startsAt > now || row.endsAt <= now) return;
    await startAbsence(trx, row, { type: 'system', id: null });
  });
}

export async function createAbsence(props: {
  db: Db;
  actor: Actor;
  body: AbsenceCreateBody;
}): Promise<Absence> {
  const { actor, body } = props;
  const userId = body.userId ?? actor.userId;
  assertSelfOrManager(actor, userId, 'absences');
  const row = await withoutOverlap(() =>
    props.db.transaction().execute(async (trx) => {
      await lockAgent(trx, actor.workspaceId, userId);
      const times = await timesOf(trx, actor.workspaceId, userId, body);
      if (body.delegateId) await checkDelegate(trx, actor.workspaceId, userId, body.delegateId);
      const created = await trx
        .insertInto('absences')
        .values({
          workspaceId: actor.workspaceId,
          id: uuidv7(),
          userId,
          ...times,
          reason: body.reason ?? null,
          delegateId: body.delegateId ?? null,
          createdBy: actor.userId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAbsenceEvent(trx, actor, created, 'absence.created');
      return scheduleHandBack(trx, actor, created);
    }),
  );
  return presentAbsence(row);
}

export async function updateAbsence(props: {
  db: Db;
  actor: Actor;
  absenceId: string;
  changes: AbsenceUpdateBody;
}): Promise<Absence> {
  const { actor, changes } = props;
  const row = await withoutOverlap(() =>
    props.db.transaction().execute(async (trx) => {
      const before = await assertAbsence(trx, actor.workspaceId, props.absenceId, true);
      assertSelfOrManager(actor, before.userId, 'absences');
      const times = await timesOf(trx, actor.workspaceId, before.userId, changes, before);
      if (changes.delegateId)
        await checkDelegate(trx, actor.workspaceId, before.userId, changes.delegateId);
      const moved = times.startsAt.getTime() !== before.startsAt.getTime();
      const updated = await trx
        .updateTable('absences')
        .set({
          ...times,
          ...(changes.reason !== undefined ? { reason: changes.reason } : {}),
          ...(changes.delegateId !== undefined ? { delegateId: changes.delegateId } : {}),
          // Moved to the future: it is handed back again when it starts.
          ...(moved && times.startsAt > new Date() ? { handedBackAt: null } : {}),
          updatedAt: new Date(),
        })
        .where('workspaceId', '=', actor.workspaceId)
        .where('id', '=', before.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAbsenceEvent(trx, actor, updated, 'absence.updated');
      return scheduleHandBack(trx, actor, updated);
    }),
  );
  return presentAbsence(row);
}

export async function deleteAbsence(props: { db: Db; actor: Actor; absenceId: string }) {
  const { actor } = props;
  await props.db.transaction().execute(async (trx) => {
    const before = await assertAbsence(trx, actor.workspaceId, props.absenceId, true);
    assertSelfOrManager(actor, before.userId, 'absences');
    await trx
      .deleteFrom('absences')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', before.id)
      .execute();
    await cancelJob(trx, jobKey(before.id));
    await recordAbsenceEvent(trx, actor, before, 'absence.deleted');
  });
}

function recordAbsenceEvent(trx: Tx, actor: Actor, row: AbsenceRow, type: string) {
  return recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'user',
    aggregateId: row.userId,
    type,
    data: { absence: presentAbsence(row), actorId: actor.userId },
    broadcast: true,
  });
}
