import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildWorkspace, tokenFor } from '../../test/factories.js';
import { articleParagraphs } from '../demo/demo.conversations.js';
import { ingest } from '../conversations/ingest.js';
import { normalizeForSearch, snippet } from './text.js';

const t = useTestApp();

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

  it('survives hostile and empty-meaning queries', async () => {
    const { as } = await workspaceWithArticles();
    for (const q of ["'; drop table messages; --", '!!!', '"', 'a & b | c', '%_\\', '(((', '-']) {
      const res = await api(t.app, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { as });
      expect(res.statusCode, q).toBe(200);
    }
    expect((await api(t.app, 'GET', '/api/v1/search?q=', { as })).statusCode).toBe(400);
  });
});
