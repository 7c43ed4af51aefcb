import { describe, expect, it } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from './ingest.js';

const t = useTestApp();

async function conversationIn(workspaceId: string, n: number) {
  return (
    await ingest(t.services.db, {
      workspaceId,
      channel: 'email',
      from: { kind: 'email', value: `bulk${n}@example.com` },
      subject: `Bulk ${n}`,
      text: 'Hej',
    })
  ).conversationId;
}

describe('POST /api/v1/conversations/bulk', () => {
  it('applies one change to many, atomically each, and reports the ones it could not', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const mine = await Promise.all([1, 2, 3].map((n) => conversationIn(workspace.id, n)));
    const other = await conversationIn((await buildWorkspace(t.services)).workspace.id, 9);
    const missing = uuidv7();
    const res = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: {
        ids: [...mine, other, missing],
        changes: { assigneeId: agent.id, status: 'open', priority: 'high' },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ updated: 3, failed: 2 });
    expect(
      res.body.results
        .filter((r: { ok: boolean }) => !r.ok)
        .map((r: { id: string; error: { code: string } }) => [r.id, r.error.code]),
    ).toEqual([
      [other, 'conversation_not_found'],
      [missing, 'conversation_not_found'],
    ]);
    const rows = await t.services.db
      .selectFrom('conversations')
      .select(['id', 'assigneeId', 'status', 'priority'])
      .where('id', 'in', [...mine, other])
      .execute();
    for (const row of rows) {
      if (row.id === other)
        expect(row).toMatchObject({ assigneeId: null, status: 'new', priority: 'normal' });
      else expect(row).toMatchObject({ assigneeId: agent.id, status: 'open', priority: 'high' });
    }
  });

  it('refuses more than 1,000 conversations, duplicates, and collaborators', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const tooMany = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: Array.from({ length: 1001 }, () => uuidv7()), changes: { status: 'open' } },
    });
    expect(tooMany.statusCode).toBe(400);
    const id = await conversationIn(workspace.id, 1);
    const duplicate = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [id, id], changes: { status: 'open' } },
    });
    expect(duplicate.statusCode).toBe(400);
    const collaborator = await buildUser(t.services, {
      workspaceId: workspace.id,
      role: 'collaborator',
    });
    const refused = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as: await tokenFor(t.services, collaborator),
      body: { ids: [id], changes: { status: 'closed' } },
    });
    expect(refused.statusCode).toBe(403);
  });
});
