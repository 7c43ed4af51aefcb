import type { Kysely, Transaction } from 'kysely';
import type { AuthTables } from './modules/auth/auth.tables.js';
import type { WorkspaceTables } from './modules/workspaces/workspaces.tables.js';
import type { PlatformTables } from './platform/outbox.js';

/** The whole schema as Kysely sees it: each module contributes its own tables. */
export type Database = PlatformTables & WorkspaceTables & AuthTables;

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
