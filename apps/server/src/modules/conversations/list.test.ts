import { Conversation } from '@parley/contract';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { findConversationsByIds } from './conversations.service.js';
import { ingest } from './ingest.js';

const t = useTestApp();
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const isConversation = ajv.compile(Conversation);

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
  it('filters by status, priority, channel, language, tag and creation time', async () => {
    const { as, ids } = await inbox();
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
    // Several values: any of them.
    expect(
      numbers(
        await api(t.app, 'GET', '/api/v1/conversations?priority=high,urgent&sort=createdAt', {
          as,
        }),
      ),
    ).toEqual(['S1', 'S2', 'S3']);
    const { rows } = await sql<{ id: string }>`
      update conversations set status = 'pending' where subject = 'S4' and id = any(${ids})
      returning id`.execute(t.services.db);
    expect(rows).toHaveLength(1);
    expect(
      numbers(
        await api(t.app, 'GET', '/api/v1/conversations?status=new,pending&sort=createdAt', { as }),
      ),
    ).toEqual(['S0', 'S1', 'S2', 'S3', 'S4']);
    expect(
      numbers(await api(t.app, 'GET', '/api/v1/conversations?status=pending,closed', { as })),
    ).toEqual(['S4']);
    for (const bad of ['open,asap', 'open,', ',open', 'open;pending', 'OPEN']) {
      const res = await api(t.app, 'GET', `/api/v1/conversations?status=${bad}`, { as });
      expect(res.statusCode, bad).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
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
    // A cursor whose values are not what the sort's keys hold is refused, not a 500.
    const forged = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
    for (const [sort, values] of [
      ['createdAt', ['not a time', '01a2073c-206d-7deb-86fc-47b409af0e37']],
      ['createdAt', ['2026-01-01T00:00:00Z', 'not-an-id']],
      ['-priority', [9, '2026-01-01T00:00:00Z', '01a2073c-206d-7deb-86fc-47b409af0e37']],
    ] as const) {
      const res = await api(
        t.app,
        'GET',
        `/api/v1/conversations?sort=${sort}&cursor=${forged([...values])}`,
        { as },
      );
      expect(res.statusCode, JSON.stringify(values)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('writes every row of a page exactly as the conversation is presented elsewhere', async () => {
    // A page is JSON written by PostgreSQL; the detail and the other lists are presented
    // in TypeScript. Every field set, with times carrying microseconds, must agree.
    const { as, ids } = await inbox();
    const { db } = t.services;
    const [first, second] = ids as [string, string];
    const workspaceId = (
      await db
        .selectFrom('conversations')
        .select('workspaceId')
        .where('id', '=', first)
        .executeTakeFirstOrThrow()
    ).workspaceId;
    const teamId = uuidv7();
    await sql`insert into teams (workspace_id, id, name, kind) values (${workspaceId}, ${teamId}, 'Faktury', 'finance')`.execute(
      db,
    );
    await sql`
      update conversations
         set team_id = ${teamId}, custom_fields = '{"order_number": "A-1", "vip": true, "due": "2026-01-01T10:00:00"}',
             required_skills = array[${uuidv7()}::uuid], follow_up_of_id = ${second},
             first_response_at = '2026-01-01 10:00:00.123456+00', resolved_at = '2026-01-02 11:00:00.999999+00',
             sla_due_at = '2026-01-03 12:00:00.000001+00', sla_breached_at = '2026-01-03 12:00:01+00',
             first_response_due_at = '2026-01-01 12:00:00.5+00', next_response_due_at = '2026-01-04 00:00:00+00',
             resolution_due_at = '2026-01-05 00:00:00.000999+00', reopened_count = 2,
             contact_name = 'Zoë <script>alert(1)</script> "Ö"', preview = E'line\\nnext \u201cquoted\u201d \u0645\u0631\u062d\u0628\u0627',
             -- Text that looks like the page's times stays as it was written.
             subject = '2026-01-01T10:00:00', category = '{"createdAt" : "2026-01-01T10:00:00.5"}',
             updated_at = '2026-01-06 00:00:00.654321+00'
       where id = ${first}`.execute(db);
    const page = await api(t.app, 'GET', '/api/v1/conversations?sort=createdAt&limit=50', { as });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^application\/json/);
    const presented = await findConversationsByIds({ db, workspaceId, ids });
    const byId = new Map(presented.map((c) => [c.id, c]));
    expect(page.body.data).toHaveLength(ids.length);
    for (const row of page.body.data as { id: string }[]) {
      expect(isConversation(row), ajv.errorsText(isConversation.errors)).toBe(true);
      expect(row).toEqual(byId.get(row.id));
    }
    expect(page.body.data[0]).toMatchObject({
      teamId,
      resolvedAt: '2026-01-02T11:00:00.999Z',
      subject: '2026-01-01T10:00:00',
      category: '{"createdAt" : "2026-01-01T10:00:00.5"}',
    });
  });

  it('pages through times that differ only in microseconds without skipping or repeating', async () => {
    const { as, ids } = await inbox();
    // Five conversations within the same millisecond, apart by microseconds.
    for (const [i, id] of ids.entries()) {
      await sql`
        update conversations
           set created_at = ${`2026-02-01 00:00:00.123${String(100 + i * 100)}+00`}::timestamptz,
               last_activity_at = ${`2026-02-01 00:00:00.456${String(100 + i * 100)}+00`}::timestamptz,
               priority = 'normal'
         where id = ${id}`.execute(t.services.db);
    }
    for (const sort of ['createdAt', '-createdAt', '-lastActivityAt', '-priority']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { data: { id: string }[]; nextCursor: string | null } } = await api(
          t.app,
          'GET',
          `/api/v1/conversations?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          { as },
        );
        seen.push(...res.body.data.map((c) => c.id));
        cursor = res.body.nextCursor;
        expect(seen.length, `${sort}: a page repeated rows`).toBeLessThanOrEqual(ids.length);
      } while (cursor);
      expect(seen, sort).toEqual(
        sort.startsWith('-') && sort !== '-priority' ? [...ids].reverse() : ids,
      );
    }
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
