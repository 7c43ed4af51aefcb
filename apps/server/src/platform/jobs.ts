import { Value } from '@sinclair/typebox/value';
import type { Static, TSchema } from '@sinclair/typebox';
import {
  Logger as WorkerLogger,
  parseCronItems,
  run,
  type Runner,
  type Task,
} from 'graphile-worker';
import { sql, type QueryExecutorProvider } from 'kysely';
import type pg from 'pg';
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
  if (!Value.Check(type.payload, payload)) {
    const first = Value.Errors(type.payload, payload).First();
    throw new TypeError(
      `invalid payload for job ${type.name}: ${first?.path ?? ''} ${first?.message ?? ''}`,
    );
  }
  await sql`select graphile_worker.add_job(
      identifier => ${type.name},
      payload => ${JSON.stringify(payload)}::json,
      queue_name => ${options.queueName ?? null},
      run_at => ${options.runAt?.toISOString() ?? null}::timestamptz,
      max_attempts => ${options.maxAttempts ?? type.maxAttempts ?? 25},
      job_key => ${options.jobKey ?? null},
      priority => ${options.priority ?? 0}
    )`.execute(executor);
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
  const runner: Runner = await run({
    pgPool: pool,
    taskList,
    parsedCronItems,
    concurrency,
    noHandleSignals: true,
    pollInterval: 2_000,
    logger: workerLogger(log),
  });
  return {
    async stop() {
      await runner.stop();
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
