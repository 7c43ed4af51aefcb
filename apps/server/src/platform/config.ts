import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** A bad setting: the CLI prints `message` as one line and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  nodeEnv: NodeEnv;
  /** Empty when Parley runs its own embedded PostgreSQL. */
  databaseUrl: string | null;
  redisUrl: string | null;
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  secretKey: string;
  logLevel: LogLevel;
  embeddedPgPort: number;
  workerConcurrency: number;
  /** Addresses of reverse proxies whose X-Forwarded-For we believe. */
  trustProxy: string[];
  maxUploadBytes: number;
  /** Inbound SMTP for the mailboxes; 0 picks a free port. */
  smtpPort: number;
  /** Server-wide SMTP relay for outbound mail from mailboxes without their own transport. */
  smtpRelayUrl: string | null;
  /** PEM files; both set: the SMTP listener offers STARTTLS. */
  smtpTlsCert: string | null;
  smtpTlsKey: string | null;
}

/** One setting: its environment variable, its CLI flag, its default and its parser. */
interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  flag: string;
  description: string;
  default: string | null;
  parse: (raw: string, name: string) => Config[K];
}

const DEFAULT_SECRET_MARKERS = ['change-me', 'changeme', 'secret', 'parley', 'development'];

function fail(name: string, raw: string, expected: string): never {
  throw new ConfigError(`invalid ${name} ${JSON.stringify(raw)}: ${expected}`);
}

function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    if (!/^\d+$/.test(raw.trim())) fail(name, raw, `must be a whole number from ${min} to ${max}`);
    const value = Number(raw);
    if (value < min || value > max) fail(name, raw, `must be a whole number from ${min} to ${max}`);
    return value;
  };
}

function url(protocols: string[]) {
  return (raw: string, name: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      fail(name, raw, `must be a URL like ${protocols[0]}//host:port/...`);
    }
    if (!protocols.includes(parsed.protocol)) {
      fail(name, raw, `must start with ${protocols.map((p) => p + '//').join(' or ')}`);
    }
    return raw.replace(/\/+$/, '');
  };
}

/** An SMTP URL; an error never repeats it (it may carry a password). */
function smtpUrl(raw: string, name: string): string {
  let parsed: URL | null = null;
  try {
    parsed = new URL(raw);
  } catch {
    // reported below
  }
  if (!parsed || !['smtp:', 'smtps:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new ConfigError(
      `invalid ${name}: must be a URL like smtp://user:password@host:587 or smtps://host:465`,
    );
  }
  return raw;
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, name: string): T => {
    if (!(values as readonly string[]).includes(raw))
      fail(name, raw, `must be one of ${values.join(', ')}`);
    return raw as T;
  };
}

const text = (raw: string): string => raw;
/** A path to a file this process can read (resolved to an absolute path). */
function readableFile(raw: string, name: string): string {
  const path = resolve(raw);
  if (!existsSync(path)) throw new ConfigError(`invalid ${name} "${raw}": no such file`);
  return path;
}

const optional =
  <T>(parse: (raw: string, name: string) => T) =>
  (raw: string, name: string): T | null =>
    raw === '' ? null : parse(raw, name);

/** Every setting Parley reads. The README's configuration table mirrors this list. */
export const settings = [
  {
    key: 'nodeEnv',
    env: 'NODE_ENV',
    flag: '--node-env',
    description:
      '`development`, `production` or `test`; production refuses a missing or default secret',
    default: 'development',
    parse: oneOf(['development', 'production', 'test'] as const),
  } satisfies Setting<'nodeEnv'>,
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    flag: '--database-url',
    description: 'PostgreSQL ≥ 15 to use; unset: Parley runs its own in `DATA_DIR/postgres`',
    default: '',
    parse: optional(url(['postgres:', 'postgresql:'])),
  } satisfies Setting<'databaseUrl'>,
  {
    key: 'redisUrl',
    env: 'REDIS_URL',
    flag: '--redis-url',
    description: 'Redis for cross-node realtime fan-out and shared rate limits; unset: in-process',
    default: '',
    parse: optional(url(['redis:', 'rediss:'])),
  } satisfies Setting<'redisUrl'>,
  {
    key: 'host',
    env: 'HOST',
    flag: '--host',
    description: 'Address the HTTP server listens on (`0.0.0.0` for all)',
    default: '127.0.0.1',
    parse: (raw, name) => {
      if (!/^[A-Za-z0-9.:-]+$/.test(raw)) fail(name, raw, 'must be a host name or IP address');
      return raw;
    },
  } satisfies Setting<'host'>,
  {
    key: 'port',
    env: 'PORT',
    flag: '--port',
    description: 'HTTP port (0 picks a free one)',
    default: '3000',
    parse: integer(0, 65535),
  } satisfies Setting<'port'>,
  {
    key: 'publicUrl',
    env: 'PUBLIC_URL',
    flag: '--public-url',
    description:
      'The address people use to reach Parley (links in emails); default `http://localhost:PORT`',
    default: '',
    parse: optional(url(['http:', 'https:'])) as (raw: string, name: string) => string,
  } satisfies Setting<'publicUrl'>,
  {
    key: 'dataDir',
    env: 'DATA_DIR',
    flag: '--data-dir',
    description:
      'Folder for the embedded database, blobs (attachments, raw emails) and the generated secret',
    default: './data',
    parse: (raw) => (isAbsolute(raw) ? raw : resolve(process.cwd(), raw)),
  } satisfies Setting<'dataDir'>,
  {
    key: 'secretKey',
    env: 'SECRET_KEY',
    flag: '--secret-key',
    description:
      'At least 32 characters; signs and encrypts secrets. Outside production one is generated into `DATA_DIR/secret.key`',
    default: '',
    parse: text,
  } satisfies Setting<'secretKey'>,
  {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    flag: '--log-level',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
    default: 'info',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  } satisfies Setting<'logLevel'>,
  {
    key: 'embeddedPgPort',
    env: 'EMBEDDED_PG_PORT',
    flag: '--embedded-pg-port',
    description: 'Port of the embedded PostgreSQL (loopback only)',
    default: '54329',
    parse: integer(1, 65535),
  } satisfies Setting<'embeddedPgPort'>,
  {
    key: 'workerConcurrency',
    env: 'WORKER_CONCURRENCY',
    flag: '--worker-concurrency',
    // Jobs mostly wait on the database: 12 at once kept inbound mail 3× faster than 4 (bench).
    description: 'Jobs run at once by this process',
    default: '12',
    parse: integer(1, 100),
  } satisfies Setting<'workerConcurrency'>,
  {
    key: 'trustProxy',
    env: 'TRUST_PROXY',
    flag: '--trust-proxy',
    description:
      'Comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed; empty: none',
    default: '',
    parse: (raw) =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  } satisfies Setting<'trustProxy'>,
  {
    key: 'maxUploadBytes',
    env: 'MAX_UPLOAD_BYTES',
    flag: '--max-upload-bytes',
    description: 'Largest attachment or raw message accepted, in bytes',
    default: String(25 * 1024 * 1024),
    parse: integer(1024, 1024 * 1024 * 1024),
  } satisfies Setting<'maxUploadBytes'>,
  {
    key: 'smtpPort',
    env: 'SMTP_PORT',
    flag: '--smtp-port',
    description: 'Port of the inbound SMTP listener for mail to the mailboxes (0 picks a free one)',
    default: '2525',
    parse: integer(0, 65535),
  } satisfies Setting<'smtpPort'>,
  {
    key: 'smtpRelayUrl',
    env: 'SMTP_RELAY_URL',
    flag: '--smtp-relay-url',
    description:
      'Outbound SMTP relay (`smtp://user:pass@host:587`, `smtps://…:465`) for mailboxes without their own transport; unset: none',
    default: '',
    parse: optional(smtpUrl),
  } satisfies Setting<'smtpRelayUrl'>,
  {
    key: 'smtpTlsCert',
    env: 'SMTP_TLS_CERT',
    flag: '--smtp-tls-cert',
    description:
      'PEM certificate (chain) for STARTTLS on the SMTP listener, with SMTP_TLS_KEY; unset: plain SMTP',
    default: '',
    parse: optional(readableFile),
  } satisfies Setting<'smtpTlsCert'>,
  {
    key: 'smtpTlsKey',
    env: 'SMTP_TLS_KEY',
    flag: '--smtp-tls-key',
    description: 'PEM private key for SMTP_TLS_CERT',
    default: '',
    parse: optional(readableFile),
  } satisfies Setting<'smtpTlsKey'>,
] as const;

export type Flags = Partial<Record<string, string | number | boolean | undefined>>;

/** The camelCase option name commander gives a flag (`--data-dir` → `dataDir`). */
export function flagOption(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads every setting from CLI flags (first), then the environment, then the default,
 * and validates it. Throws ConfigError with one readable line on the first bad value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: Flags = {}): Config {
  const values: Record<string, unknown> = {};
  for (const setting of settings) {
    const flagValue = flags[flagOption(setting.flag)];
    const raw =
      flagValue !== undefined && flagValue !== false
        ? String(flagValue)
        : (env[setting.env] ?? setting.default);
    const name = flagValue !== undefined ? setting.flag : setting.env;
    values[setting.key] = setting.parse(raw.trim(), name);
  }
  const config = values as unknown as Config;
  config.publicUrl ||= `http://localhost:${config.port}`;
  config.secretKey = resolveSecret(config);
  return config;
}

function resolveSecret(config: Config): string {
  const given = config.secretKey;
  if (given) {
    if (given.length < 32) {
      throw new ConfigError(
        'invalid SECRET_KEY: must be at least 32 characters (try `openssl rand -hex 32`)',
      );
    }
    if (DEFAULT_SECRET_MARKERS.some((marker) => given.toLowerCase().startsWith(marker))) {
      if (config.nodeEnv === 'production') {
        throw new ConfigError(
          'invalid SECRET_KEY: a default or example value is refused in production',
        );
      }
    }
    return given;
  }
  if (config.nodeEnv === 'production') {
    throw new ConfigError(
      'missing SECRET_KEY: production needs one of at least 32 random characters',
    );
  }
  // Development and tests: a secret generated once and kept beside the data.
  const file = join(config.dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const generated = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, generated + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return readFileSync(file, 'utf8').trim();
    throw error;
  }
  return generated;
}
