import pg from 'pg';
import { httpLoad, loop } from './lib/measure.js';
import { startParley, tokenFor } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

const CONNECTIONS = 4;

/**
 * The first page of an agent's inbox (open, assigned to me, latest activity first) over
 * HTTP, beside the bare SQL the service runs for it, at the same concurrency.
 */
export const scenario: Scenario = {
  name: 'inbox',
  description:
    'GET /api/v1/conversations?status=open&assignee=me (first page of 50), 10 agents in turn',
  needsData: true,
  async run(context) {
    const { duration } = context;
    const db = await context.database();
    const agents = db.agents.slice(0, 10);
    const tokens = await Promise.all(agents.map((id) => tokenFor(db, id)));

    // The SQL the list endpoint compiles to (Kysely), run bare with the same driver.
    const pool = new pg.Pool({ connectionString: db.url, max: CONNECTIONS });
    const bare = await loop({
      concurrency: CONNECTIONS,
      duration,
      run: async (i) => {
        await pool.query(
          `select c.*, p.name as contact_name, w.ticket_prefix,
                  (select i.value from contact_identities i where i.workspace_id = c.workspace_id and i.contact_id = c.contact_id and i.kind = 'email' limit 1) as contact_email,
                  (select i.value from contact_identities i where i.workspace_id = c.workspace_id and i.contact_id = c.contact_id and i.kind in ('phone', 'whatsapp') limit 1) as contact_phone
             from conversations c
             join contacts p on p.workspace_id = c.workspace_id and p.id = c.contact_id
             join workspaces w on w.id = c.workspace_id
            where c.workspace_id = $1 and c.status = 'open' and c.assignee_id = $2
            order by c.last_activity_at desc, c.id desc
            limit 51`,
          [db.workspaceId, agents[i % agents.length]],
        );
      },
    });
    await pool.end();

    const parley = await startParley(db.url);
    let n = 0;
    const api = await httpLoad({
      url: `${parley.url}/api/v1/conversations?status=open&assignee=me&limit=50`,
      connections: CONNECTIONS,
      duration,
      requestHeaders: () => ({ authorization: `Bearer ${tokens[n++ % tokens.length] ?? ''}` }),
    }).finally(() => parley.stop());

    const slower = ratio(api.p99, bare.p99) ?? 0;
    return {
      figures: [
        {
          name: 'inbox first page, p99',
          unit: 'ms',
          value: api.p99,
          baseline: { name: 'bare SQL p99', value: bare.p99 },
          ratio: slower,
          target: { text: 'p99 ≤ 10 ms and ≤ 1.5× bare SQL', met: api.p99 <= 10 && slower <= 1.5 },
          stats: api,
          baselineStats: bare,
        },
      ],
      notes: [
        `${CONNECTIONS} connections; ${api.errors} errors; ${api.throughput} pages/s over HTTP, ${bare.throughput}/s bare`,
      ],
    };
  },
};
