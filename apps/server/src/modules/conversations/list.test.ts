import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from './ingest.js';

const t = useTestApp();

async function inbox() {
  const { workspace } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id });
  const as = await tokenFor(t.services, agent);
  const specs = [
    { channel: 'email', priority: 'low', lang: 'pl', tags: ['faktura'] },
    { channel: 'sms', priority: 'urgent', lang: 'sv', tags: [] },
    { channel: 'email', priority: 'high', lang: 'zh', tags: ['vip'] },
    { channel: 'whatsapp', priority: 'urgent', lang: 'fa', tags: ['vip'] },
    { channel: 'email', priority: 'normal', lang: 'en', tags: [] },
  ] as const;
  const ids: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const from =
      spec.channel === 'email'
        ? { kind: 'email' as const, value: `c${i}@example.com` }
        : {
            kind: spec.channel === 'sms' ? ('phone' as const) : ('whatsapp' as const),
            value: `+4670123450${i}`,
          };
    const r = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: spec.channel,
      from,
      subject: `S${i}`,
      text: 'x',
      languageHint: spec.lang,
      priority: spec.priority,
      tags: [...spec.tags],
      receivedAt: new Date(Date.UTC(2026, 0, 1 + i)),
    });
    ids.push(r.conversationId);
  }
  return { as, ids };
}

const numbers = (res: { body: { data: { subject: string }[] } }) =>
  res.body.data.map((c) => c.subject);

describe('conversation list filters and sorts', () => {
  it('filters by priority, channel, language, tag and creation time', async () => {
    const { as } = await inbox();
    expect(
      numbers(await api(t.app, 'GET', '/api/v1/conversations?priority=urgent', { as })).sort(),
    ).toEqual(['S1', 'S3']);
    expect(
      numbers(
        await api(t.app, 'GET', '/api/v1/conversations?channel=email&sort=createdAt', { as }),
      ),
    ).toEqual(['S0', 'S2', 'S4']);
    expect(numbers(await api(t.app, 'GET', '/api/v1/conversations?language=zh', { as }))).toEqual([
      'S2',
    ]);
    expect(
      numbers(await api(t.app, 'GET', '/api/v1/conversations?tag=vip&sort=createdAt', { as })),
    ).toEqual(['S2', 'S3']);
    expect(
      numbers(
        await api(
          t.app,
          'GET',
          '/api/v1/conversations?createdAfter=2026-01-03T00:00:00Z&createdBefore=2026-01-05T00:00:00Z&sort=createdAt',
          { as },
        ),
      ),
    ).toEqual(['S2', 'S3']);
    expect(
      (await api(t.app, 'GET', '/api/v1/conversations?priority=asap', { as })).statusCode,
    ).toBe(400);
    expect(
      (await api(t.app, 'GET', "/api/v1/conversations?tag='%20or%201=1--", { as })).body.data,
    ).toEqual([]);
  });

  it('pages through every sort without skipping or repeating', async () => {
    const { as } = await inbox();
    const expected: Record<string, string[]> = {
      '-priority': ['S1', 'S3', 'S2', 'S4', 'S0'],
      createdAt: ['S0', 'S1', 'S2', 'S3', 'S4'],
      '-createdAt': ['S4', 'S3', 'S2', 'S1', 'S0'],
    };
    for (const [sort, order] of Object.entries(expected)) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { data: { subject: string }[]; nextCursor: string | null } } = await api(
          t.app,
          'GET',
          `/api/v1/conversations?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          { as },
        );
        seen.push(...numbers(res));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen, sort).toEqual(order);
    }
    const first = await api(t.app, 'GET', '/api/v1/conversations?sort=-priority&limit=2', { as });
    const mismatched = await api(
      t.app,
      'GET',
      `/api/v1/conversations?sort=createdAt&cursor=${first.body.nextCursor}`,
      { as },
    );
    expect(mismatched.statusCode).toBe(400);
  });

  it('shows the timeline of changes with actors', async () => {
    const { as, ids } = await inbox();
    const id = ids[0] ?? '';
    await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as,
      body: { status: 'pending', priority: 'high' },
    });
    const res = await api(t.app, 'GET', `/api/v1/conversations/${id}/events`, { as });
    expect(res.statusCode).toBe(200);
    expect(res.body.data.map((e: { type: string }) => e.type)).toEqual([
      'conversation.created',
      'conversation.status_changed',
      'conversation.priority_changed',
    ]);
    expect(res.body.data[1]).toMatchObject({
      actor: { type: 'user' },
      data: { from: 'new', to: 'pending' },
    });
  });
});
