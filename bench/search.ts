import pg from 'pg';
import { httpLoad, loop } from './lib/measure.js';
import { describeCpu, startParley, tokenFor, withCpu } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

const CONNECTIONS = 4;

/** Rare and common words, phrases, numbers and contacts, in the five languages the seeder writes. */
const queries = [
  'refund',
  'tracking page',
  '"charged twice"',
  'invoice',
  'password',
  'zamówienie',
  'obsługa klienta',
  'klienta',
  'kundservice',
  'faktura',
  'Kundlojalitet',
  'پشتیبانی',
  'مشتریان',
  '客户服务',
  '客户',
  '退款',
  '#1042',
  'customer12',
];

/**
 * The search endpoint over a mix of rare and common terms in five languages, beside the
 * bare full-text SQL for the same words at the same concurrency.
 */
export const scenario: Scenario = {
  name: 'search',
  description:
    'GET /api/v1/search over a mixed query set (rare and common, five languages), 4 connections',
  needsData: true,
  async run(context) {
    const { duration } = context;
    const db = await context.database();
    const token = await tokenFor(db, db.agents[0] ?? '');
    const pool = new pg.Pool({ connectionString: db.url, max: CONNECTIONS });
    const { result: bare, cpu: bareCpu } = await withCpu(() =>
      loop({
        concurrency: CONNECTIONS,
        duration,
        run: async (i) => {
          const q = queries[i % queries.length] ?? '';
          await pool.query(
            `select conversation_id, ts_rank(search, websearch_to_tsquery('simple', $2)) from (
             select conversation_id, search from messages
              where workspace_id = $1 and search @@ websearch_to_tsquery('simple', $2) limit 500) m`,
            [db.workspaceId, q],
          );
        },
      }),
    );
    await pool.end();

    const parley = await startParley(db.url);
    let n = 0;
    const { result: api, cpu: apiCpu } = await withCpu(
      () =>
        httpLoad({
          url: `${parley.url}/api/v1/search?q=x`,
          connections: CONNECTIONS,
          duration,
          headers: { authorization: `Bearer ${token}` },
          path: () => `/api/v1/search?q=${encodeURIComponent(queries[n++ % queries.length] ?? '')}`,
        }),
      parley,
    ).finally(() => parley.stop());

    return {
      figures: [
        {
          name: 'search mix, p95',
          unit: 'ms',
          value: api.p95,
          baseline: { name: 'bare full-text SQL p95', value: bare.p95 },
          ratio: ratio(api.p95, bare.p95),
          target: { text: 'p95 ≤ 50 ms', met: api.p95 <= 50 },
          stats: api,
          baselineStats: bare,
        },
      ],
      notes: [
        `${queries.length} queries in turn; ${api.errors} errors; ${api.throughput} searches/s over HTTP`,
        // CPU per search does not depend on what else the machine is doing: compare runs by it.
        `CPU per search, ms: over HTTP ${describeCpu(apiCpu)}; bare ${describeCpu(bareCpu)}`,
      ],
    };
  },
};
