// A second process for routing's concurrency test: drains one team's queue against the
// database at argv[2] with its own connection pool, starting at the instant argv[5] (epoch
// ms, so several processes start together), then prints how many it assigned.
import type { Database } from '../database.js';
import { drainTeam } from '../modules/routing/drain.js';
import { openDatabase } from '../platform/db.js';

const [url = '', workspaceId = '', teamId = '', startAt = '0'] = process.argv.slice(2);
const handle = openDatabase<Database>(url, { max: 2 });
try {
  await handle.pool.query('select 1'); // connected before the start
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const assigned = await drainTeam(handle.db, { workspaceId, teamId });
  process.stdout.write(`${String(assigned)}\n`);
} finally {
  await handle.close();
}
