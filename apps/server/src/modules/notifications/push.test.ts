import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, sessionFor } from '../../test/factories.js';
import { usePushService } from '../../test/push.js';
import { ingest } from '../conversations/ingest.js';
import { sendPush } from './push.job.js';
import { checkEndpoint } from './push.service.js';

const t = useTestApp({ PUBLIC_URL: 'https://desk.acme.test' });
const push = usePushService();

describe('Web Push', () => {
  it('keeps each user’s browser subscriptions, and refuses URLs that are not push services', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const ola = await buildUser(t.services, { workspaceId: workspace.id });
    const bo = await buildUser(t.services, { workspaceId: workspace.id });
    const asOla = await sessionFor(t.services, ola);
    const asBo = await sessionFor(t.services, bo);

    const key = await api(t.app, 'GET', '/api/v1/push/vapid-public-key', { as: asOla });
    expect(key.statusCode).toBe(200);
    expect(Buffer.from(key.body.publicKey as string, 'base64url')).toHaveLength(65);
    // One key pair per installation: the same on every call.
    expect((await api(t.app, 'GET', '/api/v1/push/vapid-public-key', { as: asBo })).body).toEqual(
      key.body,
    );

    const browser = push.subscription('/push/ola-1');
    const fcm = {
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def',
      keys: browser.keys,
    };
    const created = await api(t.app, 'POST', '/api/v1/push-subscriptions', {
      as: asOla,
      body: fcm,
      headers: { 'user-agent': 'Firefox' },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ endpoint: fcm.endpoint, userAgent: 'Firefox' });
    // The same endpoint again (re-subscribed): one row.
    const again = await api(t.app, 'POST', '/api/v1/push-subscriptions', { as: asOla, body: fcm });
    expect(again.body.id).toBe(created.body.id);

    for (const endpoint of [
      'http://push.example.com/x',
      'https://10.1.2.3/x',
      'https://192.168.0.5/x',
      'https://[fd00::1]/x',
      'https://user:pw@push.example.com/x',
      'not a url at all',
    ]) {
      const refused = await api(t.app, 'POST', '/api/v1/push-subscriptions', {
        as: asOla,
        body: { endpoint, keys: browser.keys },
      });
      expect(refused.statusCode, endpoint).toBe(400);
      expect(refused.body.error.code).toBe('push_endpoint_refused');
    }
    // Loopback only outside production.
    expect(() => checkEndpoint('http://127.0.0.1:9/x', { nodeEnv: 'production' })).toThrow();
    expect(checkEndpoint('http://127.0.0.1:9/x', { nodeEnv: 'test' }).port).toBe('9');

    const mine = await api(t.app, 'GET', '/api/v1/push-subscriptions', { as: asOla });
    expect(mine.body.data.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
    expect((await api(t.app, 'GET', '/api/v1/push-subscriptions', { as: asBo })).body.data).toEqual(
      [],
    );
    const notBos = await api(
      t.app,
      'DELETE',
      `/api/v1/push-subscriptions/${created.body.id as string}`,
      {
        as: asBo,
      },
    );
    expect(notBos.statusCode).toBe(404);
    expect(notBos.body.error.code).toBe('push_subscription_not_found');
    expect(
      (
        await api(t.app, 'DELETE', `/api/v1/push-subscriptions/${created.body.id as string}`, {
          as: asOla,
        })
      ).statusCode,
    ).toBe(204);
  });

  it('sends an encrypted, VAPID-signed SLA notice to every browser of the user, as they choose', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const lead = await buildUser(t.services, { workspaceId: workspace.id, name: 'Lena' });
    const asLead = await sessionFor(t.services, lead);
    const laptop = push.subscription('/push/lena-laptop');
    const phone = push.subscription('/push/lena-phone');
    const gone = push.subscription('/gone/lena-old');
    for (const body of [laptop, phone, gone]) {
      const res = await api(t.app, 'POST', '/api/v1/push-subscriptions', { as: asLead, body });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    }
    const { conversationId, number } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'cleo@example.com' },
      subject: 'Order late',
      text: 'Hello',
    });
    const dueAt = '2026-11-23T09:00:00.000Z';
    const notice = {
      workspaceId: workspace.id,
      eventId: 1,
      userId: lead.id,
      kind: 'slaBreached' as const,
      conversationId,
      target: 'firstResponse' as const,
      dueAt,
      policyName: 'Gold',
    };
    const before = push.received.length;
    await sendPush(t.services, notice);
    const got = push.received.slice(before);
    expect(push.refused).toEqual([]);
    expect(got.map((p) => p.path).sort()).toEqual(['/push/lena-laptop', '/push/lena-phone']);
    const key = await api(t.app, 'GET', '/api/v1/push/vapid-public-key', { as: asLead });
    for (const p of got) {
      expect(p.vapidKey).toBe(key.body.publicKey);
      expect(p.claims.aud).toBe(push.origin);
      expect(p.claims.sub).toBe('https://desk.acme.test');
      expect(p.urgency).toBe('high');
      expect(p.payload).toMatchObject({
        type: 'sla_breached',
        conversationId,
        target: 'firstResponse',
        dueAt,
        url: `https://desk.acme.test/app/conversations/${conversationId}`,
      });
      expect(p.payload.title).toBe(`[#${String(number)}] SLA breached: first response: Order late`);
    }
    // The browser the push service says is gone is forgotten.
    const left = await api(t.app, 'GET', '/api/v1/push-subscriptions', { as: asLead });
    expect(left.body.data.map((s: { endpoint: string }) => s.endpoint).sort()).toEqual(
      [laptop.endpoint, phone.endpoint].sort(),
    );
    expect(left.body.data.every((s: { lastSentAt: string | null }) => s.lastSentAt !== null)).toBe(
      true,
    );

    // Preferences: breaches off, warnings still on.
    await api(t.app, 'PATCH', `/api/v1/users/${lead.id}`, {
      as: asLead,
      body: { notificationPreferences: { push: { slaBreached: false } } },
    });
    const count = push.received.length;
    await sendPush(t.services, { ...notice, eventId: 2 });
    expect(push.received.length).toBe(count);
    await sendPush(t.services, { ...notice, eventId: 3, kind: 'slaWarning' });
    expect(push.received.length).toBe(count + 2);
    expect(push.received.at(-1)?.payload.type).toBe('sla_warning');
  });
});
