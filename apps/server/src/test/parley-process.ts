import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../bin/parley.js');

export interface ParleyProcess {
  child: ChildProcess;
  /** What it printed until it was ready (URL, login, SMTP port). */
  banner: string;
}

/**
 * `parley start` as its own process (env only, nothing inherited but PATH); resolves once the
 * banner is out. `maxFileBytes` caps the size of any file it writes (RLIMIT_FSIZE, through
 * util-linux's `prlimit`): a write past it fails with EFBIG, as a full disk fails with ENOSPC.
 */
export function startParley(
  env: Record<string, string>,
  options: { maxFileBytes?: number } = {},
): Promise<ParleyProcess> {
  return new Promise((resolveStart, reject) => {
    const command = [process.execPath, bin, 'start'];
    if (options.maxFileBytes !== undefined) {
      const limit = String(options.maxFileBytes);
      command.unshift('prlimit', `--fsize=${limit}:${limit}`, '--');
    }
    const [file = '', ...args] = command;
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/Jobs\s+.*\n/.test(out)) resolveStart({ child, banner: out });
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => reject(new Error(`parley exited with ${String(code)}: ${err}`)));
  });
}

/** Resolves when the process has exited (at once if it already has). */
export const exited = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('close', () => r());
  });
