import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import type { Services } from '../../apps/server/src/context.js';
import { createToken } from '../../apps/server/src/modules/auth/tokens.service.js';
import { bulkSeed } from '../../apps/server/src/modules/demo/bulk-seed.js';
import { loadConfig } from '../../apps/server/src/platform/config.js';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../apps/server/src/platform/embedded-postgres.js';
import { openRuntime, type Runtime } from '../../apps/server/src/runtime.js';
import { migrations } from '../../apps/server/src/migrations/index.js';

export const root = resolve(import.meta.dirname, '../..');
const latestMigration = Object.keys(migrations).at(-1) ?? '';
export const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });

/** The database server the benchmarks use: the embedded one in data/bench, or BENCH_DATABASE_URL's. */
export async function databaseServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL)
    return { url: process.env.BENCH_DATABASE_URL, stop: async () => {} };
  const embedded: EmbeddedPostgres = await startEmbeddedPostgres({
    dataDir: resolve(root, 'data/bench'),
    port: 54350,
    log,
  });
  return {
    url: embedded.url,
    stop: () => (embedded.origin === 'started' ? embedded.stop() : Promise.resolve()),
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A database of its own for scenarios that need Parley running but no data (migrated by Parley at start). */
export async function emptyDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists =
      (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
    if (!exists) await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(serverUrl, name);
}

export interface BenchDatabase {
  url: string;
  runtime: Runtime;
  services: Services;
  workspaceId: string;
  agents: string[];
  seeding: { seconds: number; reused: boolean };
}

/**
 * A dedicated database holding `size` seeded conversations, created and seeded on first use
 * (with `parley seed`'s COPY seeder) and reused by later runs of the same size.
 */
export async function benchDatabase(serverUrl: string, size: number): Promise<BenchDatabase> {
  const name = `parley_bench_${size}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const exists =
    (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  let seeded = false;
  if (exists) {
    const db = new pg.Client({ connectionString: withDatabase(serverUrl, name) });
    await db.connect();
    // Seeded data is reused only while the schema it was seeded under is still the latest.
    const meta = await db
      .query<{ schema: string }>('select schema from bench_meta')
      .catch(() => ({ rows: [] as { schema: string }[] }));
    seeded = meta.rows[0]?.schema === latestMigration;
    await db.end();
    if (!seeded) await admin.query(`drop database ${name} with (force)`);
  }
  if (!seeded) await admin.query(`create database ${name}`);
  await admin.end();

  const url = withDatabase(serverUrl, name);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    DATA_DIR: resolve(root, 'data/bench-files'),
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
  });
  const runtime = await openRuntime(config, log);
  const { services } = runtime;
  let seeding: BenchDatabase['seeding'];
  if (!seeded) {
    process.stderr.write(`  seeding ${size.toLocaleString('en')} conversations into ${name}…\n`);
    const result = await bulkSeed(services, { slug: 'bench', conversations: size, agents: 50 });
    await services.pool.query(
      'create table bench_meta (seconds double precision, messages bigint, schema text)',
    );
    await services.pool.query('insert into bench_meta values ($1, $2, $3)', [
      result.seconds,
      result.messages,
      latestMigration,
    ]);
    seeding = { seconds: Math.round(result.seconds * 10) / 10, reused: false };
  } else {
    const { rows } = await services.pool.query<{ seconds: number }>(
      'select seconds from bench_meta',
    );
    seeding = { seconds: Math.round((rows[0]?.seconds ?? 0) * 10) / 10, reused: true };
  }
  const workspace = await services.db
    .selectFrom('workspaces')
    .select('id')
    .where('slug', '=', 'bench')
    .executeTakeFirstOrThrow();
  const agents = await services.db
    .selectFrom('users')
    .select('id')
    .where('workspaceId', '=', workspace.id)
    .where('role', '=', 'agent')
    .orderBy('email')
    .execute();
  return {
    url,
    runtime,
    services,
    workspaceId: workspace.id,
    agents: agents.map((a) => a.id),
    seeding,
  };
}

export async function tokenFor(db: BenchDatabase, userId: string): Promise<string> {
  const created = await createToken({
    db: db.services.db,
    workspaceId: db.workspaceId,
    userId,
    name: 'bench',
    scopes: ['read', 'write'],
  });
  return created.token;
}

export interface Server {
  url: string;
  /** Everything it printed until it was ready (Parley's banner). */
  banner: string;
  stop(): Promise<void>;
  /**
   * CPU seconds (user + system) the process has used so far, from /proc: unlike wall time,
   * it does not grow when other work on the machine slows the process down.
   */
  cpuSeconds(): number;
  /** Resident memory of the process now, in MB (Linux /proc). */
  rssMb(): number;
}

function rssMbOf(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** CPU seconds a process has used (Linux /proc; 0 where there is none). */
export function cpuSecondsOf(pid: number | string | undefined, withEndedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime in clock ticks; cutime, cstime are the children that ended (and were
    // waited for) — a PostgreSQL backend's CPU moves there when its connection closes.
    const own = Number(fields[11]) + Number(fields[12]);
    const ended = withEndedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (own + ended) / 100;
  } catch {
    return 0;
  }
}

/** A process's parent pid and command name (Linux /proc); null once it has ended. */
function procOf(pid: string | number): { ppid: number; comm: string } | null {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return {
      ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    };
  } catch {
    return null;
  }
}

/**
 * The postmaster of the server the benchmarks use: the embedded bench PostgreSQL's, or with
 * BENCH_DATABASE_URL the machine's own (the one `postgres` process on this machine whose
 * parent is not PostgreSQL and that is not an embedded one); null when there is no telling.
 */
function postmasterPid(): number | null {
  if (!process.env.BENCH_DATABASE_URL) {
    try {
      return Number(
        readFileSync(resolve(root, 'data/bench/postgres/postmaster.pid'), 'utf8').split('\n')[0],
      );
    } catch {
      return null;
    }
  }
  const host = new URL(process.env.BENCH_DATABASE_URL).hostname;
  if (!['localhost', '127.0.0.1', '::1', '[::1]'].includes(host)) return null;
  const postmasters = readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    const proc = procOf(entry);
    if (proc?.comm !== 'postgres' || procOf(proc.ppid)?.comm === 'postgres') return false;
    try {
      return !readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('embedded-postgres');
    } catch {
      return false;
    }
  });
  return postmasters.length === 1 ? Number(postmasters[0]) : null;
}

/**
 * CPU seconds used so far by the benchmarks' PostgreSQL on this machine (postmaster, its
 * ended children and its live backends); null when it is elsewhere or cannot be told.
 */
export function postgresCpuSeconds(): number | null {
  const postmaster = postmasterPid();
  if (postmaster === null) return null;
  let total = cpuSecondsOf(postmaster, true);
  if (total === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && procOf(entry)?.ppid === postmaster) total += cpuSecondsOf(entry);
  }
  return total;
}

/** Runs a program that prints `listening <port>` (or Parley's banner) and resolves with its URL. */
function serve(args: string[], env: Record<string, string>, ready: RegExp): Promise<Server> {
  return new Promise((done, fail) => {
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the servers under load.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    // BENCH_SERVER_LOG (a file) keeps the servers' output, e.g. with BENCH_NODE_ARGS=--trace-gc.
    const keep = process.env.BENCH_SERVER_LOG;
    const onData = (chunk: Buffer) => {
      if (keep) appendFileSync(keep, chunk);
      output += chunk.toString();
      const match = ready.exec(output);
      if (match?.[1]) {
        done({
          url: match[1].startsWith('http') ? match[1] : `http://127.0.0.1:${match[1]}`,
          banner: output,
          cpuSeconds: () => cpuSecondsOf(child.pid),
          rssMb: () => rssMbOf(child.pid),
          stop: () =>
            new Promise((stopped) => {
              child.once('close', () => stopped());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) =>
      fail(new Error(`${args.join(' ')} exited with ${code}: ${output}`)),
    );
  });
}

/**
 * Parley itself, as operators run a web node: `parley start --no-worker`, production mode
 * (`worker: true`: with the job worker in the same process, as `parley start` runs by default).
 */
export function startParley(
  databaseUrl: string,
  options: { worker?: boolean; env?: Record<string, string> } = {},
): Promise<Server> {
  return serve(
    ['apps/server/bin/parley.js', 'start', ...(options.worker ? [] : ['--no-worker']), '--no-demo'],
    {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      SECRET_KEY: randomBytes(32).toString('hex'),
      PORT: '0',
      SMTP_PORT: '0',
      LOG_LEVEL: 'warn',
      DATA_DIR: resolve(root, 'data/bench-files'),
      ...options.env,
    },
    /Open\s+(http:\/\/\S+)[\s\S]*Jobs\s/,
  );
}

/** The hello-world baselines: raw node:http and Fastify, each in its own process. */
export function startHello(kind: 'node' | 'fastify'): Promise<Server> {
  return serve([resolve(import.meta.dirname, `hello-${kind}.mjs`)], {}, /listening (\d+)/);
}

/**
 * The email floor (raw-smtp.ts): an smtp-server that keeps each mail's bytes and writes a new
 * ticket's rows by hand before answering 250.
 */
export function startRawSmtp(env: {
  databaseUrl: string;
  workspaceId: string;
  mailboxId: string;
  blobDir: string;
  /** Names the run's customers (`floor-<run>-…`), so they can be deleted after it. */
  run: string;
}): Promise<Server> {
  return serve(
    ['--import', 'tsx', resolve(import.meta.dirname, 'raw-smtp.ts')],
    {
      DATABASE_URL: env.databaseUrl,
      WORKSPACE_ID: env.workspaceId,
      MAILBOX_ID: env.mailboxId,
      BLOB_DIR: env.blobDir,
      RUN: env.run,
    },
    /listening (\d+)/,
  );
}

/** The chat baseline: a bare `ws` relay from visitors to agents, in its own process. */
export function startBareWebSocket(): Promise<Server> {
  return serve([resolve(import.meta.dirname, 'bare-ws.mjs')], {}, /listening (\d+)/);
}

/** The SMTP baseline: an `smtp-server` that accepts and keeps nothing, in its own process. */
export function startBareSmtp(): Promise<Server> {
  return serve([resolve(import.meta.dirname, 'bare-smtp.mjs')], {}, /listening (\d+)/);
}

export interface CpuPerOperation {
  /** This process: the load's client (autocannon, the raw SQL loop). */
  client: number;
  /** The server under load, when there is one. */
  server: number | null;
  /** The benchmarks' PostgreSQL, when it runs on this machine. */
  postgres: number | null;
}

/**
 * `work` with the CPU milliseconds each of its operations cost, per process. Unlike
 * latencies, these do not grow when the machine's other tenants slow it down, so runs can
 * be compared by them.
 */
export async function withCpu<T extends { count: number }>(
  work: () => Promise<T>,
  server?: Server,
): Promise<{ result: T; cpu: CpuPerOperation }> {
  const own = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  const before = { client: own(), server: server?.cpuSeconds(), postgres: postgresCpuSeconds() };
  const result = await work();
  const postgresAfter = postgresCpuSeconds();
  const perOp = (seconds: number) =>
    result.count === 0 ? 0 : Math.round((seconds * 1e6) / result.count) / 1000;
  return {
    result,
    cpu: {
      client: perOp(own() - before.client),
      server:
        server && before.server !== undefined ? perOp(server.cpuSeconds() - before.server) : null,
      postgres:
        postgresAfter === null || before.postgres === null
          ? null
          : perOp(postgresAfter - before.postgres),
    },
  };
}

/** `client 0.4 + server 1.7 + PostgreSQL 2.2 ms` */
export function describeCpu(cpu: CpuPerOperation, serverName = 'Parley'): string {
  return [
    `client ${String(cpu.client)}`,
    ...(cpu.server === null ? [] : [`${serverName} ${String(cpu.server)}`]),
    ...(cpu.postgres === null ? [] : [`PostgreSQL ${String(cpu.postgres)}`]),
  ].join(' + ');
}
