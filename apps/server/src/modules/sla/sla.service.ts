import type { ConversationSla, Priority, SlaTargetName } from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Db, Tx } from '../../database.js';
import { executePrepared } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { cancelJob, enqueue } from '../../platform/jobs.js';
import { recordEvents, type NewEvent } from '../../platform/outbox.js';
import type { CompiledCalendar } from './calendar.js';
import { compiledCalendar } from './calendars.service.js';
import {
  computeClocks,
  dueNotices,
  nextNoticeAt,
  notePause,
  type Clock,
  type Pause,
} from './clocks.js';
import { choosePolicy } from './policy-match.js';
import { findPolicyRows, type SlaPolicyRow } from './policies.service.js';
import type { StoredClock, StoredPause } from './sla.tables.js';
import { recordSystemTimeline } from '../conversations/conversations.service.js';

// Job payloads are checked without formats (graphile-worker payloads are plain JSON).
const Id = Type.String({ minLength: 1 });

/** Evaluates a conversation's SLA: at its next warning or due time, or after a change. */
export const slaCheckJob = {
  name: 'sla.check',
  payload: Type.Object({ workspaceId: Id, conversationId: Id }),
  maxAttempts: 10,
};

export const checkJobKey = (conversationId: string) => `sla.check:${conversationId}`;

const toPauses = (stored: readonly StoredPause[]): Pause[] =>
  stored.map((p) => ({
    status: p.status,
    from: Date.parse(p.from),
    to: p.to === null ? null : Date.parse(p.to),
  }));
const fromPauses = (pauses: readonly Pause[]): StoredPause[] =>
  pauses.map((p) => ({
    status: p.status,
    from: new Date(p.from).toISOString(),
    to: p.to === null ? null : new Date(p.to).toISOString(),
  }));
const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function storedClock(clock: Clock): StoredClock {
  return {
    target: clock.target,
    seconds: clock.seconds,
    businessHours: clock.businessHours,
    startedAt: isoOrNull(clock.startedAt),
    dueAt: isoOrNull(clock.dueAt),
    metAt: isoOrNull(clock.metAt),
    breachedAt: isoOrNull(clock.breachedAt),
    paused: clock.paused,
    elapsedMs: clock.elapsedMs,
  };
}

/**
 * Notes the status a conversation was seen in at `at` (an event's time): the pauses the clocks
 * skip are built from these. Called by the event subscribers, in order per conversation.
 */
export async function noteStatus(
  db: Db,
  props: {
    workspaceId: string;
    conversationId: string;
    status: string;
    at: Date;
    /** Only if the conversation was paused in one of these (a customer's reply ends them). */
    ifPausedIn?: readonly string[];
  },
): Promise<void> {
  if (props.ifPausedIn) {
    // Most customer messages arrive in a conversation that is not paused: one read settles
    // it, without a transaction. (Events of one conversation are handled in order, so no
    // status note can slip in between; the locked read below checks again anyway.)
    const [current] = await executePrepared(
      db,
      db
        .selectFrom('conversationSlas')
        .select('pauses')
        .where('workspaceId', '=', props.workspaceId)
        .where('conversationId', '=', props.conversationId),
    );
    const open = toPauses(current?.pauses ?? []).find((p) => p.to === null);
    if (!open || !props.ifPausedIn.includes(open.status)) return;
  }
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('conversationSlas')
      .select('pauses')
      .where('workspaceId', '=', props.workspaceId)
      .where('conversationId', '=', props.conversationId)
      .forUpdate()
      .executeTakeFirst();
    const before = toPauses(row?.pauses ?? []);
    if (props.ifPausedIn) {
      const open = before.find((p) => p.to === null);
      if (!open || !props.ifPausedIn.includes(open.status)) return;
    }
    const after = notePause(before, props.status, props.at.getTime());
    if (JSON.stringify(after) === JSON.stringify(before)) return;
    const pauses = JSON.stringify(fromPauses(after));
    await trx
      .insertInto('conversationSlas')
      .values({
        workspaceId: props.workspaceId,
        conversationId: props.conversationId,
        pauses,
        evaluatedAt: new Date(0),
      })
      .onConflict((oc) => oc.columns(['workspaceId', 'conversationId']).doUpdateSet({ pauses }))
      .execute();
  });
}

const raised: Record<Priority, Priority> = {
  low: 'normal',
  normal: 'high',
  high: 'urgent',
  urgent: 'urgent',
};

async function loadConversation(trx: Tx, workspaceId: string, conversationId: string) {
  return trx
    .selectFrom('conversations as c')
    .innerJoin('contacts as k', (j) =>
      j.onRef('k.workspaceId', '=', 'c.workspaceId').onRef('k.id', '=', 'c.contactId'),
    )
    .select([
      'c.id',
      'c.status',
      'c.priority',
      'c.channel',
      'c.teamId',
      'c.assigneeId',
      'c.category',
      'c.tags',
      'c.createdAt',
      'c.firstResponseAt',
      'c.lastCustomerMessageAt',
      'c.lastAgentMessageAt',
      'c.resolvedAt',
      'c.closedAt',
      'c.slaPolicyId',
      'c.slaBreachedAt',
      'c.slaDueAt',
      'k.organizationId',
      'k.attributes',
    ])
    .where('c.workspaceId', '=', workspaceId)
    .where('c.id', '=', conversationId)
    .forUpdate('c')
    .executeTakeFirst();
}

type ConversationFacts = NonNullable<Awaited<ReturnType<typeof loadConversation>>>;

/** The first customer message after the last agent reply (the one a next response answers). */
async function waitingSince(trx: Tx, workspaceId: string, c: ConversationFacts) {
  if (
    !c.lastCustomerMessageAt ||
    (c.lastAgentMessageAt && c.lastAgentMessageAt >= c.lastCustomerMessageAt)
  )
    return null;
  const row = await trx
    .selectFrom('messages')
    .select((eb) => eb.fn.min('createdAt').as('at'))
    .where('workspaceId', '=', workspaceId)
    .where('conversationId', '=', c.id)
    .where('kind', '=', 'inbound')
    .where('createdAt', '>', c.lastAgentMessageAt ?? new Date(0))
    .executeTakeFirst();
  return row?.at ? new Date(row.at).getTime() : c.lastCustomerMessageAt.getTime();
}

async function calendarFor(
  trx: Tx,
  workspaceId: string,
  policy: SlaPolicyRow,
  teamId: string | null,
) {
  let calendarId = policy.calendarId;
  if (!calendarId && teamId) {
    const team = await trx
      .selectFrom('teams')
      .select('calendarId')
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', teamId)
      .executeTakeFirst();
    calendarId = team?.calendarId ?? null;
  }
  if (!calendarId) return { calendarId: null, calendar: null };
  const row = await trx
    .selectFrom('slaCalendars')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', calendarId)
    .executeTakeFirst();
  return row
    ? { calendarId, calendar: compiledCalendar(row) }
    : { calendarId: null, calendar: null };
}

/** Who hears of a warning or breach: the assignee and the leads of the conversation's team. */
async function recipientsOf(
  trx: Tx,
  workspaceId: string,
  c: { assigneeId: string | null; teamId: string | null },
) {
  const leads = c.teamId
    ? await trx
        .selectFrom('teamMembers')
        .select('userId')
        .where('workspaceId', '=', workspaceId)
        .where('teamId', '=', c.teamId)
        .where('lead', '=', true)
        .execute()
    : [];
  return {
    assigneeId: c.assigneeId,
    leadIds: leads.map((l) => l.userId).filter((id) => id !== c.assigneeId),
  };
}

function choosePolicyFor(trx: Tx, workspaceId: string, c: ConversationFacts) {
  return findPolicyRows(trx, workspaceId, true).then((policies) =>
    choosePolicy(policies, {
      priority: c.priority,
      channel: c.channel,
      teamId: c.teamId,
      category: c.category,
      tags: c.tags,
      organizationId: c.organizationId,
      contactAttributes: c.attributes,
    }),
  );
}

async function clocksFor(
  trx: Tx,
  workspaceId: string,
  c: ConversationFacts,
  policy: SlaPolicyRow,
  calendar: CompiledCalendar | null,
  pauses: readonly Pause[],
  now: number,
) {
  return computeClocks(
    {
      targets: policy.targets,
      pauseOnHold: policy.pauseOnHold,
      warnAtPercent: policy.warnAtPercent,
    },
    calendar,
    {
      status: c.status,
      createdAt: c.createdAt.getTime(),
      firstResponseAt: c.firstResponseAt?.getTime() ?? null,
      waitingSince: await waitingSince(trx, workspaceId, c),
      lastAgentMessageAt: c.lastAgentMessageAt?.getTime() ?? null,
      resolvedAt: c.resolvedAt?.getTime() ?? null,
      closedAt: c.closedAt?.getTime() ?? null,
    },
    pauses,
    now,
  );
}

/**
 * What the customer may expect, computed now from the policy that applies (read-only, in the
 * caller's transaction, so it does not wait for the SLA job): when a first response and a
 * resolution are due, or null where no policy or target says.
 */
export async function expectedTimes(
  trx: Tx,
  props: { workspaceId: string; conversationId: string; now?: Date },
): Promise<{ firstResponseBy: Date | null; resolutionBy: Date | null; timeZone: string | null }> {
  const none = { firstResponseBy: null, resolutionBy: null, timeZone: null };
  const c = await loadConversation(trx, props.workspaceId, props.conversationId);
  if (!c) return none;
  const chosen = await choosePolicyFor(trx, props.workspaceId, c);
  if (!chosen) return none;
  const found = await calendarFor(trx, props.workspaceId, chosen.policy, c.teamId);
  const state = await trx
    .selectFrom('conversationSlas')
    .select('pauses')
    .where('workspaceId', '=', props.workspaceId)
    .where('conversationId', '=', props.conversationId)
    .executeTakeFirst();
  const now = (props.now ?? new Date()).getTime();
  const clocks = await clocksFor(
    trx,
    props.workspaceId,
    c,
    chosen.policy,
    found.calendar,
    notePause(toPauses(state?.pauses ?? []), c.status, now),
    now,
  );
  const due = (target: SlaTargetName) => {
    const clock = clocks.find((k) => k.target === target);
    return clock && clock.metAt === null && clock.dueAt !== null ? new Date(clock.dueAt) : null;
  };
  return {
    firstResponseBy: due('firstResponse'),
    resolutionBy: due('resolution'),
    timeZone: found.calendar?.spec.timeZone ?? null,
  };
}

export interface EvaluateResult {
  policyId: string | null;
  clocks: Clock[];
  fired: { target: SlaTargetName; kind: 'warning' | 'breach'; percent: number | null }[];
  nextCheckAt: Date | null;
}

/**
 * Evaluates a conversation's SLA at `now`, in one transaction under its row lock: chooses the
 * policy (first enabled match; the timeline says which and why when it changes), computes the
 * clocks, stores the due times on the conversation, announces the warnings and breaches now
 * due that were never announced (timeline, outbox event for the agent app and email, the
 * policy's escalations), and schedules `sla.check` at the next such moment (job key per
 * conversation: a new evaluation moves it). Idempotent: a rerun changes nothing more.
 */
export async function evaluateConversationSla(
  db: Db,
  props: { workspaceId: string; conversationId: string; now?: Date },
): Promise<EvaluateResult | null> {
  const { workspaceId, conversationId } = props;
  return db.transaction().execute(async (trx) => {
    const now = (props.now ?? new Date()).getTime();
    const c = await loadConversation(trx, workspaceId, conversationId);
    if (!c) return null;
    const state = await trx
      .selectFrom('conversationSlas')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('conversationId', '=', conversationId)
      .forUpdate()
      .executeTakeFirst();
    // What the subscribers noted, reconciled with the status now (a customer's reply ends a
    // pending stretch without an event of its own).
    const pauses = notePause(toPauses(state?.pauses ?? []), c.status, now);
    const fired = new Set(state?.fired ?? []);
    const timeline: { type: string; data: object }[] = [];
    const events: NewEvent[] = [];

    const chosen = await choosePolicyFor(trx, workspaceId, c);
    const policy = chosen?.policy ?? null;
    // No policy now, none before: nothing to store (the common case without SLAs).
    if (!policy && !state?.policyId && !c.slaPolicyId && !c.slaDueAt)
      return { policyId: null, clocks: [], fired: [], nextCheckAt: null };
    const previousPolicyId = state ? state.policyId : null;
    if ((policy?.id ?? null) !== previousPolicyId) {
      if (policy)
        timeline.push({
          type: 'conversation.sla_applied',
          data: {
            policyId: policy.id,
            policyName: policy.name,
            why: chosen?.why ?? [],
            previousPolicyId,
          },
        });
      else if (previousPolicyId)
        timeline.push({ type: 'conversation.sla_removed', data: { previousPolicyId } });
    }

    let clocks: Clock[] = [];
    let calendarId: string | null = null;
    if (policy) {
      const found = await calendarFor(trx, workspaceId, policy, c.teamId);
      calendarId = found.calendarId;
      for (const entry of timeline)
        if (entry.type === 'conversation.sla_applied') entry.data = { ...entry.data, calendarId };
      clocks = await clocksFor(trx, workspaceId, c, policy, found.calendar, pauses, now);
    }

    // Warnings and breaches due now, each once.
    const announced: EvaluateResult['fired'] = [];
    const changes: { priority?: Priority; assigneeId?: null; teamId?: string } = {};
    let unassign = false;
    const notices = policy ? dueNotices(clocks, fired, now) : [];
    const recipients = notices.length > 0 ? await recipientsOf(trx, workspaceId, c) : null;
    for (const notice of notices) {
      fired.add(notice.key);
      for (const key of notice.moot) fired.add(key);
      if (!policy || !recipients) continue;
      const data = {
        target: notice.clock.target,
        percent: notice.percent,
        dueAt: isoOrNull(notice.clock.dueAt),
        policyId: policy.id,
        policyName: policy.name,
      };
      const type =
        notice.kind === 'breach' ? 'conversation.sla_breached' : 'conversation.sla_warning';
      timeline.push({ type, data });
      events.push({
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type,
        data: { ...data, ...recipients },
        broadcast: true,
      });
      announced.push({
        target: notice.clock.target,
        kind: notice.kind,
        percent: notice.percent,
      });
      for (const e of policy.escalations) {
        if (e.on !== notice.kind || (e.target && e.target !== notice.clock.target)) continue;
        if (e.raisePriority) changes.priority = raised[changes.priority ?? c.priority];
        if (e.unassign) unassign = true;
        if (e.moveToTeamId) changes.teamId = e.moveToTeamId;
      }
    }
    // A team deleted since the policy was written: the conversation stays where it is.
    if (changes.teamId) {
      const exists = await trx
        .selectFrom('teams')
        .select('id')
        .where('workspaceId', '=', workspaceId)
        .where('id', '=', changes.teamId)
        .executeTakeFirst();
      if (!exists) delete changes.teamId;
    }
    // Moving to another team puts the conversation in that team's queue.
    if (unassign || changes.teamId) changes.assigneeId = null;
    const escalated = Object.entries(changes).filter(
      ([field, value]) => c[field as keyof typeof c] !== value,
    );

    // Due times of running clocks onto the conversation.
    const due = (target: SlaTargetName) => {
      const clock = clocks.find((k) => k.target === target);
      return clock && clock.metAt === null && !clock.paused && clock.dueAt !== null
        ? new Date(clock.dueAt)
        : null;
    };
    const dues = {
      firstResponseDueAt: due('firstResponse'),
      nextResponseDueAt: due('nextResponse'),
      resolutionDueAt: due('resolution'),
    };
    const running = Object.values(dues).filter((d): d is Date => d !== null);
    const slaDueAt = running.length > 0 ? new Date(Math.min(...running.map(Number))) : null;
    const breaches = clocks.flatMap((k) => (k.breachedAt === null ? [] : [k.breachedAt]));
    const breachedNow = breaches.length > 0 ? new Date(Math.min(...breaches)) : null;
    const slaBreachedAt =
      c.slaBreachedAt && breachedNow
        ? new Date(Math.min(c.slaBreachedAt.getTime(), breachedNow.getTime()))
        : (c.slaBreachedAt ?? breachedNow);
    await trx
      .updateTable('conversations')
      .set({
        slaPolicyId: policy?.id ?? null,
        ...dues,
        slaDueAt,
        slaBreachedAt,
        ...(escalated.length > 0
          ? { ...Object.fromEntries(escalated), updatedAt: new Date() }
          : {}),
      })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', conversationId)
      .execute();
    if (escalated.length > 0) {
      const typeOf: Record<string, string> = {
        priority: 'conversation.priority_changed',
        assigneeId: 'conversation.assigned',
        teamId: 'conversation.team_changed',
      };
      for (const [field, value] of escalated)
        timeline.push({
          type: typeOf[field] ?? `conversation.${field}_changed`,
          data: { from: c[field as keyof typeof c] ?? null, to: value, reason: 'sla_escalation' },
        });
      events.push({
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.updated',
        data: { changes: Object.fromEntries(escalated), actorId: null, slaEscalation: true },
        broadcast: true,
      });
    }
    const dueChanged =
      (c.slaPolicyId ?? null) !== (policy?.id ?? null) ||
      (state?.targets ?? []).map((k) => k.dueAt).join() !==
        clocks.map((k) => isoOrNull(k.dueAt)).join();
    if (dueChanged && escalated.length === 0)
      events.push({
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.sla_updated',
        data: {
          policyId: policy?.id ?? null,
          slaDueAt: slaDueAt?.toISOString() ?? null,
          slaBreachedAt: slaBreachedAt?.toISOString() ?? null,
        },
        broadcast: true,
      });

    const row = {
      policyId: policy?.id ?? null,
      calendarId,
      reason: JSON.stringify(policy ? (chosen?.why ?? []) : []),
      pauses: JSON.stringify(fromPauses(pauses)),
      targets: JSON.stringify(clocks.map(storedClock)),
      fired: [...fired],
      evaluatedAt: new Date(now),
    };
    await trx
      .insertInto('conversationSlas')
      .values({ workspaceId, conversationId, ...row })
      .onConflict((oc) => oc.columns(['workspaceId', 'conversationId']).doUpdateSet(row))
      .execute();
    await recordSystemTimeline(trx, workspaceId, conversationId, timeline);
    await recordEvents(trx, events);

    const next = nextNoticeAt(clocks, fired);
    if (next === null) await cancelJob(trx, checkJobKey(conversationId));
    else
      await enqueue(
        trx,
        slaCheckJob,
        { workspaceId, conversationId },
        { jobKey: checkJobKey(conversationId), runAt: new Date(Math.max(next, now)) },
      );
    return {
      policyId: policy?.id ?? null,
      clocks,
      fired: announced,
      nextCheckAt: next === null ? null : new Date(next),
    };
  });
}

/** A conversation's SLA as last evaluated, for the agent app (`GET /conversations/{id}/sla`). */
export async function getConversationSla(props: {
  db: Db;
  workspaceId: string;
  conversationId: string;
}): Promise<ConversationSla> {
  const row = await props.db
    .selectFrom('conversations as c')
    .leftJoin('conversationSlas as s', (j) =>
      j.onRef('s.workspaceId', '=', 'c.workspaceId').onRef('s.conversationId', '=', 'c.id'),
    )
    .leftJoin('slaPolicies as p', (j) =>
      j.onRef('p.workspaceId', '=', 'c.workspaceId').onRef('p.id', '=', 's.policyId'),
    )
    .select([
      'c.slaDueAt',
      'c.slaBreachedAt',
      's.policyId',
      's.calendarId',
      's.reason',
      's.targets',
      's.evaluatedAt',
      'p.name as policyName',
    ])
    .where('c.workspaceId', '=', props.workspaceId)
    .where('c.id', '=', props.conversationId)
    .executeTakeFirst();
  if (!row) throw notFound('The conversation', 'conversation_not_found');
  const evaluated = row.evaluatedAt && row.evaluatedAt.getTime() > 0 ? row.evaluatedAt : null;
  return {
    policy: row.policyId && row.policyName ? { id: row.policyId, name: row.policyName } : null,
    why: row.policyId ? (row.reason ?? []) : [],
    calendarId: row.policyId ? row.calendarId : null,
    dueAt: row.slaDueAt?.toISOString() ?? null,
    breachedAt: row.slaBreachedAt?.toISOString() ?? null,
    targets: (row.targets ?? []).map((k) => ({
      target: k.target,
      seconds: k.seconds,
      businessHours: k.businessHours,
      startedAt: k.startedAt,
      dueAt: k.dueAt,
      metAt: k.metAt,
      breachedAt: k.breachedAt,
      paused: k.paused,
      elapsedSeconds: Math.floor(k.elapsedMs / 1000),
    })),
    evaluatedAt: evaluated?.toISOString() ?? null,
  };
}
