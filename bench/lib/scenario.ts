import type { BenchDatabase } from './env.js';
import type { Figure } from './report.js';

export interface BenchContext {
  /** Conversations in the dedicated database. */
  size: number;
  /** Seconds each measured run lasts. */
  duration: number;
  /** CI smoke: prove it works, judge nothing. */
  smoke: boolean;
  /** The seeded database (opened lazily: scenarios that need none never seed). */
  database(): Promise<BenchDatabase>;
  /** The database server's URL (for raw baselines on other databases). */
  serverUrl: string;
}

export interface Scenario {
  name: string;
  description: string;
  /** Whether it needs the seeded database (sizes matter). */
  needsData: boolean;
  run(context: BenchContext): Promise<{ figures: Figure[]; notes: string[] }>;
}

export const ratio = (value: number, baseline: number) =>
  baseline === 0 ? null : Math.round((value / baseline) * 100) / 100;
