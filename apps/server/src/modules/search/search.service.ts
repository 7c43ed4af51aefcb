import type { SearchQuery, SearchResults } from '@parley/contract';
import { sql } from 'kysely';
import type pg from 'pg';
import type { Db } from '../../database.js';
import type { Actor } from '../../platform/http.js';
import { contactSummarySql } from '../conversations/contact-summary.js';
import {
  conversationJsonByIds,
  filterConditions,
  filtersOf,
} from '../conversations/conversations.service.js';
import { parseTicketNumber, resolveTicket } from '../portal/tickets.js';
import { normalizeForSearch, queryTerms, snippet } from './text.js';
import { containsPattern } from '../../platform/like.js';
import { inlined, simpleBatch } from '../../platform/db.js';

/**
 * How many matching messages (and subjects) are considered at most: common words stay
 * bounded. Each candidate is a heap row read at random, the bulk of a common word's cost.
 */
const CANDIDATES = 200;
export interface SearchLimits {
  /** Rows a GIN lookup returns at most for one word (gin_fuzzy_search_limit). */
  ginSample: number;
  /**
   * The newest messages (and conversations) read first, in order, before any index lookup:
   * a common word fills the candidates there at once, and they are the recent matches.
   * Reading them costs a few milliseconds (their pages are the hot ones); the GIN lookup of
   * a common word costs tens (decompressing its postings, then reading sampled rows all
   * over the table).
   */
  recentMessages: number;
  recentConversations: number;
  /**
   * Matches among the newest that make the index lookup unnecessary: five pages' worth of
   * messages; two of subjects (they rank first, the messages fill the pages after them).
   * When the lookup runs, it adds at most as many again: each is a row read at random.
   */
  enoughMessages: number;
  enoughSubjects: number;
}

const LIMITS: SearchLimits = {
  ginSample: 5000,
  recentMessages: 5000,
  recentConversations: 2000,
  enoughMessages: 100,
  enoughSubjects: 40,
};

interface Hit {
  conversationId: string;
  matchedIn: 'number' | 'subject' | 'message' | 'contact';
  text: string;
  rank: number;
}

/** The deepest page: pages go over the ranked candidates, which are bounded. */
const MAX_OFFSET = 200;

/**
 * The `recent`, `indexed` and `candidates` CTEs of an unfiltered search (`query` is the
 * tsquery's CTE): the matches among the `newest` rows of the workspace (the primary key read
 * backwards: ids are UUIDv7), and only when they are fewer than `enough`, up to as many
 * again from the word index (a one-time filter skips its scan otherwise).
 */
function newestFirst(
  table: 'messages' | 'conversations',
  column: 'conversation_id' | 'subject',
  workspaceId: string,
  newest: number,
  enough: number,
) {
  const columns = sql.raw(`id, ${column}, search`);
  return sql`recent as (
        select ${columns}
          from (select ${columns} from ${sql.table(table)}
                 where workspace_id = ${workspaceId}
                 order by id desc limit ${newest}) x
         where search @@ (select query from query)
         limit ${CANDIDATES}
      ), indexed as (
        select ${columns}
          from ${sql.table(table)}
         where workspace_id = ${workspaceId} and search @@ (select query from query)
           and (select count(*) from recent) < ${enough}
         limit ${enough}
      ), candidates as (
        select * from recent
        union all
        (select * from indexed i where i.id not in (select id from recent) limit ${CANDIDATES})
      )`;
}

/**
 * One search over ticket numbers, subjects, messages and contacts, ranked, with snippets,
 * narrowed by the conversation list's filters, paged. Full-text (`simple` configuration over
 * segmented text) for words in every language; trigram similarity for names, emails and
 * phone numbers. Candidates are capped so a word that appears everywhere costs no more than a
 * rare one.
 */
export async function searchJson(props: {
  db: Db;
  /** The pool under `db`: the lookups go in one simple-protocol round trip. */
  pool: pg.Pool;
  actor: Actor;
  query: SearchQuery;
  /** Tests make these small. */
  limits?: Partial<SearchLimits>;
}): Promise<string> {
  const { db, actor, query } = props;
  const limits = { ...LIMITS, ...props.limits };
  const limit = query.limit ?? 20;
  const offset = Math.min(Number(query.cursor ?? 0), MAX_OFFSET);
  const workspaceId = actor.workspaceId;
  const q = query.q.trim();
  const terms = queryTerms(q);
  const tsquery = normalizeForSearch(q);
  const hits: Hit[] = [];
  // The list's filters, on the conversation (`c`); the first is the workspace.
  const conditions = await filterConditions(db, actor, filtersOf(query));
  const filtered = conditions.length > 1;
  const where = sql<boolean>`${sql.join(conditions, sql` and `)}`;

  // `1042`, `#1042` or `PRL-1042`: that ticket, and after it the one it was merged into.
  if (/^\S{0,20}?#?\s*\d{1,12}$/.test(q)) {
    const workspace = await db
      .selectFrom('workspaces')
      .select('ticketPrefix')
      .where('id', '=', workspaceId)
      .executeTakeFirst();
    const number = parseTicketNumber(q, workspace?.ticketPrefix ?? '#');
    const own =
      number === null
        ? undefined
        : await db
            .selectFrom('conversations')
            .select(['id', 'subject', 'mergedIntoId'])
            .where('workspaceId', '=', workspaceId)
            .where('number', '=', number)
            .executeTakeFirst();
    if (own)
      hits.push({ conversationId: own.id, matchedIn: 'number', text: own.subject, rank: 10 });
    const into =
      own?.mergedIntoId && number !== null ? await resolveTicket(db, workspaceId, number) : null;
    if (into)
      hits.push({ conversationId: into.id, matchedIn: 'number', text: into.subject, rank: 9.5 });
  }

  // GIN answers a word found in a million rows by building a bitmap of them all; the fuzzy
  // limit makes it return a bounded sample instead, which is all a ranked page needs. A
  // sample that cannot fill the page may have missed what there is (a word common in other
  // workspaces but rare in this one, two common words rarely together, a narrow filter), so
  // then both statements run again without the limit: the whole answer, at the price of
  // reading every posting of the words. Without filters, the newest rows are read first
  // (`newestFirst`); the index lookup runs only when they hold too few matches. Which of the
  // two runs does not depend on the page asked for, so pages of one search never mix two
  // sets of candidates.
  const subjectsQuery = filtered
    ? sql<{ id: string; subject: string; rank: number }>`
      select c.id, c.subject, ts_rank(c.search, query) as rank
        from conversations c, websearch_to_tsquery('simple', ${tsquery}) query
       where ${where} and c.search @@ query
       limit ${CANDIDATES}`
    : sql<{ id: string; subject: string; rank: number }>`
      with query as materialized (select websearch_to_tsquery('simple', ${tsquery}) as query),
      ${newestFirst('conversations', 'subject', workspaceId, limits.recentConversations, limits.enoughSubjects)}
      select id, subject, ts_rank(search, (select query from query)) as rank
        from (select * from candidates limit ${CANDIDATES}) x`;
  // Ranked here, and only each conversation's best message of the best ones comes back with
  // its text (a few dozen rows, not every candidate's text).
  const messagesQuery = sql<{
    conversation_id: string;
    text: string;
    rank: number;
    found: number;
  }>`
      with query as materialized (select websearch_to_tsquery('simple', ${tsquery}) as query),
      ${
        filtered
          ? sql`candidates as (
        select m.id, m.conversation_id, m.search
          from messages m
          join conversations c on c.workspace_id = m.workspace_id and c.id = m.conversation_id
         where m.workspace_id = ${workspaceId}
           and m.search @@ (select query from query)
           and ${where}
         limit ${CANDIDATES}
      ),`
          : sql`${newestFirst('messages', 'conversation_id', workspaceId, limits.recentMessages, limits.enoughMessages)},`
      }
      best as (
        select distinct on (conversation_id) id, conversation_id,
               ts_rank(search, (select query from query)) as rank
          from (select * from candidates limit ${CANDIDATES}) x
         order by conversation_id, rank desc
      )
      select b.conversation_id, m.text, b.rank, (select count(*) from candidates)::int as found
        from (select * from best order by rank desc, conversation_id limit ${offset + limit * 2}) b
        join messages m on m.workspace_id = ${workspaceId} and m.id = b.id
       order by b.rank desc, b.conversation_id`;
  // Contacts: names by full text (every script), and, for a query with Latin letters or
  // digits, parts of names, emails and phones by trigram (pg_trgm sees no trigrams in
  // Persian or Chinese under the C ctype: an `ilike` there would read every contact). Each
  // part is its own index lookup, never one OR. With them, their latest conversations.
  const partial = /[A-Za-z0-9]{3}/.test(q);
  const like = containsPattern;
  const summary = contactSummarySql(workspaceId, sql<string>`p.id`);
  const contactsQuery = sql<{ contacts: string; conversations: string }>`
    with ids as (
      (select id from contacts
        where workspace_id = ${workspaceId} and search @@ websearch_to_tsquery('simple', ${tsquery}) limit 10)
      ${
        partial
          ? sql`union
      (select id from contacts
        where workspace_id = ${workspaceId} and name ilike ${like(q)} limit 10)
      union
      (select contact_id from contact_identities
        where workspace_id = ${workspaceId} and value ilike ${like(q.replace(/[\s()-]/g, ''))} limit 10)`
          : sql``
      }
    ), found as (
      select p.id, p.name, ${summary.email} as email, ${summary.phone} as phone
        from ids join contacts p on p.workspace_id = ${workspaceId} and p.id = ids.id
       where p.merged_into_id is null
       limit 10
    )
    select (select coalesce(json_agg(f), '[]') from found f)::text as contacts,
           (select coalesce(json_agg(t), '[]') from (
              select t.id, t.subject from found f cross join lateral (
                select c.id, c.subject, c.last_activity_at from conversations c
                 where ${where} and c.contact_id = f.id
                 order by c.last_activity_at desc
                 limit ${offset + limit}) t
               order by t.last_activity_at desc
               limit ${offset + limit}) t)::text as conversations`;

  // All of it in one round trip, in one transaction whose sample limit binds only the
  // full-text statements (the trigram lookups use GIN too, and must see every match).
  const statement = (query: { compile(db: Db): { sql: string; parameters: readonly unknown[] } }) =>
    inlined(query.compile(db));
  const sampled = (sample: number) => [
    `set local gin_fuzzy_search_limit = ${String(sample)}`,
    statement(subjectsQuery),
    statement(messagesQuery),
  ];
  const client = await props.pool.connect();
  let subjects: { id: string; subject: string; rank: number }[];
  let messages: { conversation_id: string; text: string; rank: number; found: number }[];
  let lookup: { contacts: string; conversations: string } | undefined;
  try {
    const first = await simpleBatch(client, [
      'begin read only',
      statement(contactsQuery),
      ...sampled(Math.max(1, Math.trunc(limits.ginSample))),
      'commit',
    ]);
    lookup = first[1]?.[0] as typeof lookup;
    subjects = (first[3] ?? []) as typeof subjects;
    messages = (first[4] ?? []) as typeof messages;
    const found = new Set([
      ...subjects.map((r) => r.id),
      ...messages.map((r) => r.conversation_id),
    ]);
    if (found.size < offset + limit) {
      const again = await simpleBatch(client, ['begin read only', ...sampled(0), 'commit']);
      subjects = (again[2] ?? []) as typeof subjects;
      messages = (again[3] ?? []) as typeof messages;
    }
    client.release();
  } catch (error) {
    // A failed statement leaves its transaction open: the connection is not reused.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  const contacts = JSON.parse(lookup?.contacts ?? '[]') as {
    id: string;
    name: string | null;
    email: string | null;
    phone: string | null;
  }[];
  const theirs = JSON.parse(lookup?.conversations ?? '[]') as { id: string; subject: string }[];

  for (const row of subjects)
    hits.push({
      conversationId: row.id,
      matchedIn: 'subject',
      text: row.subject,
      rank: 2 + row.rank,
    });
  for (const row of messages)
    hits.push({
      conversationId: row.conversation_id,
      matchedIn: 'message',
      text: row.text,
      rank: 1 + row.rank,
    });
  // A customer found by name, email or phone brings their latest conversations.
  for (const row of theirs)
    hits.push({ conversationId: row.id, matchedIn: 'contact', text: row.subject, rank: 1.5 });

  // Best hit per conversation, best conversations first (recent first among equals).
  const best = new Map<string, Hit>();
  for (const hit of hits) {
    const seen = best.get(hit.conversationId);
    if (!seen || hit.rank > seen.rank) best.set(hit.conversationId, hit);
  }
  const all = [...best.values()].sort(
    (a, b) => b.rank - a.rank || a.conversationId.localeCompare(b.conversationId),
  );
  const ranked = all.slice(offset, offset + limit);
  // The filters again: they also hold for a ticket found by its number.
  const byId = await conversationJsonByIds({
    db,
    workspaceId,
    ids: ranked.map((h) => h.conversationId),
    conditions: conditions.slice(1),
  });
  // The answer as JSON text (`SearchResults`): the conversations come written by PostgreSQL.
  const found = ranked.flatMap((hit) => {
    const conversation = byId.get(hit.conversationId);
    return conversation
      ? [
          `{"conversation":${conversation},"matchedIn":${JSON.stringify(hit.matchedIn)},"snippet":${JSON.stringify(snippet(hit.text, terms))}}`,
        ]
      : [];
  });
  const people = (offset > 0 ? [] : contacts).map((c) => ({
    id: c.id,
    name: c.name,
    email: c.email,
    phone: c.phone,
  }));
  const capped = (messages[0]?.found ?? 0) >= CANDIDATES || subjects.length >= CANDIDATES;
  const nextCursor =
    offset + limit < all.length && offset + limit <= MAX_OFFSET ? String(offset + limit) : null;
  return `{"conversations":[${found.join(',')}],"contacts":${JSON.stringify(people)},"capped":${String(capped)},"nextCursor":${JSON.stringify(nextCursor)}}`;
}

/** `searchJson`'s answer as an object. */
export async function search(props: Parameters<typeof searchJson>[0]): Promise<SearchResults> {
  return JSON.parse(await searchJson(props)) as SearchResults;
}
