import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';
import { MTA_LOGIN, useMailFlow, useRecipientMta } from '../../test/mail.js';
import { sha256 } from '../../platform/crypto.js';

const t = useTestApp({ PUBLIC_URL: 'https://desk.acme.test' });
useMailFlow(t);
const mta = useRecipientMta();

const waitFor = <T>(check: () => Promise<T> | T, timeout = 15_000) =>
  vi.waitFor(check, { timeout, interval: 100 });

const LINK = /https:\/\/desk\.acme\.test\/app\/reset-password\?token=(\S+)/;

/** A workspace with a mailbox whose mail reaches the test MTA, and a user in it. */
async function setup(locale?: string) {
  const { workspace, owner } = await buildWorkspace(t.services);
  const as = await tokenFor(t.services, owner, ['read', 'write', 'admin']);
  const created = await api(t.app, 'POST', '/api/v1/mailboxes', {
    as,
    body: {
      name: 'Desk',
      address: `desk-${workspace.slug}@acme.test`,
      transport: { host: '127.0.0.1', port: mta.port, ...MTA_LOGIN },
    },
  });
  expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  const email = `agent-${randomBytes(4).toString('hex')}@example.com`;
  const user = await buildUser(t.services, { workspaceId: workspace.id, email, name: 'Ada' });
  if (locale)
    await t.services.db
      .updateTable('users')
      .set({ locale })
      .where('workspaceId', '=', workspace.id)
      .where('id', '=', user.id)
      .execute();
  return { workspace, user, email };
}

const request = (body: Record<string, string>, ip = '10.1.0.1') =>
  api(t.app, 'POST', '/api/v1/auth/password-reset', { body, ip });
const confirm = (token: string, password: string, ip = '10.2.0.1') =>
  api(t.app, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password }, ip });

async function linkFor(email: string) {
  const received = await waitFor(() => {
    const [mail] = mta.mailsTo(email);
    expect(mail).toBeDefined();
    return mail as NonNullable<typeof mail>;
  });
  const token = decodeURIComponent(LINK.exec(received.mail.text ?? '')?.[1] ?? '');
  expect(token).not.toBe('');
  return { token, mail: received.mail };
}

describe('password reset by email link', () => {
  it('mails a link that sets a new password once and signs out every session', async () => {
    const { workspace, user, email } = await setup();
    const session = await sessionFor(t.services, user);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: session })).statusCode).toBe(200);

    const asked = await request({ email: email.toUpperCase() });
    expect(asked.statusCode).toBe(202);
    const { token, mail } = await linkFor(email);
    expect(mail.subject).toBe(`Reset your ${workspace.name} password on Parley`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.text).toContain('Hello Ada');

    // Only a hash of the secret is stored; nothing in the database contains the token.
    const rows = await t.services.db
      .selectFrom('passwordResets')
      .selectAll()
      .where('userId', '=', user.id)
      .execute();
    expect(rows).toHaveLength(1);
    const secret = token.slice(token.indexOf('.') + 1);
    expect(rows[0]?.tokenHash.equals(sha256(secret))).toBe(true);
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select('data')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(JSON.stringify(events)).not.toContain(secret);

    const done = await confirm(token, 'a brand new long password');
    expect(done.statusCode, JSON.stringify(done.body)).toBe(204);
    // The old session is gone.
    expect((await api(t.app, 'GET', '/api/v1/me', { as: session })).statusCode).toBe(401);
    // The new password signs in, the old one does not.
    const login = (password: string) =>
      api(t.app, 'POST', '/api/v1/auth/login', { body: { email, password }, ip: '10.3.0.1' });
    expect((await login('a brand new long password')).statusCode).toBe(200);
    expect((await login('correct horse battery staple')).statusCode).toBe(401);

    // The link works once.
    const again = await confirm(token, 'yet another long password');
    expect(again.statusCode).toBe(410);
    expect(again.body.error.code).toBe('reset_token_used');
  });

  it('answers an unknown address exactly like a known one, and sends nothing', async () => {
    const { email } = await setup();
    const unknown = `nobody-${randomBytes(4).toString('hex')}@example.com`;
    const a = await request({ email });
    const b = await request({ email: unknown });
    expect(b.statusCode).toBe(a.statusCode);
    expect(b.body).toEqual(a.body);
    expect(b.headers['content-type']).toEqual(a.headers['content-type']);
    await linkFor(email);
    // The job for the unknown address has run too (the worker drains the queue).
    await waitFor(async () => {
      const { rows } = await sql<{ count: number }>`
        select count(*)::int as count from graphile_worker.jobs
         where task_identifier = 'email.password_reset'`.execute(t.services.db);
      expect(rows[0]?.count).toBe(0);
    });
    expect(mta.mailsTo(unknown)).toHaveLength(0);
  });

  it('writes in the user’s language', async () => {
    const { workspace, email } = await setup('pl');
    await request({ email, workspace: workspace.slug });
    const { mail } = await linkFor(email);
    expect(mail.subject).toBe(`Zresetuj hasło do ${workspace.name} w Parley`);
    expect(mail.text).toContain('Ustaw nowe hasło');
  });

  it('refuses forged, expired and weak attempts with clear codes', async () => {
    const { workspace, user, email } = await setup();
    const forged = await confirm(`${workspace.id}.${'x'.repeat(43)}`, 'a brand new long password');
    expect(forged.statusCode).toBe(400);
    expect(forged.body.error.code).toBe('reset_token_invalid');
    const garbage = await confirm('not a token', 'a brand new long password');
    expect(garbage.body.error.code).toBe('reset_token_invalid');

    await request({ email });
    const { token } = await linkFor(email);
    // A tampered secret does not match.
    const tampered = await confirm(`${token.slice(0, -2)}AA`, 'a brand new long password');
    expect(tampered.body.error.code).toBe('reset_token_invalid');
    const weak = await confirm(token, 'short');
    expect(weak.statusCode).toBe(400);
    expect(weak.body.error.code).toBe('validation_failed');

    await t.services.db
      .updateTable('passwordResets')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('workspaceId', '=', workspace.id)
      .where('userId', '=', user.id)
      .execute();
    const expired = await confirm(token, 'a brand new long password');
    expect(expired.statusCode).toBe(410);
    expect(expired.body.error.code).toBe('reset_token_expired');
  });

  it('is rate limited per address', async () => {
    const email = `limited-${randomBytes(4).toString('hex')}@example.com`;
    for (let i = 0; i < 5; i++)
      expect((await request({ email }, `10.9.0.${String(i)}`)).statusCode).toBe(202);
    const blocked = await request({ email }, '10.9.1.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
  });
});
