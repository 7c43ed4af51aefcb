import { Type, type Static } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Services } from '../../context.js';
import {
  addJobSql,
  defineJob,
  enqueue,
  sqlLiteral,
  type JobDefinition,
} from '../../platform/jobs.js';
import type { DeliveryContext, DomainEvent } from '../../platform/outbox.js';
import { announceForecast, teamsWithRunningQueues } from './forecast.service.js';
import { checkJobKey, evaluateConversationSla, noteStatus, slaCheckJob } from './sla.service.js';

/** Every unresolved conversation of a workspace evaluated again (a policy or calendar changed). */
export const slaReevaluateJob = {
  name: 'sla.reevaluate',
  payload: Type.Object({ workspaceId: Type.String({ minLength: 1 }) }),
  maxAttempts: 5,
};

/** Every minute: the forecast of each team with a waiting queue under a running SLA clock. */
export const slaForecastJob = {
  name: 'sla.forecast',
  payload: Type.Object({}),
  maxAttempts: 1,
};

/** Fields whose change may choose another policy or move a clock. */
const relevant = ['status', 'priority', 'teamId', 'tags', 'category', 'channel', 'contactId'];

/**
 * The SLA reacts to conversations: created, changed (status, priority, team, tags, category),
 * messages (a customer's starts a next-response clock and ends a pending stretch, an agent's
 * reply meets one), merged. Status changes are noted with the event's time (the pauses);
 * the evaluation itself is the job `sla.check`, enqueued for now under the conversation's
 * job key (a burst makes one). Policy, calendar and team-calendar changes re-evaluate the
 * workspace's open conversations.
 */
/** How long a node trusts what it read about a workspace's policies. */
const POLICIES_TTL_MS = 5_000;

/**
 * Whether a workspace has an enabled SLA policy, remembered a few seconds per process. Only
 * a shortcut: when it says yes, the check is queued and finds out for itself; when no, the
 * statement that would queue it asks the database again.
 */
function workspacesWithPolicies(services: Services): (workspaceId: string) => Promise<boolean> {
  const known = new Map<string, { has: boolean; until: number }>();
  return async (workspaceId) => {
    const hit = known.get(workspaceId);
    if (hit && hit.until > Date.now()) return hit.has;
    const row = await services.db
      .selectFrom('slaPolicies')
      .select('id')
      .where('workspaceId', '=', workspaceId)
      .where('enabled', '=', true)
      .limit(1)
      .executeTakeFirst();
    if (known.size >= 10_000) known.clear();
    known.set(workspaceId, { has: row !== undefined, until: Date.now() + POLICIES_TTL_MS });
    return row !== undefined;
  };
}

export function slaSubscribers(services: Services): void {
  const { outbox, db } = services;
  const withPolicies = workspacesWithPolicies(services);
  const evaluateSoon = async (event: DomainEvent, context: DeliveryContext) => {
    const payload: Static<typeof slaCheckJob.payload> = {
      workspaceId: event.workspaceId,
      conversationId: event.aggregateId,
    };
    // A workspace with enabled policies: the check is queued with the event's batch.
    if (await withPolicies(event.workspaceId)) {
      context.enqueue(slaCheckJob, payload, { jobKey: checkJobKey(event.aggregateId) });
      return;
    }
    // Without (as far as this node knew a moment ago), and on a conversation that never had
    // one: nothing to do. The database decides when the lane commits (two indexed
    // look-ups), so a policy created a moment ago is not missed, at no round trip of its own.
    const workspace = sqlLiteral(event.workspaceId);
    context.enqueueWhere(
      `exists (select 1 from sla_policies where workspace_id = ${workspace}::uuid and enabled)
        or exists (select 1 from conversations where workspace_id = ${workspace}::uuid
                      and id = ${sqlLiteral(event.aggregateId)}::uuid and sla_policy_id is not null)`,
      slaCheckJob,
      payload,
      { jobKey: checkJobKey(event.aggregateId) },
    );
  };

  outbox.subscribe('conversation.created', 'sla-evaluate', evaluateSoon);

  outbox.subscribe('conversation.updated', 'sla-evaluate', async (event, context) => {
    const changes = (event.data as { changes?: Record<string, unknown> }).changes ?? {};
    if (typeof changes.status === 'string')
      await noteStatus(db, {
        workspaceId: event.workspaceId,
        conversationId: event.aggregateId,
        status: changes.status,
        at: new Date(event.createdAt),
      });
    if (relevant.some((field) => field in changes)) await evaluateSoon(event, context);
  });

  outbox.subscribe('message.created', 'sla-evaluate', async (event, context) => {
    const data = event.data as { kind?: string; seq?: number; automatic?: boolean };
    if (data.kind === 'note') return;
    // Nothing for a clock in these, and each would cost a round trip per conversation:
    // - a conversation's first message: its `conversation.created`, recorded in the same
    //   transaction, queued the check already;
    // - the automatic acknowledgement: it is not a response (no first-response time, no
    //   status change), so the clocks stand as they were.
    if ((data.kind === 'inbound' && data.seq === 1) || data.automatic === true) return;
    // A customer's message reopens a pending (or resolved) conversation, silently.
    if (data.kind === 'inbound')
      await noteStatus(db, {
        workspaceId: event.workspaceId,
        conversationId: event.aggregateId,
        status: 'open',
        at: new Date(event.createdAt),
        ifPausedIn: ['pending', 'resolved'],
      });
    await evaluateSoon(event, context);
  });

  outbox.subscribe('conversation.merged', 'sla-evaluate', evaluateSoon);

  // A contact's tier, region (attributes) or organization may choose another policy for
  // their open conversations: one statement enqueues a check for each.
  outbox.subscribe('contact.updated', 'sla-evaluate', async (event) => {
    const changes = (event.data as { changes?: Record<string, unknown> }).changes ?? {};
    if (!('attributes' in changes) && !('organizationId' in changes)) return;
    await sql`
      select ${addJobSql(
        slaCheckJob,
        sql`json_build_object('workspaceId', c.workspace_id, 'conversationId', c.id)`,
        { jobKey: sql`'sla.check:' || c.id` },
      )}
        from conversations c
       where c.workspace_id = ${event.workspaceId} and c.contact_id = ${event.aggregateId}
         and c.status in ('new', 'open', 'pending', 'on_hold')
         and exists (select 1 from sla_policies p
                      where p.workspace_id = c.workspace_id and p.enabled)`.execute(db);
  });

  const reevaluate = (event: DomainEvent) =>
    enqueue(
      db,
      slaReevaluateJob,
      { workspaceId: event.workspaceId },
      { jobKey: `sla.reevaluate:${event.workspaceId}` },
    );
  for (const type of ['sla_policy.created', 'sla_policy.updated', 'sla_policy.deleted'])
    outbox.subscribe(type, 'sla-reevaluate', reevaluate);
  outbox.subscribe('calendar.updated', 'sla-reevaluate', reevaluate);
  outbox.subscribe('team.updated', 'sla-reevaluate', async (event) => {
    const changes = (event.data as { changes?: Record<string, unknown> }).changes ?? {};
    if ('calendarId' in changes) await reevaluate(event);
  });
}

export function slaJobs(services: Services): JobDefinition[] {
  const { db } = services;
  return [
    defineJob({
      ...slaCheckJob,
      async handler(payload) {
        await evaluateConversationSla(db, payload);
      },
    }),
    defineJob({
      ...slaReevaluateJob,
      async handler({ workspaceId }) {
        // One statement: a check job per unresolved conversation (its key: one each).
        await sql`
          select ${addJobSql(
            slaCheckJob,
            sql`json_build_object('workspaceId', c.workspace_id, 'conversationId', c.id)`,
            { jobKey: sql`'sla.check:' || c.id` },
          )}
            from conversations c
           where c.workspace_id = ${workspaceId}
             and c.status in ('new', 'open', 'pending', 'on_hold')`.execute(db);
      },
    }),
    defineJob({
      ...slaForecastJob,
      cron: { pattern: '* * * * *', payload: {} },
      async handler(_payload, context) {
        for (const { workspaceId, teamId } of await teamsWithRunningQueues(db)) {
          if (!teamId) continue;
          // One team's failure must not keep the others' leads uninformed.
          await announceForecast({ db, workspaceId, teamId }).catch((error: unknown) =>
            context.log.warn({ err: error, workspaceId, teamId }, 'SLA forecast failed'),
          );
        }
      },
    }),
  ];
}
