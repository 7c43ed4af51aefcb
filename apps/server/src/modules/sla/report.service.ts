import type { SlaReport, SlaReportTarget, SlaTargetName } from '@parley/contract';
import { slaTargetNames } from '@parley/contract';
import { sql } from 'kysely';
import type { Db } from '../../database.js';
import { AppError } from '../../platform/errors.js';

interface Row {
  groupId: string | null;
  name: string | null;
  target: SlaTargetName;
  started: number;
  metOnTime: number;
  breached: number;
  median: number | null;
  p90: number | null;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));

/**
 * Attainment, breaches, median and p90 per policy or team for the conversations created in
 * [from, to), read from each conversation's clocks as last computed (elapsed time counted
 * as the target counts it: business time when it says so). One grouped statement.
 */
export async function slaReport(props: {
  db: Db;
  workspaceId: string;
  from: Date;
  to: Date;
  groupBy: 'policy' | 'team';
}): Promise<SlaReport> {
  const { db, workspaceId, from, to, groupBy } = props;
  if (to <= from)
    throw new AppError('validation_failed', '`to` must be after `from`', {
      details: { issues: [{ path: 'querystring.to', message: 'must be after from' }] },
    });
  const group = groupBy === 'team' ? sql`c.team_id` : sql`s.policy_id`;
  const name =
    groupBy === 'team'
      ? sql`(select name from teams x where x.workspace_id = c.workspace_id and x.id = c.team_id)`
      : sql`(select name from sla_policies x where x.workspace_id = s.workspace_id and x.id = s.policy_id)`;
  const { rows } = await sql<Row>`
    select ${group} as "groupId", min(${name}) as name, t->>'target' as target,
           count(*) filter (where t->>'startedAt' is not null)::int as started,
           count(*) filter (where t->>'metAt' is not null and t->>'breachedAt' is null)::int as "metOnTime",
           count(*) filter (where t->>'breachedAt' is not null)::int as breached,
           percentile_cont(0.5) within group (order by (t->>'elapsedMs')::float8)
             filter (where t->>'metAt' is not null and t->>'startedAt' is not null) as median,
           percentile_cont(0.9) within group (order by (t->>'elapsedMs')::float8)
             filter (where t->>'metAt' is not null and t->>'startedAt' is not null) as p90
      from conversation_slas s
      join conversations c on c.workspace_id = s.workspace_id and c.id = s.conversation_id
      cross join lateral jsonb_array_elements(s.targets) t
     where s.workspace_id = ${workspaceId} and s.policy_id is not null
       and c.created_at >= ${from} and c.created_at < ${to}
     group by 1, 3
     order by 2 nulls last, 1`.execute(db);
  const groups = new Map<string, SlaReport['data'][number]>();
  for (const row of rows) {
    const key = row.groupId ?? '';
    let entry = groups.get(key);
    if (!entry) {
      entry = { id: row.groupId, name: row.name, targets: [] };
      groups.set(key, entry);
    }
    const decided = row.metOnTime + row.breached;
    const target: SlaReportTarget = {
      target: row.target,
      started: row.started,
      metOnTime: row.metOnTime,
      breached: row.breached,
      attainment: decided > 0 ? Math.round((row.metOnTime / decided) * 1000) / 1000 : null,
      medianSeconds: seconds(row.median),
      p90Seconds: seconds(row.p90),
    };
    entry.targets.push(target);
  }
  for (const entry of groups.values())
    entry.targets.sort(
      (a, b) => slaTargetNames.indexOf(a.target) - slaTargetNames.indexOf(b.target),
    );
  return { from: from.toISOString(), to: to.toISOString(), groupBy, data: [...groups.values()] };
}
