import type {
  PortalMessage,
  PortalReplyCreated,
  PortalStatus,
  PortalTicket,
  PortalTicketQuery,
} from '@parley/contract';
import type { Db } from '../../database.js';
import { notFound } from '../../platform/errors.js';
import type { RateLimits } from '../../platform/rate-limit.js';
import { messagesWithAuthors } from '../conversations/conversations.service.js';
import { ingest } from '../conversations/ingest.js';
import { portalLimits } from './access.service.js';
import type { PortalCustomer } from './portal.hooks.js';
import { resolveTicket, type PortalTicketRow } from './tickets.js';

/** Statuses as a customer reads them: `pending` is us waiting for them. */
const portalStatus: Record<PortalTicketRow['status'], PortalStatus> = {
  new: 'received',
  open: 'in_progress',
  on_hold: 'in_progress',
  pending: 'awaiting_your_reply',
  resolved: 'resolved',
  closed: 'closed',
};

/** The session's ticket, by the number in the URL; any other number is a 404. */
async function sessionTicket(db: Db, customer: PortalCustomer, number: number) {
  const ticket = await resolveTicket(db, customer.workspaceId, number);
  if (!ticket || ticket.id !== customer.conversationId) {
    throw notFound('The ticket', 'conversation_not_found');
  }
  return ticket;
}

async function ticketPrefix(db: Db, workspaceId: string): Promise<string> {
  const row = await db
    .selectFrom('workspaces')
    .select('ticketPrefix')
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return row.ticketPrefix;
}

/**
 * What a customer sees of messages: their own (inbound from this contact) and ours
 * (outbound), never internal notes; authors are "you", an agent's display name, or automatic.
 */
function messagesQuery(db: Db, customer: PortalCustomer) {
  return messagesWithAuthors(db)
    .select([
      'm.id',
      'm.seq',
      'm.kind',
      'm.authorType',
      'm.text',
      'm.html',
      'm.createdAt',
      'u.name as agentName',
    ])
    .where('m.workspaceId', '=', customer.workspaceId)
    .where((eb) =>
      eb.or([
        eb.and([eb('m.kind', '=', 'inbound'), eb('m.authorId', '=', customer.contactId)]),
        eb('m.kind', '=', 'outbound'),
      ]),
    );
}

type MessageRow = Awaited<ReturnType<ReturnType<typeof messagesQuery>['executeTakeFirstOrThrow']>>;

function presentMessage(row: MessageRow): PortalMessage {
  const byAgent = row.kind === 'outbound' && row.authorType === 'user';
  return {
    id: row.id,
    from: row.kind === 'inbound' ? 'you' : byAgent ? 'agent' : 'automatic',
    authorName: byAgent ? row.agentName : null,
    text: row.text,
    html: row.html,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The ticket as its customer sees it, with a page of its public messages, oldest first. */
export async function getPortalTicket(props: {
  db: Db;
  customer: PortalCustomer;
  number: number;
  query: PortalTicketQuery;
}): Promise<PortalTicket> {
  const { db, customer } = props;
  const ticket = await sessionTicket(db, customer, props.number);
  const limit = props.query.limit ?? 50;
  const rows = await messagesQuery(db, customer)
    .where('m.conversationId', '=', ticket.id)
    .where('m.seq', '>', Number(props.query.cursor ?? 0))
    .orderBy('m.seq')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const prefix = await ticketPrefix(db, customer.workspaceId);
  return {
    number: ticket.number,
    displayNumber: `${prefix}${ticket.number}`,
    subject: ticket.subject,
    status: portalStatus[ticket.status],
    createdAt: ticket.createdAt.toISOString(),
    expected: {
      firstResponseBy: ticket.firstResponseDueAt?.toISOString() ?? null,
      resolutionBy: ticket.resolutionDueAt?.toISOString() ?? null,
    },
    updatedAt: ticket.updatedAt.toISOString(),
    csrfToken: customer.csrfToken,
    messages: {
      data: page.map(presentMessage),
      nextCursor: rows.length > limit ? String(page.at(-1)?.seq ?? '') : null,
    },
  };
}

/**
 * A customer's reply, through the one inbound path (`ingest`) as a `webform` message from
 * the identity they proved, quoting the ticket's number: it continues the ticket, reopens
 * it when resolved, or (closed) starts a follow-up, exactly as a reply by email would.
 */
export async function replyFromPortal(props: {
  db: Db;
  limits: RateLimits;
  customer: PortalCustomer;
  number: number;
  text: string;
}): Promise<PortalReplyCreated> {
  const { db, customer } = props;
  await props.limits.consume('portal-reply', customer.sessionId, portalLimits.replies);
  const ticket = await sessionTicket(db, customer, props.number);
  const result = await ingest(db, {
    workspaceId: customer.workspaceId,
    channel: 'webform',
    from: customer.identity,
    ticketNumber: ticket.number,
    text: props.text,
    metadata: { portal: true, portalSessionId: customer.sessionId },
    receivedAt: new Date(),
  });
  const row = await messagesQuery(db, customer)
    .where('m.id', '=', result.messageId)
    .executeTakeFirstOrThrow();
  const prefix = await ticketPrefix(db, customer.workspaceId);
  return {
    message: presentMessage(row),
    ticket: {
      number: result.number,
      displayNumber: `${prefix}${result.number}`,
      followUp: result.conversationId !== ticket.id,
    },
  };
}
