import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { describe, expect, it, vi } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildWorkspace, tokenFor } from '../../test/factories.js';
import { MTA_LOGIN, useMailFlow, useRecipientMta } from '../../test/mail.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp({ PUBLIC_URL: 'https://desk.acme.test' });
useMailFlow(t);
const mta = useRecipientMta();

const waitFor = <T>(check: () => Promise<T> | T, timeout = 15_000) =>
  vi.waitFor(check, { timeout, interval: 100 });

const firstMailTo = (address: string) =>
  waitFor(() => {
    const [received] = mta.mailsTo(address);
    expect(received).toBeDefined();
    return received as NonNullable<typeof received>;
  });

async function setup(extra: Record<string, unknown> = {}) {
  const { workspace, owner } = await buildWorkspace(t.services);
  const as = await tokenFor(t.services, owner);
  const address = `desk-${workspace.slug}@acme.test`;
  const created = await api(t.app, 'POST', '/api/v1/mailboxes', {
    as,
    body: {
      name: 'Desk',
      address,
      transport: { host: '127.0.0.1', port: mta.port, ...MTA_LOGIN },
      ...extra,
    },
  });
  return { workspace, owner, as, address, created };
}

describe('system mail', () => {
  it('sends a workspace invitation in the workspace language with a link that accepts it', async () => {
    const { workspace, as } = await setup();
    await api(t.app, 'PATCH', '/api/v1/workspace', { as, body: { defaultLocale: 'sv' } });
    const invitee = `nils-${workspace.slug}@example.com`;
    const invited = await api(t.app, 'POST', '/api/v1/invitations', {
      as,
      body: { email: invitee, role: 'agent' },
    });
    expect(invited.statusCode).toBe(201);
    const { mail } = await firstMailTo(invitee);
    expect(mail.subject).toBe(`Owner har bjudit in dig till ${workspace.name} i Parley`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    const link = /https:\/\/desk\.acme\.test\/app\/invitations\/accept#token=(\S+)/.exec(
      mail.text ?? '',
    );
    expect(link?.[0]).toBe(invited.body.acceptUrl);
    const accepted = await api(t.app, 'POST', '/api/v1/invitations/accept', {
      body: { token: link?.[1], name: 'Nils', password: 'a long enough password' },
    });
    expect(accepted.statusCode, JSON.stringify(accepted.body)).toBe(201);
    expect(accepted.body.user.email).toBe(invitee);
  });

  it('sends a portal access code by email, and the code from the mail opens the ticket', async () => {
    const { workspace, address } = await setup();
    const customer = `maja-${workspace.slug}@customer.test`;
    const ticket = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: customer, name: 'Maja' },
      subject: 'Retur',
      text: 'Jag vill returnera.',
      externalId: `retur-${workspace.slug}@customer.test`,
      automated: true,
    });
    const access = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: ticket.number, contact: customer },
    });
    expect(access.statusCode).toBe(202);
    const { mail } = await firstMailTo(customer);
    expect(mail.from?.value[0]?.address).toBe(address);
    const code = /: (\d{6})\b/.exec(mail.text ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { ticket: ticket.number, code },
    });
    expect(verified.statusCode, JSON.stringify(verified.body)).toBe(200);
  });
});

describe('DKIM', () => {
  it('signs a mailbox’s mail with its key (never shown), and the signature verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bad = await setup({
      dkim: { domainName: 'acme.test', keySelector: 'parley', privateKey: 'not a key' },
    });
    expect(bad.created.statusCode).toBe(400);
    expect(bad.created.body.error.code).toBe('validation_failed');
    const { workspace, as, created } = await setup({
      dkim: { domainName: 'Acme.test', keySelector: 'parley2026', privateKey: pem },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    expect(created.body.dkim).toEqual({ domainName: 'acme.test', keySelector: 'parley2026' });
    expect(created.body.hasDkimKey).toBe(true);
    const shown = await api(t.app, 'GET', `/api/v1/mailboxes/${String(created.body.id)}`, { as });
    expect(JSON.stringify(shown.body)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(shown.body)).not.toContain(pem.split('\n')[1]);

    const invitee = `dkim-${workspace.slug}@example.com`;
    await api(t.app, 'POST', '/api/v1/invitations', {
      as,
      body: { email: invitee, role: 'agent' },
    });
    const { raw } = await firstMailTo(invitee);
    const signature = raw
      .toString()
      .replace(/\r?\n[ \t]+/g, ' ')
      .match(/^DKIM-Signature: (.*)$/m)?.[1];
    expect(signature).toMatch(/\bd=acme\.test;/);
    expect(signature).toMatch(/\bs=parley2026;/);
    const dns = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const resolver = (name: string, type: string) => {
      if (name === 'parley2026._domainkey.acme.test' && type === 'TXT')
        return Promise.resolve([[`v=DKIM1; k=rsa; p=${dns}`]]);
      return Promise.reject(Object.assign(new Error('no such name'), { code: 'ENOTFOUND' }));
    };
    const verified = await dkimVerify(raw, { resolver });
    expect(verified.results[0]?.status.result).toBe('pass');
    expect(verified.results[0]?.signingDomain).toBe('acme.test');
    // The same check fails once a byte of the body changes.
    const tampered = Buffer.from(
      raw.toString().replace('The link works once', 'The link works twice'),
    );
    expect(tampered.equals(raw)).toBe(false);
    const broken = await dkimVerify(tampered, { resolver });
    expect(broken.results[0]?.status.result).not.toBe('pass');

    const off = await api(t.app, 'PATCH', `/api/v1/mailboxes/${String(created.body.id)}`, {
      as,
      body: { dkim: null },
    });
    expect(off.body).toMatchObject({ dkim: null, hasDkimKey: false });
  });
});
