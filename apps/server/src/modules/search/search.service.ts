import type { SearchQuery, SearchResults } from '@parley/contract';
import { sql } from 'kysely';
import type { Db } from '../../database.js';
import type { Actor } from '../../platform/http.js';
import { contactSummarySql } from '../conversations/contact-summary.js';
import {
  filterConditions,
  filtersOf,
  findConversationsByIds,
} from '../conversations/conversations.service.js';
import { parseTicketNumber, resolveTicket } from '../portal/tickets.js';
import { normalizeForSearch, queryTerms, snippet } from './text.js';
import { containsPattern } from '../../platform/like.js';

/**
 * How many matching messages (and subjects) are considered at most: common words stay
 * bounded. Each candidate is a heap row read at random, the bulk of a common word's cost.
 */
const CANDIDATES = 200;
/** Rows a GIN lookup returns at most for one word (gin_fuzzy_search_limit). */
const GIN_LIMIT = 5000;

interface Hit {
  conversationId: string;
  matchedIn: 'number' | 'subject' | 'message' | 'contact';
  text: string;
  rank: number;
}

/** The deepest page: pages go over the ranked candidates, which are bounded. */
const MAX_OFFSET = 200;

/**
 * One search over ticket numbers, subjects, messages and contacts, ranked, with snippets,
 * narrowed by the conversation list's filters, paged. Full-text (`simple` configuration over
 * segmented text) for words in every language; trigram similarity for names, emails and
 * phone numbers. Candidates are capped so a word that appears everywhere costs no more than a
 * rare one.
 */
export async function search(props: {
  db: Db;
  actor: Actor;
  query: SearchQuery;
  /** Rows a GIN lookup returns at most for one word (tests make it small). */
  ginLimit?: number;
}): Promise<SearchResults> {
  const { db, actor, query } = props;
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
  // reading every posting of the words.
  const subjectsQuery = () => sql<{ id: string; subject: string; rank: number }>`
      select c.id, c.subject, ts_rank(c.search, query) as rank
        from conversations c, websearch_to_tsquery('simple', ${tsquery}) query
       where ${where} and c.search @@ query
       limit ${CANDIDATES}`;
  // Ranked here, and only each conversation's best message of the best ones comes back with
  // its text (a few dozen rows, not every candidate's text).
  const messagesQuery = () => sql<{
    conversationId: string;
    text: string;
    rank: number;
    found: number;
  }>`
      with candidates as (
        select m.id, m.conversation_id, m.search
          from messages m
          ${filtered ? sql`join conversations c on c.workspace_id = m.workspace_id and c.id = m.conversation_id` : sql``}
         where m.workspace_id = ${workspaceId}
           and m.search @@ websearch_to_tsquery('simple', ${tsquery})
           ${filtered ? sql`and ${where}` : sql``}
         limit ${CANDIDATES}
      ), best as (
        select distinct on (conversation_id) id, conversation_id,
               ts_rank(search, websearch_to_tsquery('simple', ${tsquery})) as rank
          from candidates
         order by conversation_id, rank desc
      )
      select b.conversation_id, m.text, b.rank, (select count(*) from candidates)::int as found
        from (select * from best order by rank desc, conversation_id limit ${offset + limit * 2}) b
        join messages m on m.workspace_id = ${workspaceId} and m.id = b.id
       order by b.rank desc, b.conversation_id`;
  const fullText = db.transaction().execute(async (trx) => {
    const sample = Math.max(1, Math.trunc(props.ginLimit ?? GIN_LIMIT));
    await sql`set local gin_fuzzy_search_limit = ${sql.lit(sample)}`.execute(trx);
    let [subjects, messages] = await Promise.all([
      subjectsQuery().execute(trx),
      messagesQuery().execute(trx),
    ]);
    const found = new Set([
      ...subjects.rows.map((r) => r.id),
      ...messages.rows.map((r) => r.conversationId),
    ]);
    if (found.size < offset + limit) {
      await sql`set local gin_fuzzy_search_limit = 0`.execute(trx);
      [subjects, messages] = await Promise.all([
        subjectsQuery().execute(trx),
        messagesQuery().execute(trx),
      ]);
    }
    return [subjects, messages] as const;
  });
  // Contacts on another connection, at the same time: names by full text (every script),
  // and, for a query with Latin letters or digits, parts of names, emails and phones by
  // trigram (pg_trgm sees no trigrams in Persian or Chinese under the C ctype: an `ilike`
  // there would read every contact). Each part is its own index lookup, never one OR.
  const partial = /[A-Za-z0-9]{3}/.test(q);
  const like = containsPattern;
  const summary = contactSummarySql(workspaceId, sql<string>`c.id`);
  const contactLookup = sql<{
    id: string;
    name: string | null;
    email: string | null;
    phone: string | null;
  }>`
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
    )
    select c.id, c.name, ${summary.email} as email, ${summary.phone} as phone
      from ids join contacts c on c.workspace_id = ${workspaceId} and c.id = ids.id
     where c.merged_into_id is null
     limit 10`.execute(db);
  const [[subjects, messages], contacts] = await Promise.all([fullText, contactLookup]);

  for (const row of subjects.rows)
    hits.push({
      conversationId: row.id,
      matchedIn: 'subject',
      text: row.subject,
      rank: 2 + row.rank,
    });
  for (const row of messages.rows)
    hits.push({
      conversationId: row.conversationId,
      matchedIn: 'message',
      text: row.text,
      rank: 1 + row.rank,
    });

  // A customer found by name, email or phone brings their latest conversations.
  if (contacts.rows.length > 0) {
    const theirs = await db
      .selectFrom('conversations as c')
      .select(['c.id', 'c.subject'])
      .where(where)
      .where(
        'c.contactId',
        'in',
        contacts.rows.map((c) => c.id),
      )
      .orderBy('c.lastActivityAt', 'desc')
      .limit(offset + limit)
      .execute();
    for (const row of theirs)
      hits.push({ conversationId: row.id, matchedIn: 'contact', text: row.subject, rank: 1.5 });
  }

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
  const conversations = await findConversationsByIds({
    db,
    workspaceId,
    ids: ranked.map((h) => h.conversationId),
    conditions: conditions.slice(1),
  });
  const byId = new Map(conversations.map((c) => [c.id, c]));
  return {
    conversations: ranked.flatMap((hit) => {
      const conversation = byId.get(hit.conversationId);
      return conversation
        ? [{ conversation, matchedIn: hit.matchedIn, snippet: snippet(hit.text, terms) }]
        : [];
    }),
    contacts: (offset > 0 ? [] : contacts.rows).map((c) => ({
      id: c.id,
      name: c.name,
      email: c.email,
      phone: c.phone,
    })),
    capped: (messages.rows[0]?.found ?? 0) >= CANDIDATES || subjects.rows.length >= CANDIDATES,
    nextCursor:
      offset + limit < all.length && offset + limit <= MAX_OFFSET ? String(offset + limit) : null,
  };
}
