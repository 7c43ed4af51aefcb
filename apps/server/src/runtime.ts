import { join } from 'node:path';
import type { Services } from './context.js';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';
import { moduleJobs, moduleSubscribers } from './modules/index.js';
import { FileBlobStore } from './platform/blobs.js';
import { createBroadcaster } from './platform/broadcast.js';
import type { Config } from './platform/config.js';
import { openDatabase } from './platform/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './platform/embedded-postgres.js';
import { InlineJobs, startWorker, type Worker } from './platform/jobs.js';
import { Mailers } from './platform/mailers.js';
import type { Logger } from './platform/logger.js';
import { migrateToLatest } from './platform/migrate.js';
import { OutboxDispatcher } from './platform/outbox.js';
import { RateLimits } from './platform/rate-limit.js';

export interface Runtime {
  services: Services;
  embedded: EmbeddedPostgres | null;
  /** Closes connections; stops the embedded PostgreSQL if this process started it (or `stopEmbedded`). */
  close(options?: { stopEmbedded?: boolean }): Promise<void>;
}

/**
 * Opens what every command needs: the database (Parley's own embedded one unless
 * DATABASE_URL is set), migrations, blobs, the realtime bus and rate limits.
 */
export async function openRuntime(
  config: Config,
  log: Logger,
  options: { migrate?: boolean; namespace?: string } = {},
): Promise<Runtime> {
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
  const url = config.databaseUrl ?? embedded?.url ?? '';
  const handle = openDatabase<Database>(url, { log });
  const { db, pool } = handle;
  const close = () => handle.close();
  try {
    if (options.migrate !== false) await migrateToLatest(db as never, pool, migrations, log);
  } catch (error) {
    await close();
    if (embedded?.origin === 'started') await embedded.stop();
    throw error;
  }
  const broadcaster = createBroadcaster(config.redisUrl, log, options.namespace);
  const limits = new RateLimits(config.redisUrl, options.namespace);
  const outbox = new OutboxDispatcher(pool, broadcaster, log);
  const inline = new InlineJobs(pool, log, config.workerConcurrency);
  const mailers = new Mailers();
  const services: Services = {
    config,
    log,
    db,
    pool,
    blobs: new FileBlobStore(join(config.dataDir, 'blobs'), config.maxUploadBytes),
    broadcaster,
    limits,
    outbox,
    inline,
    mailers,
  };
  for (const subscribe of moduleSubscribers) subscribe(services);
  return {
    services,
    embedded,
    async close(closeOptions = {}) {
      await inline.drain();
      mailers.close();
      await outbox.stop();
      await broadcaster.close();
      limits.close();
      await close();
      if (embedded && (embedded.origin === 'started' || closeOptions.stopEmbedded))
        await embedded.stop();
    },
  };
}

export function startJobs(services: Services, concurrency: number): Promise<Worker> {
  return startWorker({
    pool: services.pool,
    jobs: moduleJobs.flatMap((jobs) => jobs(services)),
    concurrency,
    log: services.log,
  });
}
