import type pg from 'pg';
import type { Db } from './database.js';
import type { BlobStore } from './platform/blobs.js';
import type { Broadcaster } from './platform/broadcast.js';
import type { Config } from './platform/config.js';
import type { Logger } from './platform/logger.js';
import type { InlineJobs } from './platform/jobs.js';
import type { Mailers } from './platform/mailers.js';
import type { OutboxDispatcher } from './platform/outbox.js';
import type { RateLimits } from './platform/rate-limit.js';

/** What a running Parley has: handed to routes, jobs and event subscribers. */
export interface Services {
  config: Config;
  log: Logger;
  db: Db;
  pool: pg.Pool;
  blobs: BlobStore;
  broadcaster: Broadcaster;
  limits: RateLimits;
  outbox: OutboxDispatcher;
  /** Jobs this process runs right after enqueueing them (`InlineJobs`). */
  inline: InlineJobs;
  /** Outgoing SMTP connections, pooled per route. */
  mailers: Mailers;
}
