import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, scratchDir } from '../test/harness.js';
import { ConfigError } from './config.js';
import pg from 'pg';
import { pino } from 'pino';
import { assertReachable, startEmbeddedPostgres } from './embedded-postgres.js';

describe('embedded PostgreSQL data folder', () => {
  it('refuses, in one line, a folder whose parent others may not enter', async () => {
    const privateDir = join(scratchDir(), 'private');
    mkdirSync(privateDir);
    mkdirSync(join(privateDir, 'data'));
    chmodSync(privateDir, 0o700);
    const error = await assertReachable(join(privateDir, 'data', 'postgres')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^DATA_DIR is not reachable by the postgres system user: .*private is mode 700/,
    );
  });

  it('accepts a folder every parent of which may be entered', async () => {
    const open = join(scratchDir(), 'open');
    mkdirSync(join(open, 'data'), { recursive: true, mode: 0o755 });
    await expect(assertReachable(join(open, 'data', 'postgres'))).resolves.toBeUndefined();
  });
});

describe('embedded PostgreSQL connection', () => {
  it('is reached through its Unix socket in the data folder, with the password', async () => {
    const dataDir = join(scratchDir(), 'pg');
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir, port, log: pino({ level: 'silent' }) });
    try {
      expect(new URL(server.url).searchParams.get('host')).toBe(join(dataDir, 'postgres'));
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ addr: string | null }>(
        'select inet_client_addr() as addr',
      );
      await client.end();
      expect(rows).toEqual([{ addr: null }]); // null: not a TCP client
      const wrong = new URL(server.url);
      wrong.password = 'wrong';
      const refused = new pg.Client({ connectionString: wrong.toString() });
      await expect(refused.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
