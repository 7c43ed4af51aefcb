import type {
  RoutingActions,
  RoutingConditions,
  RoutingRule,
  RoutingRuleCreateBody,
  RoutingRuleUpdateBody,
} from '@parley/contract';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { findFields } from '../fields/fields.service.js';
import { resolveSkillIds } from '../teams/skills.service.js';
import { assertTeam } from '../teams/teams.service.js';
import type { RoutingRulesTable } from './routing.tables.js';

export type RoutingRuleRow = Selectable<RoutingRulesTable>;

export function presentRule(row: RoutingRuleRow): RoutingRule {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    enabled: row.enabled,
    conditions: row.conditions,
    actions: row.actions,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findRules(props: { db: Db; workspaceId: string }): Promise<RoutingRule[]> {
  // In the order they are tried: position, then creation (ids are v7).
  const rows = await props.db
    .selectFrom('routingRules')
    .selectAll()
    .where('workspaceId', '=', props.workspaceId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map(presentRule);
}

async function assertRule(db: Db | Tx, workspaceId: string, ruleId: string, lock = false) {
  let query = db
    .selectFrom('routingRules')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', ruleId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('The routing rule', 'routing_rule_not_found');
  return row;
}

export async function getRule(props: {
  db: Db;
  workspaceId: string;
  ruleId: string;
}): Promise<RoutingRule> {
  return presentRule(await assertRule(props.db, props.workspaceId, props.ruleId));
}

/**
 * Actions as stored: the team must be one of the workspace's (`404 team_not_found`), the
 * skills too (`404 skill_not_found`), stored sorted and once each; tags trimmed, once each;
 * `escalate` needs a team (`400 validation_failed`).
 */
async function checkedActions(
  db: Db | Tx,
  workspaceId: string,
  actions: RoutingActions,
): Promise<RoutingActions> {
  if (actions.teamId) await assertTeam(db, workspaceId, actions.teamId);
  if (actions.escalate && !actions.teamId)
    throw new AppError('validation_failed', 'body.actions.escalate needs body.actions.teamId', {
      details: { issues: [{ path: 'body.actions.teamId', message: 'is required to escalate' }] },
    });
  return {
    ...actions,
    ...(actions.requiredSkills
      ? { requiredSkills: await resolveSkillIds(db, workspaceId, actions.requiredSkills) }
      : {}),
    ...(actions.tags ? { tags: [...new Set(actions.tags.map((t) => t.trim()))] } : {}),
  };
}

/** A custom-field condition names conversation fields of the workspace (`400 unknown_custom_field`). */
async function checkConditions(
  db: Db | Tx,
  workspaceId: string,
  conditions: RoutingConditions | undefined,
): Promise<void> {
  const keys = Object.keys(conditions?.customFields ?? {});
  if (keys.length === 0) return;
  const known = new Set(
    (await findFields(db, workspaceId, 'conversation')).map((field) => field.key),
  );
  const unknown = keys.find((key) => !known.has(key));
  if (unknown !== undefined)
    throw new AppError('unknown_custom_field', `There is no custom field "${unknown}"`, {
      details: { field: `conditions.customFields.${unknown}` },
    });
}

function recordRuleEvent(trx: Tx, actor: Actor, ruleId: string, type: string, data: object) {
  return recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'routing_rule',
    aggregateId: ruleId,
    type,
    data: { ...data, actorId: actor.userId },
  });
}

export async function createRule(props: {
  db: Db;
  actor: Actor;
  body: RoutingRuleCreateBody;
}): Promise<RoutingRule> {
  const { actor, body } = props;
  const row = await props.db.transaction().execute(async (trx) => {
    const actions = await checkedActions(trx, actor.workspaceId, body.actions);
    await checkConditions(trx, actor.workspaceId, body.conditions);
    const created = await trx
      .insertInto('routingRules')
      .values({
        workspaceId: actor.workspaceId,
        id: uuidv7(),
        name: body.name,
        position: body.position ?? 0,
        enabled: body.enabled ?? true,
        conditions: JSON.stringify(body.conditions ?? {}),
        actions: JSON.stringify(actions),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordRuleEvent(trx, actor, created.id, 'routing_rule.created', { name: body.name });
    return created;
  });
  return presentRule(row);
}

export async function updateRule(props: {
  db: Db;
  actor: Actor;
  ruleId: string;
  changes: RoutingRuleUpdateBody;
}): Promise<RoutingRule> {
  const { actor, changes } = props;
  const row = await props.db.transaction().execute(async (trx) => {
    await assertRule(trx, actor.workspaceId, props.ruleId, true);
    const { conditions, actions, ...plain } = changes;
    await checkConditions(trx, actor.workspaceId, conditions);
    const updated = await trx
      .updateTable('routingRules')
      .set({
        ...plain,
        ...(conditions ? { conditions: JSON.stringify(conditions) } : {}),
        ...(actions
          ? { actions: JSON.stringify(await checkedActions(trx, actor.workspaceId, actions)) }
          : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.ruleId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordRuleEvent(trx, actor, props.ruleId, 'routing_rule.updated', { changes });
    return updated;
  });
  return presentRule(row);
}

export async function deleteRule(props: { db: Db; actor: Actor; ruleId: string }): Promise<void> {
  const { actor } = props;
  await props.db.transaction().execute(async (trx) => {
    await assertRule(trx, actor.workspaceId, props.ruleId, true);
    await trx
      .deleteFrom('routingRules')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.ruleId)
      .execute();
    await recordRuleEvent(trx, actor, props.ruleId, 'routing_rule.deleted', {});
  });
}
