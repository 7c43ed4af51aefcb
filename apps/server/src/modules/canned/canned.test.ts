import type { CannedResponse } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { api, useTestApp } from '../../test/harness.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp();

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services, { name: 'Nordic Parcels' });
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const ola = await buildUser(t.services, { workspaceId: workspace.id, name: 'Ola Nowak' });
  const bo = await buildUser(t.services, { workspaceId: workspace.id, name: 'Bo Ek' });
  const { conversationId } = await ingest(t.services.db, {
    workspaceId: workspace.id,
    channel: 'email',
    from: { kind: 'email', value: 'kasia@example.pl', name: 'Kasia Kowalska' },
    subject: 'Paczka',
    text: 'Gdzie jest moja paczka?',
  });
  return {
    workspace,
    owner,
    conversationId,
    asManager: await tokenFor(t.services, manager),
    asOla: await tokenFor(t.services, ola),
    asBo: await tokenFor(t.services, bo),
  };
}

describe('canned responses', () => {
  it('fills placeholders from the conversation and the agent', async () => {
    const s = await setup();
    const created = await api<CannedResponse>(t.app, 'POST', '/api/v1/canned-responses', {
      as: s.asManager,
      body: {
        title: 'Paczka w drodze',
        shortcut: 'paczka',
        language: 'pl',
        shared: true,
        body: 'Dzień dobry {customerFirstName}, paczka ze zgłoszenia {number} jest w drodze. Pozdrawiam, {agentFirstName} ({workspace})',
      },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    const rendered = await api(
      t.app,
      'POST',
      `/api/v1/canned-responses/${created.body.id}/render`,
      { as: s.asOla, body: { conversationId: s.conversationId } },
    );
    expect(rendered.statusCode).toBe(200);
    expect(rendered.body.text).toMatch(
      /^Dzień dobry Kasia, paczka ze zgłoszenia #\d+ jest w drodze\. Pozdrawiam, Ola \(Nordic Parcels\)$/,
    );
  });

  it('keeps own ones private, shared ones for managers, and refuses unknown placeholders', async () => {
    const s = await setup();
    const shareByAgent = await api(t.app, 'POST', '/api/v1/canned-responses', {
      as: s.asOla,
      body: { title: 'Hej', body: 'Hej!', shared: true },
    });
    expect(shareByAgent.statusCode).toBe(403);
    const typo = await api(t.app, 'POST', '/api/v1/canned-responses', {
      as: s.asOla,
      body: { title: 'Hej', body: 'Hej {custmer}!' },
    });
    expect(typo.statusCode).toBe(400);
    expect(typo.body.error).toMatchObject({ code: 'validation_failed' });
    const own = await api<CannedResponse>(t.app, 'POST', '/api/v1/canned-responses', {
      as: s.asOla,
      body: { title: 'Tack', shortcut: 'tack', body: 'Tack {customer}!' },
    });
    expect(own.body.shared).toBe(false);
    // Bo sees none of Ola's, and may use the same shortcut for his own.
    expect((await api(t.app, 'GET', '/api/v1/canned-responses', { as: s.asBo })).body.data).toEqual(
      [],
    );
    const bos = await api(t.app, 'POST', '/api/v1/canned-responses', {
      as: s.asBo,
      body: { title: 'Tack', shortcut: 'tack', body: 'Tack!' },
    });
    expect(bos.statusCode).toBe(201);
    const twice = await api(t.app, 'POST', '/api/v1/canned-responses', {
      as: s.asOla,
      body: { title: 'Tack igen', shortcut: 'tack', body: 'Tack!' },
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.body.error.code).toBe('shortcut_taken');
    const notHis = await api(t.app, 'PATCH', `/api/v1/canned-responses/${own.body.id}`, {
      as: s.asBo,
      body: { title: 'Mine' },
    });
    expect(notHis.statusCode).toBe(404);

    const shared = await api<CannedResponse>(t.app, 'POST', '/api/v1/canned-responses', {
      as: s.asManager,
      body: { title: 'Leverans', body: 'Paketet är på väg.', language: 'sv', shared: true },
    });
    const agentEdits = await api(t.app, 'PATCH', `/api/v1/canned-responses/${shared.body.id}`, {
      as: s.asOla,
      body: { title: 'Ändrad' },
    });
    expect(agentEdits.statusCode).toBe(403);
    // Search and language: Ola sees her own and the shared Swedish one when asking for sv.
    const sv = await api(t.app, 'GET', '/api/v1/canned-responses?language=sv', { as: s.asOla });
    expect(sv.body.data.map((c: CannedResponse) => c.title).sort()).toEqual(['Leverans', 'Tack']);
    const found = await api(t.app, 'GET', '/api/v1/canned-responses?q=v%C3%A4g', { as: s.asOla });
    expect(found.body.data.map((c: CannedResponse) => c.title)).toEqual(['Leverans']);
    const gone = await api(t.app, 'DELETE', `/api/v1/canned-responses/${own.body.id}`, {
      as: s.asOla,
    });
    expect(gone.statusCode).toBe(204);
  });
});
