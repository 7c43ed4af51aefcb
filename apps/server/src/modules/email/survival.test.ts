import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTransport } from 'nodemailer';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../platform/blobs.js';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from '../../test/harness.js';
import { exited, startParley } from '../../test/parley-process.js';

const TOTAL = 2_000;
const CLIENTS = 8;

/** A database, a data folder and an SMTP port of its own: what `parley start` runs on here. */
async function ownInstallation() {
  const databaseUrl = await createTestDatabase();
  const dataDir = scratchDir();
  const smtpPort = await freePort();
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    PORT: '0',
    SMTP_PORT: String(smtpPort),
  };
  return { databaseUrl, dataDir, smtpPort, env };
}

describe('email survives a killed process', { timeout: 240_000 }, () => {
  it('SIGKILL mid-burst: every mail that got 250 exists exactly once, none is half-stored', async () => {
    const { databaseUrl, dataDir, smtpPort, env } = await ownInstallation();
    let server = (await startParley(env)).child;
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const deadline = Date.now() + 180_000;

    // Clients that do what MTAs do: retry until they get 250.
    const client = async () => {
      for (;;) {
        const i = next++;
        if (i >= TOTAL) return;
        for (;;) {
          if (Date.now() > deadline) throw new Error(`mail ${String(i)} never got 250`);
          try {
            const info = await createTransport({
              host: '127.0.0.1',
              port: smtpPort,
              ignoreTLS: true,
              connectionTimeout: 5_000,
              socketTimeout: 10_000,
            }).sendMail({
              from: `customer${String(i % 500)}@survival.test`,
              to: 'support@demo.localhost',
              subject: `Burst ${String(i)}`,
              text: `Message number ${String(i)}: zamówienie, ärende, درخواست, 工单.`,
              messageId: `<burst-${String(i)}@survival.test>`,
            });
            if (/^250/.test(info.response)) {
              acked.add(i);
              break;
            }
          } catch {
            await sleep(100);
          }
        }
      }
    };
    const killer = (async () => {
      while (acked.size < 300) await sleep(20);
      killed = true;
      server.kill('SIGKILL');
      await exited(server);
      server = (await startParley(env)).child;
    })();
    await Promise.all([...Array.from({ length: CLIENTS }, client), killer]);
    expect(killed).toBe(true);
    expect(acked.size).toBe(TOTAL);

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // Wait until the worker (restarted, freeing the dead worker's jobs) processed it all.
      for (;;) {
        const { rows } = await db.query<{ pending: number }>(
          "select count(*)::int as pending from inbound_emails where status = 'received'",
        );
        if (rows[0]?.pending === 0) break;
        if (Date.now() > deadline + 30_000) throw new Error('inbound mail left unprocessed');
        await sleep(250);
      }
      const inbound = await db.query<{ messageId: string; n: number; blobKey: string }>(
        `select message_id as "messageId", count(*)::int as n, min(blob_key) as "blobKey"
           from inbound_emails group by message_id`,
      );
      expect(inbound.rows).toHaveLength(TOTAL);
      expect(inbound.rows.every((r) => r.n === 1)).toBe(true);
      const ids = new Set(inbound.rows.map((r) => r.messageId));
      for (const i of acked) expect(ids.has(`burst-${String(i)}@survival.test`)).toBe(true);
      // Every filed email has its raw bytes; none is processed without them.
      const blobs = new FileBlobStore(join(dataDir, 'blobs'), 1024 * 1024);
      const missing = [];
      for (const row of inbound.rows) if (!(await blobs.has(row.blobKey))) missing.push(row);
      expect(missing).toEqual([]);
      const messages = await db.query<{ n: number; distinct: number }>(
        `select count(*)::int as n, count(distinct external_id)::int as distinct
           from messages where channel = 'email' and external_id like 'burst-%'`,
      );
      expect(messages.rows[0]).toEqual({ n: TOTAL, distinct: TOTAL });
      const failed = await db.query(
        "select count(*)::int as n from inbound_emails where status = 'failed'",
      );
      expect(failed.rows[0]).toEqual({ n: 0 });
    } finally {
      await db.end();
      server.kill('SIGINT');
      await exited(server);
      await dropTestDatabase(databaseUrl);
    }
  });
});

describe('email when the disk cannot take the mail', { timeout: 120_000 }, () => {
  it('answers 451 and keeps nothing of it; the retry is filed once when there is room', async () => {
    const { databaseUrl, dataDir, smtpPort, env } = await ownInstallation();
    const send = (messageId: string, text: string) =>
      createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true }).sendMail({
        from: 'kund@example.se',
        to: 'support@demo.localhost',
        subject: 'Fakturan saknas',
        text,
        messageId,
      });
    const filed = async (messageId: string) => {
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from inbound_emails where message_id = $1',
        [messageId],
      );
      return rows[0]?.n;
    };
    // No file of the process may grow past 64 KB: a bigger mail cannot be written, as on a
    // full disk; a small one still can.
    let server = (await startParley(env, { maxFileBytes: 64 * 1024 })).child;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const small = await send('<small@example.se>', 'Hej! Var är min faktura?');
      expect(small.response).toMatch(/^250/);
      const big = 'Bifogad logg: ' + 'rad i loggen\n'.repeat(20_000);
      const refused = await send('<big@example.se>', big).then(
        () => 'accepted',
        (error: unknown) => (error as { responseCode?: number }).responseCode,
      );
      expect(refused).toBe(451);
      expect(await filed('big@example.se')).toBe(0);
      // The partial file was removed: only complete blobs are left.
      expect(readdirSync(join(dataDir, 'blobs', 'tmp'))).toEqual([]);

      // Room again (a new process without the cap): the sender's retry is filed, once.
      server.kill('SIGINT');
      await exited(server);
      server = (await startParley(env)).child;
      expect((await send('<big@example.se>', big)).response).toMatch(/^250/);
      expect(await filed('big@example.se')).toBe(1);
      expect(await filed('small@example.se')).toBe(1);
    } finally {
      await db.end();
      server.kill('SIGINT');
      await exited(server);
      await dropTestDatabase(databaseUrl);
    }
  });
});
