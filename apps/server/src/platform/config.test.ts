import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test/harness.js';
import { ConfigError, loadConfig } from './config.js';

const secret = 'f'.repeat(64);

describe('configuration', () => {
  it('has working defaults and derives PUBLIC_URL from PORT', () => {
    const dir = scratchDir();
    const config = loadConfig({ DATA_DIR: dir, PORT: '4100' });
    expect(config.port).toBe(4100);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://localhost:4100');
    expect(config.databaseUrl).toBeNull();
    expect(config.redisUrl).toBeNull();
    expect(config.nodeEnv).toBe('development');
  });

  it('lets a CLI flag override the environment', () => {
    const config = loadConfig(
      { PORT: '4100', SECRET_KEY: secret },
      { port: '4200', dataDir: '/srv/parley' },
    );
    expect(config.port).toBe(4200);
    expect(config.dataDir).toBe('/srv/parley');
  });

  it.each([
    [{ PORT: 'eighty' }, /^invalid PORT "eighty": must be a whole number from 0 to 65535$/],
    [{ PORT: '70000' }, /invalid PORT/],
    [
      { DATABASE_URL: 'mysql://x' },
      /invalid DATABASE_URL "mysql:\/\/x": must start with postgres:\/\/ or postgresql:\/\//,
    ],
    [{ REDIS_URL: 'not a url' }, /invalid REDIS_URL/],
    [
      { NODE_ENV: 'staging' },
      /invalid NODE_ENV "staging": must be one of development, production, test/,
    ],
    [{ LOG_LEVEL: 'loud' }, /invalid LOG_LEVEL/],
    [{ SECRET_KEY: 'short' }, /invalid SECRET_KEY: must be at least 32 characters/],
  ])('explains a bad value in one line: %o', (env, message) => {
    expect(() => loadConfig({ SECRET_KEY: secret, ...env })).toThrow(message);
    expect(() => loadConfig({ SECRET_KEY: secret, ...env })).toThrow(ConfigError);
  });

  it('names the flag when the bad value came from a flag', () => {
    expect(() => loadConfig({ SECRET_KEY: secret }, { port: 'x' })).toThrow(/^invalid --port "x"/);
  });

  it('refuses to start in production without a secret, or with a default one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/missing SECRET_KEY/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'change-me-change-me-change-me-change-me' }),
    ).toThrow(/default or example value is refused/);
    expect(loadConfig({ NODE_ENV: 'production', SECRET_KEY: secret }).secretKey).toBe(secret);
  });

  it('outside production generates a secret once and keeps it in DATA_DIR', () => {
    const dir = scratchDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.secretKey).toHaveLength(64);
    expect(second.secretKey).toBe(first.secretKey);
    const file = join(dir, 'secret.key');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secretKey);
  });
});
