import type { TicketReference } from '@parley/contract';
import type { Db, Tx } from '../../database.js';

/**
 * The ticket number a customer typed: `1042`, `"#1042"`, or with the workspace's prefix
 * (`"PRL-1042"`, any case). Null when it is no ticket number at all.
 */
export function parseTicketNumber(input: TicketReference, prefix: string): number | null {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input > 0 ? input : null;
  let text = input.trim();
  if (prefix && text.toLowerCase().startsWith(prefix.toLowerCase())) {
    text = text.slice(prefix.length);
  }
  text = text.replace(/^#/, '').trim();
  if (!/^[0-9]{1,12}$/.test(text)) return null;
  const number = Number(text);
  return number > 0 ? number : null;
}

/**
 * A key for counting attempts at one ticket before the workspace (and so its prefix) is
 * known: the number's trailing digits, else the text itself.
 */
export function ticketKey(input: TicketReference): string {
  if (typeof input === 'number') return String(input);
  const digits = /([0-9]+)\s*$/.exec(input)?.[1];
  return digits ? String(Number(digits)) : input.trim().toLowerCase().slice(0, 40);
}

export interface PortalTicketRow {
  id: string;
  number: number;
  subject: string;
  status: 'new' | 'open' | 'pending' | 'on_hold' | 'resolved' | 'closed';
  channel: string;
  language: string | null;
  contactId: string;
  createdAt: Date;
  updatedAt: Date;
  /** The SLA's running due times (null: no policy, met, or paused while waiting on the customer). */
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
}

/**
 * The conversation behind ticket `number` of the workspace, following merges (a merged
 * ticket's number leads to the one it was merged into, as ingest does).
 */
export async function resolveTicket(
  db: Db | Tx,
  workspaceId: string,
  number: number,
): Promise<PortalTicketRow | null> {
  const columns = [
    'id',
    'number',
    'subject',
    'status',
    'channel',
    'language',
    'contactId',
    'createdAt',
    'updatedAt',
    'mergedIntoId',
    'firstResponseDueAt',
    'resolutionDueAt',
  ] as const;
  let row = await db
    .selectFrom('conversations')
    .select(columns)
    .where('workspaceId', '=', workspaceId)
    .where('number', '=', number)
    .executeTakeFirst();
  for (let hops = 0; row?.mergedIntoId && hops < 10; hops++) {
    row = await db
      .selectFrom('conversations')
      .select(columns)
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', row.mergedIntoId)
      .executeTakeFirst();
  }
  if (!row) return null;
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    status: row.status,
    channel: row.channel,
    language: row.language,
    contactId: row.contactId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    firstResponseDueAt: row.firstResponseDueAt,
    resolutionDueAt: row.resolutionDueAt,
  };
}
