import { Migrator, type Kysely, type Migration } from 'kysely';
import { runMigrations as runWorkerMigrations } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from './logger.js';

/**
 * Applies our migrations (Kysely's Migrator takes a PostgreSQL advisory lock, so nodes
 * starting together apply each migration once) and the job queue's own schema.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  pool: pg.Pool,
  migrations: Record<string, Migration>,
  log: Logger,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'parley_migrations',
    migrationLockTableName: 'parley_migrations_lock',
    // Branches developed side by side land their migrations in any order (0029 may be
    // applied before 0027 arrives): each runs once, when it first appears.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) log.info({ migration: name }, 'migration applied');
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    );
  }
  await runWorkerMigrations({ pgPool: pool, logger: undefined });
  return applied;
}
