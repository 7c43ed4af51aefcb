import pg from 'pg';
import { conversationPageJson } from '../apps/server/src/modules/conversations/conversations.service.js';
import { httpLoad, loop } from './lib/measure.js';
import { describeCpu, startParley, tokenFor, withCpu } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

const CONNECTIONS = 4;

/**
 * The first page of an agent's inbox (open, assigned to me, most urgent then oldest) over
 * HTTP, beside the bare SQL the service runs for it, at the same concurrency.
 */
export const scenario: Scenario = {
  name: 'inbox',
  description:
    'GET /api/v1/conversations?status=open&assignee=me&sort=-priority (first page of 50), 10 agents in turn',
  needsData: true,
  async run(context) {
    const { duration } = context;
    const db = await context.database();
    const agents = db.agents.slice(0, 10);
    const tokens = await Promise.all(agents.map((id) => tokenFor(db, id)));

    // The SQL the list endpoint compiles to (Kysely), run bare with the same driver.
    const pool = new pg.Pool({ connectionString: db.url, max: CONNECTIONS });
    const { result: bare, cpu: bareCpu } = await withCpu(() =>
      loop({
        concurrency: CONNECTIONS,
        duration,
        run: async (i) => {
          await pool.query(
            `select c.id, c.number, c.subject, c.status, c.priority, c.channel, c.language, c.category, c.tags,
                  c.custom_fields, c.contact_id, c.team_id, c.assignee_id, c.follow_up_of_id, c.merged_into_id,
                  c.message_count, c.preview, c.last_activity_at, c.first_response_at, c.resolved_at,
                  c.reopened_count, c.created_at, c.updated_at, c.contact_name, c.contact_email, c.contact_phone,
                  w.ticket_prefix
             from conversations c
             join workspaces w on w.id = c.workspace_id
            where c.workspace_id = $1 and c.status = 'open' and c.assignee_id = $2
            order by c.priority_rank, c.created_at, c.id
            limit 51`,
            [db.workspaceId, agents[i % agents.length]],
          );
        },
      }),
    );
    await pool.end();

    // The statement the endpoint runs (the page as JSON, written by PostgreSQL), through the
    // service in this process: what HTTP, authentication and the web node add is the rest.
    const service = await loop({
      concurrency: CONNECTIONS,
      duration,
      run: async (i) => {
        await conversationPageJson({
          db: db.services.db,
          actor: {
            workspaceId: db.workspaceId,
            userId: agents[i % agents.length] ?? '',
            role: 'agent',
            via: 'token',
            scopes: ['read'],
            csrfToken: null,
            credentialId: 'bench',
          },
          filters: { status: 'open', assignee: 'me' },
          sort: '-priority',
          limit: 50,
        });
      },
    });

    const parley = await startParley(db.url);
    let n = 0;
    const { result: api, cpu: apiCpu } = await withCpu(
      () =>
        httpLoad({
          url: `${parley.url}/api/v1/conversations?status=open&assignee=me&sort=-priority&limit=50`,
          connections: CONNECTIONS,
          duration,
          requestHeaders: () => ({ authorization: `Bearer ${tokens[n++ % tokens.length] ?? ''}` }),
        }),
      parley,
    ).finally(() => parley.stop());

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
        // CPU per page does not depend on what else the machine is doing: compare runs by it.
        `CPU per page, ms: over HTTP ${describeCpu(apiCpu)}; bare ${describeCpu(bareCpu)}`,
        `the endpoint's own statement (the page as JSON) through the service, no HTTP: p50 / p99 ${service.p50} / ${service.p99} ms, ${service.throughput}/s`,
      ],
    };
  },
};
