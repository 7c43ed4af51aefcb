import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Screenshots a person can look at (CI keeps this folder as an artifact; see the README). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../../../artifacts/screenshots');

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}
