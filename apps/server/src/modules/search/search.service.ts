import type { SearchQuery, SearchResults } from '@parley/contract';
import { sql } from 'kysely';
import type { Db } from '../../database.js';
import type { Actor } from '../../platform/http.js';
import { contactSummarySql } from '../conversations/contact-summary.js';
import { findConversationsByIds } from '../conversations/conversations.service.js';
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

/**
 * One search over ticket numbers, subjects, messages and contacts, ranked, with snippets.
 * Full-text (`simple` configuration over segmented text) for words in every language;
 * trigram similarity for names, emails and phone numbers. Candidates are capped so a word
 * that appears everywhere costs no more than a rare one.
 */
export async function search(props: {
  db: Db;
  actor: Actor;
  query: SearchQuery;
}): Promise<SearchResults> {
  const { db, actor, query } = props;
  const limit = query.limit ?? 20;
  const workspaceId = actor.workspaceId;
  const q = query.q.trim();
  const terms = queryTerms(q);
  const tsquery = normalizeForSearch(q);
  const hits: Hit[] = [];

  const number = /^#?\s*(\d{1,12})$/.exec(q)?.[1];
  if (number) {
    const row = await db
      .selectFrom('conversations')
      .select(['id', 'subject'])
      .where('workspaceId', '=', workspaceId)
      .where('number', '=', Number(number))
      .executeTakeFirst();
    if (row)
      hits.push({ conversationId: row.id, matchedIn: 'number', text: row.subject, rank: 10 });
  }

  // GIN answers a word found in a million rows by building a bitmap of them all; the fuzzy
  // limit makes it return a bounded sample instead, which is all a ranked page needs.
  const fullText = db.transaction().execute(async (trx) => {
    await sql`set local gin_fuzzy_search_limit = ${sql.lit(GIN_LIMIT)}`.execute(trx);
    return Promise.all([
      sql<{ id: string; subject: string; rank: number }>`
      select id, subject, ts_rank(search, query) as rank
        from conversations, websearch_to_tsquery('simple', ${tsquery}) query
       where workspace_id = ${workspaceId} and search @@ query
       limit ${CANDIDATES}`.execute(trx),
      // Ranked here, and only each conversation's best message of the best ones comes
      // back with its text (a few dozen rows, not every candidate's text).
      sql<{ conversationId: string; text: string; rank: number; found: number }>`
      with candidates as (
        select id, conversation_id, search
          from messages
         where workspace_id = ${workspaceId}
           and search @@ websearch_to_tsquery('simple', ${tsquery})
         limit ${CANDIDATES}
      ), best as (
        select distinct on (conversation_id) id, conversation_id,
               ts_rank(search, websearch_to_tsquery('simple', ${tsquery})) as rank
          from candidates
         order by conversation_id, rank desc
      )
      select b.conversation_id, m.text, b.rank, (select count(*) from candidates)::int as found
        from (select * from best order by rank desc limit ${limit * 2}) b
        join messages m on m.workspace_id = ${workspaceId} and m.id = b.id
       order by b.rank desc`.execute(trx),
    ]);
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
      .selectFrom('conversations')
      .select(['id', 'subject', 'contactId'])
      .where('workspaceId', '=', workspaceId)
      .where(
        'contactId',
        'in',
        contacts.rows.map((c) => c.id),
      )
      .orderBy('lastActivityAt', 'desc')
      .limit(limit)
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
  const ranked = [...best.values()].sort((a, b) => b.rank - a.rank).slice(0, limit);
  const conversations = await findConversationsByIds({
    db,
    workspaceId,
    ids: ranked.map((h) => h.conversationId),
    ...(query.status ? { status: query.status } : {}),
  });
  const byId = new Map(conversations.map((c) => [c.id, c]));
  return {
    conversations: ranked.flatMap((hit) => {
      const conversation = byId.get(hit.conversationId);
      return conversation
        ? [{ conversation, matchedIn: hit.matchedIn, snippet: snippet(hit.text, terms) }]
        : [];
    }),
    contacts: contacts.rows.map((c) => ({
      id: c.id,
      name: c.name,
      email: c.email,
      phone: c.phone,
    })),
    capped: (messages.rows[0]?.found ?? 0) >= CANDIDATES || subjects.rows.length >= CANDIDATES,
  };
}
