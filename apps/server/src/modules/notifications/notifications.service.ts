import type {
  Notification,
  NotificationListQuery,
  NotificationPage,
  NotificationReadBody,
  NotificationType,
} from '@parley/contract';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Services } from '../../context.js';
import type { Db, Tx } from '../../database.js';
import type { Actor } from '../../platform/http.js';
import { recordEvents, type DomainEvent } from '../../platform/outbox.js';
import { decodeCursor, isString, toPage } from '../../platform/pagination.js';

export interface NewNotification {
  workspaceId: string;
  userId: string;
  type: NotificationType;
  conversationId?: string | null;
  actorId?: string | null;
  data?: Record<string, unknown>;
  /** The cause (e.g. `event:123`): a second notification for the same person and cause is dropped. */
  source: string;
}

/**
 * Writes notifications in the caller's transaction, once per person and cause, each with a
 * broadcast `notification.created` event (aggregate: the user) so their app shows it at once.
 * Inactive users get none. Returns how many were new.
 */
export async function notify(executor: Db | Tx, items: NewNotification[]): Promise<number> {
  if (items.length === 0) return 0;
  const rows = items.map((n) => ({
    workspace_id: n.workspaceId,
    id: uuidv7(),
    user_id: n.userId,
    type: n.type,
    conversation_id: n.conversationId ?? null,
    actor_id: n.actorId ?? null,
    data: n.data ?? {},
    source: n.source,
  }));
  const { rows: created } = await sql<{
    workspaceId: string;
    id: string;
    userId: string;
    type: string;
  }>`
    insert into notifications (workspace_id, id, user_id, type, conversation_id, actor_id, data, source)
    select n.workspace_id, n.id, n.user_id, n.type, n.conversation_id, n.actor_id, n.data, n.source
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as n(
             workspace_id uuid, id uuid, user_id uuid, type text, conversation_id uuid,
             actor_id uuid, data jsonb, source text)
      join users u on u.workspace_id = n.workspace_id and u.id = n.user_id and u.status = 'active'
    on conflict (workspace_id, user_id, source) do nothing
    returning workspace_id, id, user_id, type`.execute(executor);
  await recordEvents(
    executor,
    created.map((n) => ({
      workspaceId: n.workspaceId,
      aggregateType: 'user',
      aggregateId: n.userId,
      type: 'notification.created',
      data: { notificationId: n.id, type: n.type },
      broadcast: true,
    })),
  );
  return created.length;
}

function baseQuery(db: Db, workspaceId: string) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('conversations as c', (j) =>
      j.onRef('c.workspaceId', '=', 'n.workspaceId').onRef('c.id', '=', 'n.conversationId'),
    )
    .leftJoin('workspaces as w', 'w.id', 'n.workspaceId')
    .leftJoin('users as a', (j) =>
      j.onRef('a.workspaceId', '=', 'n.workspaceId').onRef('a.id', '=', 'n.actorId'),
    )
    .select([
      'n.id',
      'n.type',
      'n.data',
      'n.readAt',
      'n.createdAt',
      'c.id as conversationId',
      'c.number',
      'c.subject',
      'w.ticketPrefix',
      'a.id as actorId',
      'a.name as actorName',
    ])
    .where('n.workspaceId', '=', workspaceId);
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

function present(row: Row): Notification {
  return {
    id: row.id,
    type: row.type,
    conversation:
      row.conversationId && row.number !== null
        ? {
            id: row.conversationId,
            displayNumber: `${row.ticketPrefix ?? '#'}${String(row.number)}`,
            subject: row.subject ?? '',
          }
        : null,
    actor: row.actorId && row.actorName !== null ? { id: row.actorId, name: row.actorName } : null,
    data: row.data,
    read: row.readAt !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Your notifications, newest first, with how many are unread. */
export async function listNotifications(props: {
  db: Db;
  actor: Actor;
  query: NotificationListQuery;
}): Promise<NotificationPage> {
  const { actor, query } = props;
  const limit = query.limit ?? 30;
  const after = decodeCursor(query.cursor, isString);
  let q = baseQuery(props.db, actor.workspaceId).where('n.userId', '=', actor.userId);
  if (query.unread) q = q.where('n.readAt', 'is', null);
  if (after) q = q.where('n.id', '<', after);
  const rows = await q
    .orderBy('n.id', 'desc')
    .limit(limit + 1)
    .execute();
  const unread = await props.db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('workspaceId', '=', actor.workspaceId)
    .where('userId', '=', actor.userId)
    .where('readAt', 'is', null)
    .executeTakeFirstOrThrow();
  return {
    ...toPage(rows, limit, present, (row) => row.id),
    unreadCount: Number(unread.count),
  };
}

/** Marks some or all of your notifications read; returns how many changed. */
export async function markRead(props: {
  db: Db;
  actor: Actor;
  body: NotificationReadBody;
}): Promise<{ updated: number }> {
  const { actor, body } = props;
  let q = props.db
    .updateTable('notifications')
    .set({ readAt: new Date() })
    .where('workspaceId', '=', actor.workspaceId)
    .where('userId', '=', actor.userId)
    .where('readAt', 'is', null);
  if ('ids' in body) q = q.where('id', 'in', body.ids);
  const result = await q.executeTakeFirst();
  return { updated: Number(result.numUpdatedRows) };
}

/**
 * In-app notifications from the conversation events (the same causes as the email ones):
 * a conversation assigned to someone by someone else (or by routing), and a customer's
 * message on a conversation that has an assignee. Other modules call `notify()` directly.
 */
export function notificationSubscribers(services: Services): void {
  services.outbox.subscribe('conversation.updated', 'notify-assigned', async (event) => {
    const data = event.data as { changes?: { assigneeId?: unknown }; actorId?: unknown };
    const assigneeId = data.changes?.assigneeId;
    if (typeof assigneeId !== 'string' || assigneeId === data.actorId) return;
    await notify(services.db, [
      {
        workspaceId: event.workspaceId,
        userId: assigneeId,
        type: 'assigned',
        conversationId: event.aggregateId,
        actorId: typeof data.actorId === 'string' ? data.actorId : null,
        data: { routed: (event.data as { routed?: boolean }).routed === true },
        source: `event:${String(event.id)}`,
      },
    ]);
  });
  // Escalation (by an agent or a rule): the specialist team's leads.
  services.outbox.subscribe('conversation.escalated', 'notify-escalated', async (event) => {
    const data = event.data as {
      leadIds?: string[];
      actorId?: string | null;
      toTeamName?: string;
      note?: string | null;
    };
    await notify(
      services.db,
      (data.leadIds ?? [])
        .filter((userId) => userId !== data.actorId)
        .map((userId) => ({
          workspaceId: event.workspaceId,
          userId,
          type: 'escalated' as const,
          conversationId: event.aggregateId,
          actorId: data.actorId ?? null,
          data: { toTeamName: data.toTeamName ?? '', note: data.note ?? null },
          source: `event:${String(event.id)}`,
        })),
    );
  });
  // SLA warnings and breaches: the assignee and the team's leads (named by the SLA).
  for (const [type, kind] of [
    ['conversation.sla_warning', 'sla_warning'],
    ['conversation.sla_breached', 'sla_breached'],
  ] as const) {
    services.outbox.subscribe(type, `notify-${kind}`, async (event) => {
      const data = event.data as {
        assigneeId?: string | null;
        leadIds?: string[];
        target?: string;
        percent?: number;
        dueAt?: string | null;
        policyName?: string;
      };
      const people = [...new Set([data.assigneeId, ...(data.leadIds ?? [])])].filter(
        (id): id is string => typeof id === 'string',
      );
      await notify(
        services.db,
        people.map((userId) => ({
          workspaceId: event.workspaceId,
          userId,
          type: kind,
          conversationId: event.aggregateId,
          data: {
            target: data.target ?? null,
            percent: data.percent ?? null,
            dueAt: data.dueAt ?? null,
            policyName: data.policyName ?? null,
          },
          source: `event:${String(event.id)}`,
        })),
      );
    });
  }
  services.outbox.subscribe('message.created', 'notify-customer-replied', async (event) => {
    const reply = await customerReplyOf(services.db, event);
    if (!reply) return;
    await notify(services.db, [
      {
        workspaceId: event.workspaceId,
        userId: reply.assigneeId,
        type: 'customer_replied',
        conversationId: event.aggregateId,
        data: { messageId: reply.messageId },
        source: `event:${String(event.id)}`,
      },
    ]);
  });
}

/** Per delivered event: its subscribers (the app's and the email's) share one read. */
const replies = new WeakMap<DomainEvent, Promise<CustomerReply | null>>();

interface CustomerReply {
  messageId: string;
  assigneeId: string;
}

/**
 * A `message.created` that is a customer's reply to a conversation someone is assigned:
 * the message and the assignee, else null. The first message opens the conversation (not a
 * reply); automatic mail is no reply either. Read at dispatch time, the assignee may already
 * be someone assigned after it arrived; "assigned" covers them.
 */
export function customerReplyOf(db: Db, event: DomainEvent): Promise<CustomerReply | null> {
  let reply = replies.get(event);
  if (!reply) {
    reply = readCustomerReply(db, event);
    replies.set(event, reply);
  }
  return reply;
}

async function readCustomerReply(db: Db, event: DomainEvent): Promise<CustomerReply | null> {
  const data = event.data as {
    messageId?: string;
    kind?: string;
    automated?: boolean;
    seq?: number;
  };
  if (data.kind !== 'inbound' || data.automated || !data.messageId || data.seq === 1) return null;
  const conversation = await db
    .selectFrom('conversations')
    .select('assigneeId')
    .where('workspaceId', '=', event.workspaceId)
    .where('id', '=', event.aggregateId)
    .executeTakeFirst();
  return conversation?.assigneeId
    ? { messageId: data.messageId, assigneeId: conversation.assigneeId }
    : null;
}
