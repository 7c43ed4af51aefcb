import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { format } from 'prettier';
import type { Stats } from './measure.js';

/** One line of the table: a figure of Parley's, beside a baseline measured in the same run. */
export interface Figure {
  name: string;
  unit: 'ops/s' | 'ms' | 'KB' | 's' | 'rows/s' | 'msg/s' | '×' | 'min' | 'conversations';
  value: number;
  baseline: { name: string; value: number } | null;
  /** value / baseline (for ms: how many times slower; for ops/s: the share reached). */
  ratio: number | null;
  target: { text: string; met: boolean } | null;
  stats?: Stats;
  baselineStats?: Stats;
  /** How many measured runs the value summarises (1 unless the scenario repeats). */
  runs?: number;
}

export interface ScenarioResult {
  scenario: string;
  figures: Figure[];
  notes: string[];
  size: number;
  seeding: { seconds: number; reused: boolean } | null;
}

export function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // Results written by this very run do not make the code it measured "changed".
    const dirty = execFileSync(
      'git',
      [
        'status',
        '--porcelain',
        '--untracked-files=no',
        '--',
        ':/',
        ':(top,exclude)bench/results',
        ':(top,exclude)bench/README.md',
      ],
      { encoding: 'utf8' },
    ).trim();
    return dirty ? `${sha}+changes` : sha;
  } catch {
    return 'unknown';
  }
}

const fmt = (n: number) =>
  Number.isInteger(n)
    ? n.toLocaleString('en')
    : n.toLocaleString('en', { maximumFractionDigits: 2 });

export function table(results: ScenarioResult[], options: { judged?: boolean } = {}): string {
  const judged = options.judged ?? true;
  const header =
    '| scenario | figure | value | baseline | ratio | p50 / p95 / p99 ms | throughput | runs | target | |';
  const rows = results.flatMap((r) =>
    r.figures.map((f) => {
      const baseline = f.baseline ? `${fmt(f.baseline.value)} ${f.unit} (${f.baseline.name})` : '—';
      const latency = f.stats
        ? `${fmt(f.stats.p50)} / ${fmt(f.stats.p95)} / ${fmt(f.stats.p99)}`
        : '—';
      const verdict = !f.target ? '' : !judged ? 'not judged' : f.target.met ? 'PASS' : 'MISS';
      const throughput = f.stats ? `${fmt(f.stats.throughput)}/s` : '—';
      const runs = f.runs ?? 1;
      return `| ${r.scenario} | ${f.name} | ${fmt(f.value)} ${f.unit} | ${baseline} | ${f.ratio === null ? '—' : `${fmt(f.ratio)}×`} | ${latency} | ${throughput} | ${runs} | ${f.target?.text ?? '—'} | ${verdict} |`;
    }),
  );
  return [header, '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

export function writeResult(
  dir: string,
  result: ScenarioResult,
  meta: Record<string, unknown>,
): void {
  writeFileSync(
    join(dir, `${result.scenario}.json`),
    JSON.stringify({ ...result, ...meta }, null, 2) + '\n',
  );
}

/** Rewrites the results section of bench/README.md from every saved result. */
export async function updateReadme(readme: string, dir: string): Promise<void> {
  const saved = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map(
      (f) =>
        JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioResult & {
          date: string;
          commit: string;
          machine: ReturnType<typeof machine>;
        },
    );
  if (saved.length === 0) return;
  const lines = [
    '<!-- results:start -->',
    ...saved.map(
      (s) =>
        `- \`${s.scenario}\`: measured ${s.date} at commit \`${s.commit}\`, ${fmt(s.size)} conversations${s.seeding ? `, seeded in ${fmt(s.seeding.seconds)} s${s.seeding.reused ? ' (reused)' : ''}` : ''}`,
    ),
    '',
    table(saved),
    '',
    `Machine: ${saved[0]?.machine.cpu ?? ''}, ${saved[0]?.machine.cores ?? ''} cores, ${saved[0]?.machine.memoryGiB ?? ''} GiB, Node ${saved[0]?.machine.node ?? ''}.`,
    '<!-- results:end -->',
  ];
  const text = readFileSync(readme, 'utf8');
  const next = text.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, lines.join('\n'));
  // Formatted as the repository's Prettier check expects.
  writeFileSync(readme, await format(next, { parser: 'markdown', filepath: readme }));
}
