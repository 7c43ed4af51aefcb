import type {
  AgentSkill,
  AgentSkillsBody,
  RequiredSkill,
  Skill,
  SkillCreateBody,
  SkillUpdateBody,
} from '@parley/contract';
import { sql, type Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import type { SkillsTable } from './teams.tables.js';

function presentSkill(row: Selectable<SkillsTable>): Skill {
  return {
    id: row.id,
    type: row.type,
    value: row.value,
    label: row.label,
    createdAt: row.createdAt.toISOString(),
  };
}

async function assertSkill(db: Db | Tx, workspaceId: string, skillId: string) {
  const row = await db
    .selectFrom('skills')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', skillId)
    .executeTakeFirst();
  if (!row) throw notFound('The skill', 'skill_not_found');
  return row;
}

export async function findSkills(props: { db: Db; workspaceId: string; type?: string }) {
  let q = props.db.selectFrom('skills').selectAll().where('workspaceId', '=', props.workspaceId);
  if (props.type) q = q.where('type', '=', props.type);
  return (await q.orderBy('type').orderBy('value').execute()).map(presentSkill);
}

export async function getSkill(props: { db: Db; workspaceId: string; skillId: string }) {
  return presentSkill(await assertSkill(props.db, props.workspaceId, props.skillId));
}

/** (type, value) is unique per workspace: a clash is `409 skill_taken`. */
async function uniquely<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw new AppError('skill_taken', 'A skill of this type with this value already exists');
    throw error;
  }
}

export async function createSkill(props: { db: Db; actor: Actor; body: SkillCreateBody }) {
  const { actor, body } = props;
  const row = await uniquely(() =>
    props.db
      .insertInto('skills')
      .values({
        workspaceId: actor.workspaceId,
        id: uuidv7(),
        type: body.type,
        value: body.value,
        label: body.label ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return presentSkill(row);
}

export async function updateSkill(props: {
  db: Db;
  actor: Actor;
  skillId: string;
  changes: SkillUpdateBody;
}) {
  const { actor } = props;
  await assertSkill(props.db, actor.workspaceId, props.skillId);
  const row = await uniquely(() =>
    props.db
      .updateTable('skills')
      .set(props.changes)
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.skillId)
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return presentSkill(row);
}

/** Deletes a skill: agents lose it (cascade) and no conversation requires it any more. */
export async function deleteSkill(props: { db: Db; actor: Actor; skillId: string }) {
  const { actor, skillId } = props;
  await props.db.transaction().execute(async (trx) => {
    await assertSkill(trx, actor.workspaceId, skillId);
    await sql`
      update conversations set required_skills = array_remove(required_skills, ${skillId}::uuid)
       where workspace_id = ${actor.workspaceId} and required_skills @> array[${skillId}::uuid]`.execute(
      trx,
    );
    await trx
      .deleteFrom('skills')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', skillId)
      .execute();
  });
}

/** An agent's skills with their levels, by type then value. */
export async function agentSkills(
  db: Db | Tx,
  workspaceId: string,
  userId: string,
): Promise<AgentSkill[]> {
  return db
    .selectFrom('agentSkills as a')
    .innerJoin('skills as s', (j) =>
      j.onRef('s.workspaceId', '=', 'a.workspaceId').onRef('s.id', '=', 'a.skillId'),
    )
    .select(['a.skillId', 's.type', 's.value', 'a.level'])
    .where('a.workspaceId', '=', workspaceId)
    .where('a.userId', '=', userId)
    .orderBy('s.type')
    .orderBy('s.value')
    .execute();
}

/** Replaces an agent's skills (in the caller's transaction; the user is checked there). */
export async function setAgentSkills(
  trx: Tx,
  props: { actor: Actor; userId: string; body: AgentSkillsBody },
): Promise<AgentSkill[]> {
  const { actor, userId } = props;
  const levels = new Map(props.body.skills.map((s) => [s.skillId, s.level]));
  await resolveSkillIds(trx, actor.workspaceId, [...levels.keys()]);
  await trx
    .deleteFrom('agentSkills')
    .where('workspaceId', '=', actor.workspaceId)
    .where('userId', '=', userId)
    .execute();
  if (levels.size > 0)
    await trx
      .insertInto('agentSkills')
      .values(
        [...levels].map(([skillId, level]) => ({
          workspaceId: actor.workspaceId,
          userId,
          skillId,
          level,
        })),
      )
      .execute();
  await recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'user',
    aggregateId: userId,
    type: 'agent.skills_changed',
    data: { skills: Object.fromEntries(levels), actorId: actor.userId },
  });
  return agentSkills(trx, actor.workspaceId, userId);
}

/**
 * Skills named by id or by { type, value }, as ids (sorted, each once); any that is not a
 * skill of the workspace is `404 skill_not_found` naming it.
 */
export async function resolveSkillIds(
  db: Db | Tx,
  workspaceId: string,
  skills: RequiredSkill[],
): Promise<string[]> {
  if (skills.length === 0) return [];
  const ids = skills.filter((s): s is string => typeof s === 'string');
  const pairs = skills.filter((s): s is { type: string; value: string } => typeof s !== 'string');
  const rows = await db
    .selectFrom('skills')
    .select(['id', 'type', 'value'])
    .where('workspaceId', '=', workspaceId)
    .where((eb) =>
      eb.or([
        ...(ids.length > 0 ? [eb('id', 'in', ids)] : []),
        ...pairs.map((p) => eb.and([eb('type', '=', p.type), eb('value', '=', p.value)])),
      ]),
    )
    .execute();
  const missing =
    ids.find((id) => !rows.some((r) => r.id === id)) ??
    pairs.find((p) => !rows.some((r) => r.type === p.type && r.value === p.value));
  if (missing !== undefined)
    throw new AppError('skill_not_found', 'A skill is not defined in this workspace', {
      details: { skill: missing },
    });
  return [...new Set(rows.map((r) => r.id))].sort();
}
