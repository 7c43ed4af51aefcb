import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test/harness.js';
import { ConfigError } from './config.js';
import { assertReachable } from './embedded-postgres.js';

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
