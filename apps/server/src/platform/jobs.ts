import { Value } from '@sinclair/typebox/value';
import type { Static, TSchema } from '@sinclair/typebox';
import { EventEmitter } from 'node:events';
import {
  Logger as WorkerLogger,
  makeWorkerUtils,
  parseCronItems,
  run,
  type Runner,
  type Task,
  type WorkerEvents,
} from 'graphile-worker';
import { sql, type QueryExecutorProvider, type RawBuilder } from 'kysely';
import pg from 'pg';
import type { Logger } from './logger.js';

/** A kind of job: its name and payload schema. Enough to enqueue one. */
export interface JobType<P extends TSchema> {
  name: string;
  payload: P;
  /** Attempts before the job is given up (graphile-worker backs off exponentially). */
  maxAttempts?: number;
}

export interface JobContext {
  log: Logger;
  /** 1 on the first run. */
  attempt: number;
  jobId: string;
}

/** A job type with its handler and, optionally, a cron schedule (`m h dom mon dow`). */
export interface JobDefinition<P extends TSchema = TSchema> extends JobType<P> {
  // Method syntax: a definition for one payload type can stand in a list of definitions.
  handler(payload: Static<P>, context: JobContext): Promise<void>;
  cron?: { pattern: string; payload: Static<P> };
}

export function defineJob<P extends TSchema>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

export interface EnqueueOptions {
  runAt?: Date;
  /** De-duplicates: a pending job with the same key is replaced, not doubled. */
  jobKey?: string;
  maxAttempts?: number;
  priority?: number;
  queueName?: string;
}

/**
 * Enqueues a job through `executor`: pass the transaction that makes the change, and the
 * job exists exactly when the change commits.
 */
export async function enqueue<P extends TSchema>(
  executor: QueryExecutorProvider,
  type: JobType<P>,
  payload: Static<P>,
  options: EnqueueOptions = {},
): Promise<void> {
  checkPayload(type, payload);
  await sql`select ${addJobSql(type, sql`${JSON.stringify(payload)}::json`, options)}`.execute(
    executor,
  );
}

function checkPayload<P extends TSchema>(type: JobType<P>, payload: Static<P>): void {
  if (!Value.Check(type.payload, payload)) {
    const first = Value.Errors(type.payload, payload).First();
    throw new TypeError(
      `invalid payload for job ${type.name}: ${first?.path ?? ''} ${first?.message ?? ''}`,
    );
  }
}

/** A job to add with others in one statement (`addJobsStatement`), as `graphile_worker.job_spec`. */
export interface JobSpec {
  identifier: string;
  payload: unknown;
  queue_name: string | null;
  run_at: string | null;
  max_attempts: number;
  job_key: string | null;
  priority: number;
}

/** A job for `addJobsStatement`, its payload checked now as `enqueue` checks it. */
export function jobSpec<P extends TSchema>(
  type: JobType<P>,
  payload: Static<P>,
  options: EnqueueOptions = {},
): JobSpec {
  checkPayload(type, payload);
  return {
    identifier: type.name,
    payload,
    queue_name: options.queueName ?? null,
    run_at: options.runAt?.toISOString() ?? null,
    max_attempts: options.maxAttempts ?? type.maxAttempts ?? 25,
    job_key: options.jobKey ?? null,
    priority: options.priority ?? 0,
  };
}

/**
 * Adds jobs in one statement (`graphile_worker.add_jobs`) with `enqueue`'s meaning: a
 * pending job with the same key is replaced. Of several with one key, the last counts (one
 * statement may not write a row twice). The specs are a quoted literal in the text, so the
 * statement can go with others in one simple-protocol round trip.
 */
export function addJobsStatement(specs: JobSpec[]): string {
  const keyed = new Map<string, JobSpec>();
  const unkeyed: JobSpec[] = [];
  for (const spec of specs) {
    if (spec.job_key === null) unkeyed.push(spec);
    else keyed.set(spec.job_key, spec);
  }
  const json = pg.escapeLiteral(JSON.stringify([...unkeyed, ...keyed.values()]));
  return `select count(*) from graphile_worker.add_jobs(array(
             select row(identifier, payload, queue_name, run_at, max_attempts, job_key, priority, null)::graphile_worker.job_spec
               from json_to_recordset(${json}::json) as s(identifier text, payload json, queue_name text,
                    run_at timestamptz, max_attempts smallint, job_key text, priority smallint)))`;
}

/** A value quoted for SQL text (`enqueueWhere` conditions, which carry no parameters). */
export const sqlLiteral = (value: string): string => pg.escapeLiteral(value);

/** An integer for SQL text (batch sizes, ids): anything else is a bug. */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${String(value)}`);
  return String(value);
}

/**
 * A job added only where `condition` (SQL text, values quoted with `sqlLiteral`) holds when
 * the statement runs: a statement of its own, for a simple-protocol round trip with others.
 */
export function conditionalJobStatement(spec: JobSpec, condition: string): string {
  const text = (value: string | null) => (value === null ? 'null' : sqlLiteral(value));
  return `select graphile_worker.add_job(
      identifier => ${text(spec.identifier)},
      payload => ${text(JSON.stringify(spec.payload))}::json,
      queue_name => ${text(spec.queue_name)},
      run_at => ${text(spec.run_at)}::timestamptz,
      max_attempts => ${sqlInteger(spec.max_attempts)}::smallint,
      job_key => ${text(spec.job_key)},
      priority => ${sqlInteger(spec.priority)}::smallint
    ) where ${condition}`;
}

/**
 * `graphile_worker.add_job(…)` as an SQL expression, for a statement that writes rows and
 * enqueues their jobs in one round trip (`select add_job(…) from inserted`). The payload is
 * SQL (e.g. `json_build_object(…)` over the inserted row) and is not checked here: the
 * handler checks it when the job runs. `jobKey` may be SQL too.
 */
export function addJobSql<P extends TSchema>(
  type: JobType<P>,
  payload: RawBuilder<unknown>,
  options: Omit<EnqueueOptions, 'jobKey'> & { jobKey?: string | RawBuilder<unknown> } = {},
): RawBuilder<unknown> {
  return sql`graphile_worker.add_job(
      identifier => ${type.name},
      payload => ${payload},
      queue_name => ${options.queueName ?? null},
      run_at => ${options.runAt?.toISOString() ?? null}::timestamptz,
      max_attempts => ${options.maxAttempts ?? type.maxAttempts ?? 25},
      job_key => ${options.jobKey ?? null},
      priority => ${options.priority ?? 0}
    )`;
}

/**
 * Work done in this process right after the commit that enqueued its job, instead of
 * waiting for a worker to poll for it: the job, enqueued to run a little later (`backstop`),
 * stays as the safety net (a crash, a failure) and is removed once the work succeeded. The
 * work must be idempotent (the backstop may run it again if removing the job fails). At most
 * `limit` run at once; when that many are running, callers enqueue the job for now instead
 * (`saturated`).
 */
export class InlineJobs {
  private readonly running = new Set<Promise<void>>();
  /** How long a job waits before a worker takes it, if the inline run has not removed it. */
  readonly backstopMs = 30_000;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly limit: number,
  ) {}

  get saturated(): boolean {
    return this.running.size >= this.limit;
  }

  /** Runs `work` in the background; on success the job with `jobKey` is removed. */
  run(jobKey: string, work: () => Promise<void>): void {
    const task = work()
      .then(async () => {
        await this.pool.query('select graphile_worker.remove_job($1)', [jobKey]);
      })
      .catch((error: unknown) => {
        this.log.warn({ err: error, jobKey }, 'inline run failed; the job will retry it');
      })
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Waits for the running work (at shutdown, before the pool closes). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

/** Removes a pending job by its key (nothing when there is none); in the caller's transaction. */
export async function cancelJob(executor: QueryExecutorProvider, jobKey: string): Promise<void> {
  await sql`select graphile_worker.remove_job(${jobKey})`.execute(executor);
}

export interface Worker {
  stop(): Promise<void>;
}

/** Runs the job queue in this process until `stop()`, which lets running jobs finish. */
export async function startWorker(options: {
  pool: pg.Pool;
  jobs: JobDefinition[];
  concurrency: number;
  log: Logger;
}): Promise<Worker> {
  const { pool, jobs, concurrency, log } = options;
  const taskList: Record<string, Task> = {};
  for (const job of jobs) {
    taskList[job.name] = async (payload, helpers) => {
      const context: JobContext = {
        log: log.child({ job: job.name, jobId: helpers.job.id }),
        attempt: helpers.job.attempts,
        jobId: helpers.job.id,
      };
      if (!Value.Check(job.payload, payload)) {
        const first = Value.Errors(job.payload, payload).First();
        throw new TypeError(`invalid payload: ${first?.path ?? ''} ${first?.message ?? ''}`);
      }
      await job.handler(payload, context);
    };
  }
  const parsedCronItems = parseCronItems(
    jobs.flatMap((job) =>
      job.cron
        ? [
            {
              task: job.name,
              match: job.cron.pattern,
              options: { backfillPeriod: 3_600_000 },
              payload: job.cron.payload as Record<string, unknown>,
            },
          ]
        : [],
    ),
  );
  const events: WorkerEvents = new EventEmitter();
  const workerIds = new Set<string>();
  events.on('worker:create', ({ worker }) => workerIds.add(worker.workerId));
  events.on('worker:stop', ({ worker }) => workerIds.delete(worker.workerId));
  // The local queue locks the jobs it fetches in the pool's name: the pool beats too.
  events.on('pool:create', ({ workerPool }) => workerIds.add(workerPool.id));
  events.on('pool:release', ({ workerPool }) => workerIds.delete(workerPool.id));
  const runner: Runner = await run({
    pgPool: pool,
    taskList,
    parsedCronItems,
    concurrency,
    noHandleSignals: true,
    pollInterval: 2_000,
    logger: workerLogger(log),
    events,
    preset: {
      worker: {
        // Jobs come in batches (one statement locks up to `concurrency + 1` of them) and
        // completions go in batches too: under load, one round trip per batch instead of two
        // per job. A crash may run a finished job again (at least once, as always). Gathering
        // completions for a few ms more would keep a finished job's row a little after its
        // work is visible, which callers that look for a pending retry would misread.
        localQueue: { size: concurrency + 1 },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
  const liveness = await startLiveness({ pool, workerIds, log });
  return {
    async stop() {
      await liveness.stop();
      // A runner whose pool already stopped on its own answers "already stopped": stopped is
      // what we want either way.
      await runner.stop().catch((error: unknown) => {
        if (!(error instanceof Error && /already stopped/.test(error.message))) throw error;
      });
      await pool.query('delete from worker_heartbeats where worker_id = any($1)', [[...workerIds]]);
    },
  };
}

/** How often workers say they are alive, and how long silence means dead. */
export const HEARTBEAT_MS = 3_000;
export const DEAD_AFTER_SECONDS = 15;

/**
 * Heartbeats for this process's workers, and the sweep that frees jobs locked by workers
 * that stopped beating (a process killed with SIGKILL): without it graphile-worker keeps
 * such jobs locked for 4 hours. A job is freed only when it has been locked longer than
 * DEAD_AFTER_SECONDS by a worker with no heartbeat that recent, so a live worker's long
 * job is never taken from it.
 */
async function startLiveness(options: {
  pool: pg.Pool;
  workerIds: Set<string>;
  log: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const { pool, workerIds, log } = options;
  const utils = await makeWorkerUtils({ pgPool: pool, logger: workerLogger(log) });
  const beat = async () => {
    if (workerIds.size === 0) return;
    await pool.query(
      `insert into worker_heartbeats (worker_id, seen_at) select unnest($1::text[]), now()
       on conflict (worker_id) do update set seen_at = excluded.seen_at`,
      [[...workerIds]],
    );
  };
  const sweep = async () => {
    // graphile-worker's own job table (private, but stable across 0.16–0.17).
    const { rows } = await pool.query<{ lockedBy: string }>(
      `select distinct j.locked_by as "lockedBy" from graphile_worker._private_jobs j
        where j.locked_by is not null
          and j.locked_at < now() - make_interval(secs => $1)
          and not exists (select 1 from worker_heartbeats h
                           where h.worker_id = j.locked_by
                             and h.seen_at > now() - make_interval(secs => $1))`,
      [DEAD_AFTER_SECONDS],
    );
    const dead = rows.map((r) => r.lockedBy).filter((id) => !workerIds.has(id));
    if (dead.length > 0) {
      await utils.forceUnlockWorkers(dead);
      log.warn({ workers: dead }, 'freed the jobs of workers that stopped (killed process?)');
    }
    await pool.query("delete from worker_heartbeats where seen_at < now() - interval '1 hour'");
  };
  let ticks = 0;
  const tick = () => {
    ticks++;
    const work = ticks % 3 === 0 ? beat().then(sweep) : beat();
    work.catch((error: unknown) => log.warn({ err: error }, 'worker liveness check failed'));
  };
  await beat().catch(() => undefined);
  await sweep().catch((error: unknown) => log.warn({ err: error }, 'worker sweep failed'));
  const timer = setInterval(tick, HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await utils.release();
    },
  };
}

function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const child = log.child({ worker: scope.label ?? 'worker' });
    const fields = { ...meta };
    const name: string = level; // graphile's LogLevel is a const enum of these strings
    if (name === 'error') child.error(fields, message);
    else if (name === 'warning') child.warn(fields, message);
    else if (name === 'info') child.debug(fields, message);
    else child.trace(fields, message);
  });
}
