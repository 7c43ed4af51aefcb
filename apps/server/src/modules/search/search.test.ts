import { SearchResults } from '@parley/contract';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildWorkspace, tokenFor } from '../../test/factories.js';
import { articleParagraphs } from '../demo/demo.conversations.js';
import { ingest } from '../conversations/ingest.js';
import { search } from './search.service.js';
import { normalizeForSearch, snippet } from './text.js';

const t = useTestApp();
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const isSearchResults = ajv.compile(SearchResults);

/** The search service's caller, as a workspace owner's token would be. */
const ownerActor = (workspaceId: string, userId: string) => ({
  workspaceId,
  userId,
  role: 'owner' as const,
  via: 'token' as const,
  scopes: ['read' as const],
  csrfToken: null,
  credentialId: 'test',
});

async function workspaceWithArticles() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const ids: Record<string, string> = {};
  for (const [lang, from] of [
    ['pl', 'kasia@example.pl'],
    ['sv', 'erik@example.se'],
    ['fa', 'maryam@example.ir'],
    ['zh', 'wang@example.cn'],
  ] as const) {
    const paragraphs = await articleParagraphs(lang);
    const result = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: from, name: `Customer ${lang}` },
      subject: `Question ${lang}`,
      text: paragraphs.slice(0, 4).join('\n\n'),
    });
    ids[lang] = result.conversationId;
  }
  return { workspace, as: await tokenFor(t.services, owner), ids };
}

describe('search text', () => {
  it('splits Chinese into words and unifies Persian spellings', () => {
    expect(normalizeForSearch('提升业务的5个客户服务原则')).toBe(
      '提升 业务 的 5 个 客户 服务 原则',
    );
    expect(normalizeForSearch('مي‌دهند')).toBe(normalizeForSearch('میدهند'));
    expect(normalizeForSearch('Obsługa klienta')).toBe('Obsługa klienta');
  });

  it('makes snippets that are safe HTML with the matches marked', () => {
    expect(snippet('Hello <script>alert(1)</script> world of support', ['support'])).toBe(
      'Hello &lt;script&gt;alert(1)&lt;/script&gt; world of <mark>support</mark>',
    );
  });

  it('marks a Persian word however the text spells it', () => {
    // The query's words are normalised (no joiner, Persian yeh); the text is as written.
    expect(snippet('آنها خدمات می\u200cدهند', ['میدهند'])).toBe(
      'آنها خدمات <mark>می\u200cدهند</mark>',
    );
    expect(snippet('سلام مريم', ['مریم'])).toBe('سلام <mark>مريم</mark>');
    expect(snippet('Obsługa KLIENTA (24/7)', ['klienta', '(24/7)'])).toBe(
      'Obsługa <mark>KLIENTA</mark> <mark>(24/7)</mark>',
    );
  });
});

describe('GET /api/v1/search', () => {
  it.each([
    ['pl', 'obsługa klienta'],
    ['pl', '"oczekiwania ludzi"'],
    ['sv', 'kundservice'],
    ['sv', 'Kundlojalitet'],
    ['fa', 'پشتیبانی مشتریان'],
    ['zh', '客户服务'],
    ['zh', '客户希望'],
  ])('finds the %s article by “%s” in its own language', async (lang, q) => {
    const { as, ids } = await workspaceWithArticles();
    const res = await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { as });
    expect(res.statusCode).toBe(200);
    const found = res.body.conversations.map(
      (c: { conversation: { id: string } }) => c.conversation.id,
    );
    expect(found[0]).toBe(ids[lang]);
    expect(res.body.conversations[0].snippet).toContain('<mark>');
  });

  it('finds a ticket by number and a customer by email or phone', async () => {
    const { workspace, as } = await workspaceWithArticles();
    const byNumber = await api(t.app, 'GET', '/api/v1/search?q=%231002', { as });
    expect(byNumber.body.conversations[0]).toMatchObject({
      matchedIn: 'number',
      conversation: { number: 1002 },
    });
    await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+46 70 123 45 67' },
      text: 'Hej',
    });
    const byPhone = await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent('70 123 45')}`, {
      as,
    });
    expect(byPhone.body.contacts.map((c: { phone: string }) => c.phone)).toContain('+46701234567');
    const byEmail = await api(t.app, 'GET', '/api/v1/search?q=maryam%40example', { as });
    expect(byEmail.body.contacts[0].email).toBe('maryam@example.ir');
    expect(byEmail.body.conversations[0].matchedIn).toBe('contact');
    // The answer is JSON text assembled by the service: it must be what the schema says, and
    // each conversation what the conversation's own endpoint presents.
    for (const res of [byNumber, byPhone, byEmail]) {
      expect(isSearchResults(res.body), ajv.errorsText(isSearchResults.errors)).toBe(true);
    }
    const found = (byEmail.body as SearchResults).conversations[0]?.conversation;
    const own = await api(t.app, 'GET', `/api/v1/conversations/${found?.id ?? ''}`, { as });
    expect(found).toEqual(own.body);
  });

  it('finds customers by name in every script, also after a rename', async () => {
    const { workspace, as } = await workspaceWithArticles();
    const write = (value: string, name: string) =>
      ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value, name },
        subject: 'سلام',
        text: 'متن',
      });
    await write('maryam.ahmadi@example.ir', 'مریم احمدی');
    await write('wang.fang@example.cn', '王芳');
    await write('lukasz@example.pl', 'Łukasz Żółkiewski');
    const names = async (q: string) =>
      (
        await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { as })
      ).body.contacts.map((c: { name: string }) => c.name) as string[];
    expect(await names('احمدی')).toEqual(['مریم احمدی']);
    // Typed with the Arabic yeh (ي) instead of the Persian one: the same name.
    expect(await names('مريم')).toEqual(['مریم احمدی']);
    expect(await names('王芳')).toEqual(['王芳']);
    expect(await names('Żółkiewski')).toEqual(['Łukasz Żółkiewski']);
    expect(await names('kiewski')).toEqual(['Łukasz Żółkiewski']);

    const contact = (
      await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent('王芳')}`, { as })
    ).body.contacts[0] as { id: string };
    await api(t.app, 'PATCH', `/api/v1/contacts/${contact.id}`, {
      as,
      body: { name: '李小龙' },
    });
    expect(await names('王芳')).toEqual([]);
    expect(await names('李小龙')).toEqual(['李小龙']);
  });

  it('never finds another workspace’s conversations', async () => {
    await workspaceWithArticles();
    const { owner } = await buildWorkspace(t.services);
    const res = await api(t.app, 'GET', '/api/v1/search?q=kundservice', {
      as: await tokenFor(t.services, owner),
    });
    expect(res.body.conversations).toEqual([]);
  });

  it('filters before it cuts the page, with every filter of the conversation list', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    const write = (i: number, channel: 'email' | 'sms') =>
      ingest(t.services.db, {
        workspaceId: workspace.id,
        channel,
        from:
          channel === 'sms'
            ? { kind: 'phone', value: '+48 600 100 200' }
            : { kind: 'email', value: `klient${String(i)}@example.pl` },
        subject: `Paczka ${String(i)}`,
        // The email ones rank higher: the word twice.
        text: channel === 'sms' ? 'Gdzie jest paczka?' : 'Paczka, paczka: nie dotarła.',
      });
    for (let i = 0; i < 12; i++) await write(i, 'email');
    const sms = await write(99, 'sms');
    const ids = async (query: string) =>
      (
        (await api(t.app, 'GET', `/api/v1/search?q=paczka&limit=3&${query}`, { as }))
          .body as SearchResults
      ).conversations.map((c) => c.conversation.id);
    expect(await ids('channel=sms')).toEqual([sms.conversationId]);
    await api(t.app, 'PATCH', `/api/v1/conversations/${sms.conversationId}`, {
      as,
      body: { status: 'pending', tags: ['kurier'], priority: 'urgent' },
    });
    expect(await ids('status=pending')).toEqual([sms.conversationId]);
    expect(await ids('tag=kurier')).toEqual([sms.conversationId]);
    expect(await ids('priority=urgent&status=pending')).toEqual([sms.conversationId]);
    expect(await ids('priority=urgent&status=open')).toEqual([]);
    expect(await ids(`updatedBefore=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).toEqual([]);
    const bad = await api(t.app, 'GET', '/api/v1/search?q=paczka&status=waiting', { as });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('pages through the ranked results without repeats', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    const all: string[] = [];
    for (let i = 0; i < 11; i++) {
      const result = await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `kund${String(i)}@example.se` },
        subject: `Ärende ${String(i)}`,
        text: `Kundservice ${'fråga '.repeat(i)}`,
      });
      all.push(result.conversationId);
    }
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res = await api(
        t.app,
        'GET',
        `/api/v1/search?q=kundservice&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        { as },
      );
      expect(res.statusCode).toBe(200);
      seen.push(
        ...res.body.conversations.map((c: { conversation: { id: string } }) => c.conversation.id),
      );
      cursor = res.body.nextCursor as string | null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...all].sort());
  });

  it('finds a ticket by its number with the prefix, and a merged one’s with the one it went into', async () => {
    const { workspace, as } = await workspaceWithArticles();
    await t.services.db
      .updateTable('workspaces')
      .set({ ticketPrefix: 'PRL-' })
      .where('id', '=', workspace.id)
      .execute();
    const first = async (q: string) =>
      (await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { as })).body
        .conversations[0] as { matchedIn: string; conversation: { number: number } } | undefined;
    expect(await first('PRL-1003')).toMatchObject({
      matchedIn: 'number',
      conversation: { number: 1003 },
    });
    expect(await first('prl-1003')).toMatchObject({ conversation: { number: 1003 } });
    const byNumber = async (n: number) =>
      t.services.db
        .selectFrom('conversations')
        .select('id')
        .where('workspaceId', '=', workspace.id)
        .where('number', '=', n)
        .executeTakeFirstOrThrow();
    const [source, target] = [await byNumber(1001), await byNumber(1002)];
    const merged = await api(t.app, 'POST', `/api/v1/conversations/${source.id}/merge`, {
      as,
      body: { into: target.id },
    });
    expect(merged.statusCode).toBe(200);
    const found = (
      await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent('#1001')}`, { as })
    ).body as SearchResults;
    expect(found.conversations.map((c) => [c.matchedIn, c.conversation.number])).toEqual([
      ['number', 1001],
      ['number', 1002],
    ]);
  });

  it('takes a common word’s matches from the newest messages, a rare word’s from the index', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { conversationId } = await ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `klient${String(i)}@example.pl` },
        subject: `Zamówienie ${String(i)}`,
        text: `Paczka nie dotarła${i === 0 ? ', reklamacja w załączniku' : ''}.`,
      });
      ids.push(conversationId);
    }
    const actor = ownerActor(workspace.id, owner.id);
    const limits = {
      recentMessages: 5,
      recentConversations: 5,
      enoughMessages: 3,
      enoughSubjects: 3,
    };
    const found = async (q: string) =>
      (
        await search({ db: t.services.db, pool: t.services.pool, actor, query: { q }, limits })
      ).conversations.map((c) => c.conversation.id);
    // Five of the newest say "paczka", more than enough: the index is not read, and the
    // older seven are not among the candidates.
    expect(new Set(await found('paczka'))).toEqual(new Set(ids.slice(-5)));
    // "reklamacja" is only in the oldest: none of the newest has it, so the index finds it.
    expect(await found('reklamacja')).toEqual([ids[0]]);
    // Without the newest-first reading every match comes from the index.
    const all = await search({
      db: t.services.db,
      pool: t.services.pool,
      actor,
      query: { q: 'paczka' },
      limits: { recentMessages: 0, recentConversations: 0 },
    });
    expect(all.conversations).toHaveLength(12);
  });

  it('finds the one message with two words that are each everywhere', async () => {
    // 1,000 messages say "paczka" and 1,000 others "kurier". With the index's sample limited to
    // 20 rows a word, the one message with both survives the sample about 1 time in 600: a
    // search that trusted the sample would find nothing; a short sample is looked up whole.
    const { workspace, owner } = await buildWorkspace(t.services);
    const bulk = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'hurt@example.pl' },
      subject: 'Hurt',
      text: 'zamówienie hurtowe',
    });
    await sql`
      insert into messages (workspace_id, id, conversation_id, seq, kind, author_type, channel, text)
      select ${workspace.id}, gen_random_uuid(), ${bulk.conversationId}, 1 + g, 'inbound',
             'contact', 'email',
             case g % 20 when 0 then 'paczka ' when 1 then 'kurier ' else 'faktura ' end || g
        from generate_series(1, 20000) g`.execute(t.services.db);
    const mine = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'ola@example.pl' },
      subject: 'Pytanie',
      text: 'Czy kurier zabrał już moją paczkę? Paczka miała wyjść wczoraj.',
    });
    // Sampling applies to the index's posting trees, not to its list of pending insertions.
    await sql`select gin_clean_pending_list('messages_search_idx')`.execute(t.services.db);
    await sql`analyze messages`.execute(t.services.db);
    const actor = ownerActor(workspace.id, owner.id);
    // The case only arises where the planner reads the word index (not a scan of the table).
    const plan = await sql<{ 'QUERY PLAN': string }>`
      explain select m.id from messages m
       where m.workspace_id = ${workspace.id}
         and m.search @@ websearch_to_tsquery('simple', 'kurier paczka') limit 200`.execute(
      t.services.db,
    );
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('messages_search_idx');
    for (let i = 0; i < 3; i++) {
      const results = await search({
        db: t.services.db,
        pool: t.services.pool,
        actor,
        query: { q: 'kurier paczka' },
        // The index path alone (the newest rows are read first otherwise).
        limits: { ginSample: 20, recentMessages: 0, recentConversations: 0 },
      });
      expect(results.conversations.map((c) => c.conversation.id)).toEqual([mine.conversationId]);
    }
  });

  it('survives hostile and empty-meaning queries', async () => {
    const { as } = await workspaceWithArticles();
    for (const q of ["'; drop table messages; --", '!!!', '"', 'a & b | c', '%_\\', '(((', '-']) {
      const res = await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { as });
      expect(res.statusCode, q).toBe(200);
    }
    expect((await api(t.app, 'GET', '/api/v1/search?q=', { as })).statusCode).toBe(400);
    // A NUL would cut the statement's text short: refused, never sent.
    const nul = await api(t.app, 'GET', '/api/v1/search?q=faktura%00x', { as });
    expect(nul.statusCode).toBe(400);
    expect(nul.body.error.code).toBe('validation_failed');
  });
});
