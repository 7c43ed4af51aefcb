import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Services } from '../../context.js';
import { hashPassword } from '../auth/passwords.js';
import {
  createWorkspace,
  findWorkspaceBySlug,
  insertUser,
} from '../workspaces/workspaces.service.js';
import { articleParagraphs } from './demo.conversations.js';
import { copyRows, type CopyValue } from './copy.js';
import { searchTextFor } from '../search/text.js';

export interface BulkSeedResult {
  workspaceId: string;
  conversations: number;
  messages: number;
  contacts: number;
  agents: string[];
  seconds: number;
}

/** Small deterministic generator (mulberry32): the same seed gives the same data. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const english = [
  'Where is my order? The tracking page has not changed for a week.',
  'I was charged twice for the same invoice, please refund one of them.',
  'The app crashes when I try to upload a photo from my phone.',
  'Can I change the delivery address after the order has shipped?',
  'My password reset email never arrives, I checked the spam folder.',
  'Thank you, that solved it! Have a great day.',
  'Is there a discount for annual plans or non-profit organisations?',
  'The product arrived damaged; the box was crushed on one side.',
];

const subjects: Record<string, string[]> = {
  en: [
    'Order not arrived',
    'Refund request',
    'App crashes on upload',
    'Change delivery address',
    'Password reset',
    'Billing question',
  ],
  pl: [
    'Zamówienie nie dotarło',
    'Prośba o zwrot',
    'Problem z fakturą',
    'Pytanie o obsługę klienta',
  ],
  sv: ['Beställningen har inte kommit', 'Fråga om faktura', 'Återbetalning', 'Kundservice'],
  fa: ['سفارش نرسیده است', 'درخواست بازپرداخت', 'پشتیبانی مشتریان', 'مشکل در پرداخت'],
  zh: ['订单未到达', '退款申请', '账单问题', '客户服务'],
};

const statuses: [string, number][] = [
  ['new', 0.15],
  ['open', 0.3],
  ['pending', 0.15],
  ['on_hold', 0.05],
  ['resolved', 0.3],
  ['closed', 0.05],
];
const priorities: [string, number][] = [
  ['low', 0.2],
  ['normal', 0.55],
  ['high', 0.2],
  ['urgent', 0.05],
];
const channels: [string, number][] = [
  ['email', 0.5],
  ['chat', 0.2],
  ['whatsapp', 0.1],
  ['sms', 0.05],
  ['telegram', 0.05],
  ['webform', 0.05],
  ['phone', 0.05],
];
const languages: [string, number][] = [
  ['en', 0.4],
  ['pl', 0.15],
  ['sv', 0.15],
  ['fa', 0.15],
  ['zh', 0.15],
];

/**
 * `parley seed --conversations N`: a workspace full of realistic multilingual history
 * (contacts, conversations over the past year in every status and channel, 3–8 messages
 * each), written with COPY. For benchmarks and demos at scale.
 */
export async function bulkSeed(
  services: Services,
  options: {
    slug: string;
    conversations: number;
    agents?: number;
    seed?: number;
    onProgress?: (done: number) => void;
  },
): Promise<BulkSeedResult> {
  const started = performance.now();
  const rand = random(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const weighted = (list: [string, number][]): string => {
    let r = rand();
    for (const [value, weight] of list) {
      if ((r -= weight) <= 0) return value;
    }
    return list[0]?.[0] ?? '';
  };

  const corpus: Record<string, string[]> = { en: english };
  for (const lang of ['pl', 'sv', 'fa', 'zh'] as const) {
    const sentences = (await articleParagraphs(lang))
      .flatMap((p) => p.split(/(?<=[.!?。!?؟])\s*/))
      .map((s) => s.trim())
      .filter((s) => s.length > 15);
    corpus[lang] = sentences;
  }

  let workspace = await findWorkspaceBySlug({ db: services.db, slug: options.slug });
  workspace ??= (
    await createWorkspace({
      db: services.db,
      slug: options.slug,
      name: `Bench ${options.slug}`,
      owner: {
        email: `owner@${options.slug}.localhost`,
        name: 'Owner',
        password: randomBytes(12).toString('hex'),
      },
    })
  ).workspace;
  const workspaceId = workspace.id;
  const agentCount = options.agents ?? 50;
  const existingAgents = await services.db
    .selectFrom('users')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .where('role', '=', 'agent')
    .execute();
  const agents = existingAgents.map((a) => a.id);
  if (agents.length < agentCount) {
    const hash = await hashPassword(randomBytes(12).toString('hex'));
    await services.db.transaction().execute(async (trx) => {
      for (let i = agents.length; i < agentCount; i++) {
        const user = await insertUser(trx, {
          workspaceId,
          email: `agent${i}@${options.slug}.localhost`,
          name: `Agent ${i}`,
          role: 'agent',
          passwordHash: hash,
        });
        agents.push(user.id);
      }
    });
  }

  const total = options.conversations;
  const contactCount = Math.max(1, Math.ceil(total / 3));
  const contactIds = Array.from({ length: contactCount }, () => uuidv7());
  // Seeding the same workspace again adds new customers rather than colliding with the old.
  const run = randomBytes(3).toString('hex');
  // The run's own digits for phone numbers (all 24 bits of it: two runs never share a prefix).
  const runDigits = String(parseInt(run, 16)).padStart(8, '0');
  const now = Date.now();
  const yearMs = 365 * 86_400_000;
  const sequence = `ticket_number_${workspaceId.replaceAll('-', '')}`;
  const { rows: reserved } = await services.pool.query<{ first: string }>(
    `select setval($1::regclass, nextval($1::regclass) + $2 - 1) - $2 + 1 as first`,
    [sequence, total],
  );
  const firstNumber = Number(reserved[0]?.first ?? 1001);

  const client = await services.pool.connect();
  let messages = 0;
  try {
    await client.query('begin');
    await copyRows(
      client,
      'contacts',
      ['workspace_id', 'id', 'name', 'language', 'attributes'],
      (function* () {
        for (const [i, id] of contactIds.entries()) {
          yield [
            workspaceId,
            id,
            `Customer ${i}`,
            weighted(languages),
            { plan: pick(['free', 'pro', 'enterprise']) },
          ];
        }
      })(),
    );
    await copyRows(
      client,
      'contact_identities',
      ['workspace_id', 'kind', 'value', 'contact_id'],
      (function* () {
        for (const [i, id] of contactIds.entries()) {
          yield [workspaceId, 'email', `customer${i}.${run}@${options.slug}.example.com`, id];
          if (i % 4 === 0)
            yield [workspaceId, 'phone', `+${runDigits}${String(i).padStart(7, '0')}`, id];
        }
      })(),
    );

    // Conversations and their messages, generated together so both agree.
    const messageRows: CopyValue[][] = [];
    const flushMessages = async () => {
      if (messageRows.length === 0) return;
      messages += await copyRows(
        client,
        'messages',
        [
          'workspace_id',
          'id',
          'conversation_id',
          'seq',
          'kind',
          'author_type',
          'author_id',
          'channel',
          'text',
          'search_text',
          'created_at',
        ],
        messageRows.splice(0),
      );
    };
    const chunk = 20_000;
    for (let start = 0; start < total; start += chunk) {
      const conversationRows: CopyValue[][] = [];
      for (let i = start; i < Math.min(total, start + chunk); i++) {
        const id = uuidv7();
        const lang = weighted(languages);
        const status = weighted(statuses);
        const channel = weighted(channels);
        const contactIndex = i % contactCount;
        const contactId = contactIds[contactIndex] ?? '';
        const createdAt = now - Math.floor(rand() * yearMs);
        const count = 3 + Math.floor(rand() * 6);
        const assignee = status === 'new' || rand() < 0.1 ? null : pick(agents);
        let at = createdAt;
        let firstResponse: number | null = null;
        let preview = '';
        for (let seq = 1; seq <= count; seq++) {
          const fromCustomer = seq % 2 === 1;
          const text =
            `${pick(corpus[lang] ?? english)} ${rand() < 0.5 ? pick(corpus[lang] ?? english) : ''}`.trim();
          if (!fromCustomer && firstResponse === null) firstResponse = at;
          preview = text.slice(0, 200);
          messageRows.push([
            workspaceId,
            uuidv7(),
            id,
            seq,
            fromCustomer ? 'inbound' : 'outbound',
            fromCustomer ? 'contact' : 'user',
            fromCustomer ? contactId : (assignee ?? pick(agents)),
            channel,
            text,
            lang === 'zh' || lang === 'fa' ? searchTextFor(text) : null,
            new Date(at),
          ]);
          at += Math.floor(rand() * 6 * 3_600_000);
        }
        const resolved = status === 'resolved' || status === 'closed' ? new Date(at) : null;
        const subject = pick(subjects[lang] ?? subjects.en ?? []);
        conversationRows.push([
          workspaceId,
          id,
          firstNumber + i,
          subject,
          searchTextFor(subject),
          status,
          weighted(priorities),
          channel,
          lang,
          [] as string[],
          contactId,
          `Customer ${contactIndex}`,
          `customer${contactIndex}.${run}@${options.slug}.example.com`,
          contactIndex % 4 === 0 ? `+${runDigits}${String(contactIndex).padStart(7, '0')}` : null,
          assignee,
          count,
          count,
          preview,
          new Date(createdAt),
          firstResponse === null ? null : new Date(firstResponse),
          new Date(at),
          resolved,
          new Date(createdAt),
          new Date(at),
        ]);
      }
      await copyRows(
        client,
        'conversations',
        [
          'workspace_id',
          'id',
          'number',
          'subject',
          'search_text',
          'status',
          'priority',
          'channel',
          'language',
          'tags',
          'contact_id',
          'contact_name',
          'contact_email',
          'contact_phone',
          'assignee_id',
          'last_seq',
          'message_count',
          'preview',
          'first_customer_message_at',
          'first_response_at',
          'last_activity_at',
          'resolved_at',
          'created_at',
          'updated_at',
        ],
        conversationRows,
      );
      // Statistics that still describe a nearly empty table make every foreign-key check
      // of the next COPY scan it: refresh them once the first rows are in (ANALYZE sees this
      // transaction's own rows).
      if (start === 0) await client.query('analyze contacts; analyze conversations');
      await flushMessages();
      options.onProgress?.(Math.min(total, start + chunk));
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  // What autovacuum would do before anyone used the data: statistics for the planner, and
  // the visibility map, without which no index-only scan skips the heap (search over a
  // freshly seeded million ran four times slower, p95 220 ms instead of 52, until a vacuum).
  for (const table of ['contacts', 'contact_identities', 'conversations', 'messages'])
    await sql`vacuum (analyze) ${sql.table(table)}`.execute(services.db);
  return {
    workspaceId,
    conversations: total,
    messages,
    contacts: contactCount,
    agents,
    seconds: (performance.now() - started) / 1000,
  };
}
