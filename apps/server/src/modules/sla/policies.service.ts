import type {
  SlaEscalation,
  SlaPolicy,
  SlaPolicyCreateBody,
  SlaPolicyUpdateBody,
} from '@parley/contract';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { assertTeam } from '../teams/teams.service.js';
import { assertCalendar } from './calendars.service.js';
import type { SlaPoliciesTable } from './sla.tables.js';

export type SlaPolicyRow = Selectable<SlaPoliciesTable>;

export function presentPolicy(row: SlaPolicyRow): SlaPolicy {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    position: row.position,
    enabled: row.enabled,
    calendarId: row.calendarId,
    conditions: row.conditions,
    targets: row.targets,
    pauseOnHold: row.pauseOnHold,
    warnAtPercent: row.warnAtPercent,
    escalations: row.escalations,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The workspace's policies in the order they are tried: position, then creation (ids are v7). */
export function findPolicyRows(db: Db | Tx, workspaceId: string, onlyEnabled = false) {
  let query = db.selectFrom('slaPolicies').selectAll().where('workspaceId', '=', workspaceId);
  if (onlyEnabled) query = query.where('enabled', '=', true);
  return query.orderBy('position').orderBy('id').execute();
}

export async function findPolicies(props: { db: Db; workspaceId: string }): Promise<SlaPolicy[]> {
  return (await findPolicyRows(props.db, props.workspaceId)).map(presentPolicy);
}

async function assertPolicy(db: Db | Tx, workspaceId: string, policyId: string, lock = false) {
  let query = db
    .selectFrom('slaPolicies')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', policyId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('The SLA policy', 'sla_policy_not_found');
  return row;
}

export async function getPolicy(props: { db: Db; workspaceId: string; policyId: string }) {
  return presentPolicy(await assertPolicy(props.db, props.workspaceId, props.policyId));
}

/** The calendar and the escalation teams must be the workspace's own (404 otherwise). */
async function checkReferences(
  trx: Tx,
  workspaceId: string,
  calendarId: string | null | undefined,
  escalations: SlaEscalation[] | undefined,
) {
  if (calendarId) await assertCalendar(trx, workspaceId, calendarId);
  for (const e of escalations ?? [])
    if (e.moveToTeamId) await assertTeam(trx, workspaceId, e.moveToTeamId);
}

const sortedPercents = (percents: number[] | undefined) =>
  percents ? [...new Set(percents)].sort((a, b) => a - b) : undefined;

function recordPolicyEvent(trx: Tx, actor: Actor, id: string, type: string, data: object) {
  return recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'sla_policy',
    aggregateId: id,
    type,
    data: { ...data, actorId: actor.userId },
  });
}

export async function createPolicy(props: {
  db: Db;
  actor: Actor;
  body: SlaPolicyCreateBody;
}): Promise<SlaPolicy> {
  const { actor, body } = props;
  const row = await props.db.transaction().execute(async (trx) => {
    await checkReferences(trx, actor.workspaceId, body.calendarId, body.escalations);
    const created = await trx
      .insertInto('slaPolicies')
      .values({
        workspaceId: actor.workspaceId,
        id: uuidv7(),
        name: body.name,
        description: body.description ?? null,
        position: body.position ?? 0,
        enabled: body.enabled ?? true,
        calendarId: body.calendarId ?? null,
        conditions: JSON.stringify(body.conditions ?? {}),
        targets: JSON.stringify(body.targets),
        pauseOnHold: body.pauseOnHold ?? false,
        warnAtPercent: sortedPercents(body.warnAtPercent) ?? [75],
        escalations: JSON.stringify(body.escalations ?? []),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordPolicyEvent(trx, actor, created.id, 'sla_policy.created', { name: body.name });
    return created;
  });
  return presentPolicy(row);
}

export async function updatePolicy(props: {
  db: Db;
  actor: Actor;
  policyId: string;
  changes: SlaPolicyUpdateBody;
}): Promise<SlaPolicy> {
  const { actor, changes } = props;
  const row = await props.db.transaction().execute(async (trx) => {
    await assertPolicy(trx, actor.workspaceId, props.policyId, true);
    await checkReferences(trx, actor.workspaceId, changes.calendarId, changes.escalations);
    const { conditions, targets, escalations, warnAtPercent, ...plain } = changes;
    const updated = await trx
      .updateTable('slaPolicies')
      .set({
        ...plain,
        ...(conditions ? { conditions: JSON.stringify(conditions) } : {}),
        ...(targets ? { targets: JSON.stringify(targets) } : {}),
        ...(escalations ? { escalations: JSON.stringify(escalations) } : {}),
        ...(warnAtPercent ? { warnAtPercent: sortedPercents(warnAtPercent) ?? [] } : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.policyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordPolicyEvent(trx, actor, props.policyId, 'sla_policy.updated', { changes });
    return updated;
  });
  return presentPolicy(row);
}

/** Deletes a policy; conversations it applied to are evaluated again (another may apply). */
export async function deletePolicy(props: { db: Db; actor: Actor; policyId: string }) {
  const { actor } = props;
  await props.db.transaction().execute(async (trx) => {
    await assertPolicy(trx, actor.workspaceId, props.policyId, true);
    await trx
      .deleteFrom('slaPolicies')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.policyId)
      .execute();
    await recordPolicyEvent(trx, actor, props.policyId, 'sla_policy.deleted', {});
  });
}
