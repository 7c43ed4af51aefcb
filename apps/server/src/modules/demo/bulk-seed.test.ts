import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { tokenFor } from '../../test/factories.js';
import { bulkSeed } from './bulk-seed.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp();

describe('bulk seeding with COPY', () => {
  it('fills a workspace with consistent multilingual conversations, and can add more', async () => {
    const first = await bulkSeed(t.services, { slug: 'bulk', conversations: 300, agents: 5 });
    expect(first).toMatchObject({ conversations: 300, contacts: 100 });
    expect(first.messages).toBeGreaterThanOrEqual(900);
    expect(first.messages).toBeLessThanOrEqual(2400);
    const second = await bulkSeed(t.services, { slug: 'bulk', conversations: 50, agents: 5 });
    expect(second.workspaceId).toBe(first.workspaceId);

    const { rows } = await t.services.pool.query<{
      n: number;
      min: number;
      max: number;
      langs: number;
      bad: number;
    }>(
      `select count(*)::int as n, min(number)::int as min, max(number)::int as max,
              count(distinct language)::int as langs,
              count(*) filter (where message_count <> (select count(*) from messages m where m.conversation_id = c.id))::int as bad
         from conversations c where workspace_id = $1`,
      [first.workspaceId],
    );
    expect(rows[0]).toEqual({ n: 350, min: 1001, max: 1350, langs: 5, bad: 0 });

    // The API reads seeded data, and new tickets continue the numbering.
    const owner = await t.services.db
      .selectFrom('users')
      .selectAll()
      .where('workspaceId', '=', first.workspaceId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    const list = await api(t.app, 'GET', '/api/v1/conversations?limit=5&status=open', {
      as: await tokenFor(t.services, owner),
    });
    expect(list.statusCode).toBe(200);
    expect(list.body.data.length).toBeGreaterThan(0);
    const next = await ingest(t.services.db, {
      workspaceId: first.workspaceId,
      channel: 'email',
      from: { kind: 'email', value: 'new@example.com' },
      text: 'Hi',
    });
    expect(next.number).toBe(1351);
  });
});
