import { createTransport } from 'nodemailer';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from './test/harness.js';
import { mkdirSync, chmodSync } from 'node:fs';

const bin = resolve(import.meta.dirname, '../bin/parley.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `parley …` to completion with the given environment (nothing inherited but PATH). */
function parley(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Starts `parley start` and resolves once it printed its banner. */
function startParley(env: Record<string, string>): Promise<{
  child: ChildProcess;
  banner: string;
  exited: Promise<number | null>;
  /** Everything it printed so far (for a failing assertion's message). */
  output: () => string;
}> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [bin, 'start'], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('close', r));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/Jobs\s+.*\n/.test(out))
        resolveStart({ child, banner: out, exited, output: () => `${out}\n${err}` });
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    void exited.then((code) => reject(new Error(`parley start exited with ${code}: ${err}${out}`)));
  });
}

function field(banner: string, name: string): string {
  // Anchored to a banner line: log lines on stdout may mention the same words.
  return new RegExp(`^\\s+${name}\\s+(\\S+)`, 'm').exec(banner)?.[1] ?? '';
}

const base = { NODE_ENV: 'test', LOG_LEVEL: 'warn', SMTP_PORT: '0' };

// Real processes, real PostgreSQL starts: generous limits for a slow, shared machine.
describe('parley CLI', { timeout: 120_000 }, () => {
  it('lists its commands', async () => {
    const run = await parley(['--help'], base);
    expect(run.code).toBe(0);
    for (const command of ['start', 'worker', 'migrate', 'seed', 'create-admin', 'token'])
      expect(run.stdout).toContain(command);
  });

  it('exits non-zero with one line naming a bad setting', async () => {
    const run = await parley(['migrate'], { ...base, PORT: 'eighty', DATA_DIR: scratchDir() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'parley: invalid PORT "eighty": must be a whole number from 0 to 65535',
    );
    const flag = await parley(['start', '--database-url', 'mysql://db'], {
      ...base,
      DATA_DIR: scratchDir(),
    });
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toMatch(/^parley: invalid --database-url "mysql:\/\/db"/);
  });

  it('refuses to start in production without a secret', async () => {
    const run = await parley(['start'], {
      ...base,
      NODE_ENV: 'production',
      DATA_DIR: scratchDir(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'parley: missing SECRET_KEY: production needs one of at least 32 random characters',
    );
  });

  it('seeds, prints a token on stdout alone, and starts and stops on an external database', async () => {
    const databaseUrl = await createTestDatabase();
    const env = { ...base, DATABASE_URL: databaseUrl, DATA_DIR: scratchDir(), PORT: '0' };
    try {
      const missing = await parley(['token', 'create'], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('no workspace "demo"');

      const seeded = await parley(['seed'], env);
      expect(seeded.code).toBe(0);
      expect(seeded.stdout).toContain('owner@demo.localhost');

      const token = await parley(['token', 'create'], env);
      expect(token.code).toBe(0);
      expect(token.stdout).toMatch(/^prl_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}\n$/);

      const server = await startParley(env);
      const url = field(server.banner, 'Open');
      const me = await fetch(`${url}/api/v1/me`, {
        headers: { authorization: `Bearer ${token.stdout.trim()}` },
      });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { workspace: { slug: string } }).workspace.slug).toBe('demo');
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: field(server.banner, 'Email'),
          password: field(server.banner, 'Password'),
        }),
      });
      expect(login.status).toBe(200);

      // Mail to the demo mailbox, through the SMTP port the banner printed, becomes a ticket.
      expect(server.banner).toMatch(/SMTP\s+\d+\s+\(mail to support@demo\.localhost/);
      await createTransport({
        host: '127.0.0.1',
        port: Number(field(server.banner, 'SMTP')),
        ignoreTLS: true,
      }).sendMail({
        from: 'Ingrid <ingrid@example.se>',
        to: 'support@demo.localhost',
        subject: 'Hej från ett nytt system',
        text: 'Fungerar e-posten?',
      });
      await vi.waitFor(
        async () => {
          const found = await fetch(`${url}/api/v1/search?q=${encodeURIComponent('e-posten')}`, {
            headers: { authorization: `Bearer ${token.stdout.trim()}` },
          });
          const body = (await found.json()) as {
            conversations: { conversation: { subject: string } }[];
          };
          expect(body.conversations[0]?.conversation.subject).toBe('Hej från ett nytt system');
        },
        { timeout: 20_000, interval: 200 },
      );
      server.child.kill('SIGINT');
      expect(await server.exited.catch(() => 'rejected'), server.output()).toBe(0);
    } finally {
      await dropTestDatabase(databaseUrl);
    }
  });

  it('runs on its embedded PostgreSQL: first start seeds, second reuses, a killed process is recovered', async () => {
    const dataDir = scratchDir();
    const env = {
      ...base,
      DATA_DIR: dataDir,
      PORT: '0',
      EMBEDDED_PG_PORT: String(await freePort()),
    };
    const first = await startParley(env);
    const password = field(first.banner, 'Password');
    expect(first.banner).toContain(`embedded PostgreSQL in ${dataDir}/postgres`);
    expect((await fetch(`${field(first.banner, 'Open')}/readyz`)).status).toBe(200);
    first.child.kill('SIGINT');
    expect(await first.exited.catch(() => 'rejected'), first.output()).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = await startParley(env);
    expect(field(second.banner, 'Password')).toBe(password);
    const users = await fetch(`${field(second.banner, 'Open')}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@demo.localhost', password }),
    });
    expect(users.status).toBe(200);
    // SIGKILL leaves PostgreSQL running; the next start adopts it instead of failing.
    second.child.kill('SIGKILL');
    await second.exited.catch(() => undefined);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);
    const third = await startParley(env);
    expect((await fetch(`${field(third.banner, 'Open')}/readyz`)).status).toBe(200);
    third.child.kill('SIGINT');
    expect(await third.exited.catch(() => 'rejected'), third.output()).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('says clearly when the postgres user cannot reach DATA_DIR (as root; otherwise the folder is ours)', async () => {
    const privateDir = join(scratchDir(), 'private');
    mkdirSync(privateDir);
    chmodSync(privateDir, 0o700);
    const run = await parley(['migrate'], {
      ...base,
      DATA_DIR: join(privateDir, 'data'),
      EMBEDDED_PG_PORT: String(await freePort()),
    });
    if (userInfo().uid === 0) {
      // As root PostgreSQL runs as the `postgres` user, who may not enter a private folder.
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toMatch(
        /^parley: DATA_DIR is not reachable by the postgres system user: .*private is mode 700/,
      );
    } else {
      // Otherwise PostgreSQL runs as us, and our own private folder is fine.
      expect(run.code).toBe(0);
    }
  });
});
