import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { scratchDir } from './harness.js';

/** A private dovecot IMAP server for one test file (no TLS, one user, maildir in a temp folder). */
export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  /** A logged-in client of the test user; log out when done. */
  client(): Promise<ImapFlow>;
  /** Puts a raw mail into a folder (IMAP APPEND), creating the folder when missing. */
  append(folder: string, raw: string | Buffer, flags?: string[]): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`dovecot exited (${String(child.exitCode)}): ${readLog(logFile)}`);
    }
    const open = await new Promise<boolean>((resolveOpen) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolveOpen(true);
      });
      socket.once('error', () => resolveOpen(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dovecot did not listen on ${String(port)}: ${readLog(logFile)}`);
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

/**
 * Starts `dovecot -F` with a configuration of its own under data/test-files: listens on
 * 127.0.0.1 at a free port, plaintext login for `user`/`password` (passwd-file), mail in a
 * maildir the `dovecot` system user owns. Needs the `dovecot` binary (`.ci/run` installs it).
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = scratchDir();
  const port = await freePort();
  const user = 'agent';
  const password = 'imap-test-password';
  // Mail belongs to the `dovecot` system user (dovecot refuses to handle mail as root).
  const mailUser = systemUser('dovecot') ?? { uid: userInfo().uid, gid: userInfo().gid };
  const mail = join(dir, 'mail');
  const run = join(dir, 'run');
  const state = join(dir, 'state');
  mkdirSync(mail, { recursive: true });
  mkdirSync(run, { recursive: true });
  mkdirSync(state, { recursive: true });
  chownSync(mail, mailUser.uid, mailUser.gid);
  const logFile = join(dir, 'dovecot.log');
  const passwd = join(dir, 'passwd');
  writeFileSync(
    passwd,
    `${user}:{PLAIN}${password}:${String(mailUser.uid)}:${String(mailUser.gid)}::${mail}::\n`,
  );
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    [
      'protocols = imap',
      'listen = 127.0.0.1',
      `base_dir = ${run}`,
      `state_dir = ${state}`,
      `log_path = ${logFile}`,
      `info_log_path = ${logFile}`,
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      'auth_failure_delay = 0',
      'default_internal_user = dovecot',
      'default_login_user = dovenull',
      `first_valid_uid = ${String(Math.min(mailUser.uid, 100))}`,
      `mail_location = maildir:${mail}/%u`,
      'mail_privileged_group =',
      'namespace inbox {',
      '  inbox = yes',
      '  separator = /',
      '}',
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN ${passwd}`,
      '}',
      'userdb {',
      '  driver = passwd-file',
      `  args = ${passwd}`,
      '}',
      'service imap-login {',
      '  inet_listener imap {',
      '    address = 127.0.0.1',
      `    port = ${String(port)}`,
      '  }',
      '  inet_listener imaps {',
      '    port = 0',
      '  }',
      '}',
      'service anvil {',
      '  chroot =',
      '}',
      'service imap-login {',
      '  chroot =',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn('dovecot', ['-F', '-c', conf], { stdio: 'ignore' });
  await waitForPort(port, child, logFile);

  const client = async () => {
    const imap = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user, pass: password },
      logger: false,
    });
    imap.on('error', () => undefined);
    await imap.connect();
    return imap;
  };

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    client,
    async append(folder, raw, flags = []) {
      const imap = await client();
      try {
        if (folder !== 'INBOX') await imap.mailboxCreate(folder).catch(() => undefined);
        await imap.append(folder, raw, flags);
      } finally {
        await imap.logout();
      }
    },
    async stop() {
      const running = (): boolean => child.exitCode === null && child.signalCode === null;
      if (running()) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (running()) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function systemUser(name: string): { uid: number; gid: number } | null {
  const fields = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${name}:`))
    ?.split(':');
  return fields ? { uid: Number(fields[2]), gid: Number(fields[3]) } : null;
}
