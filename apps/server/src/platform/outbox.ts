import { sql, type Generated, type QueryExecutorProvider, type RawBuilder } from 'kysely';
import type pg from 'pg';
import type { Broadcaster } from './broadcast.js';
import { prepared, simpleBatch } from './db.js';
import type { Static, TSchema } from '@sinclair/typebox';
import {
  addJobsStatement,
  conditionalJobStatement,
  jobSpec,
  sqlInteger as int,
  type EnqueueOptions,
  type JobSpec,
  type JobType,
} from './jobs.js';
import type { Logger } from './logger.js';

/** A domain event as subscribers receive it. */
export interface DomainEvent<T = unknown> {
  id: number;
  workspaceId: string;
  aggregateType: string;
  aggregateId: string;
  type: string;
  data: T;
  createdAt: string;
}

export interface NewEvent {
  workspaceId: string;
  aggregateType: string;
  aggregateId: string;
  type: string;
  data?: unknown;
  /** Also publish to every node's realtime listeners (through Redis when configured). */
  broadcast?: boolean;
}

/** What a handler may do inside the subscriber lane's transaction. */
export interface DeliveryContext {
  /**
   * Queues a job that is added in the lane's transaction with this event's `dispatched`
   * mark: it exists exactly when the event counts as delivered (a handler that fails, or a
   * crash before the commit, adds nothing, and the event comes again). One statement adds the
   * jobs of a whole batch; of several with one job key, the last wins, as `enqueue` would.
   */
  enqueue<P extends TSchema>(type: JobType<P>, payload: Static<P>, options?: EnqueueOptions): void;
  /**
   * Like `enqueue`, but the job is added only where `condition` holds when the lane commits:
   * SQL text whose values are quoted with `sqlLiteral` (it goes with the commit, in one
   * round trip, so it carries no parameters). For a job that is usually not needed, without
   * a round trip of its own to find out.
   */
  enqueueWhere<P extends TSchema>(
    condition: string,
    type: JobType<P>,
    payload: Static<P>,
    options?: EnqueueOptions,
  ): void;
}

export type EventHandler = (event: DomainEvent, context: DeliveryContext) => Promise<void> | void;

/** Events of different aggregates a subscriber batch delivers at once (each in order). */
const DELIVERY_CONCURRENCY = 8;

/**
 * Records events in the caller's transaction (the transactional outbox): they exist only
 * if the change they describe was committed. NOTIFY wakes the dispatcher on commit.
 */
export async function recordEvents(
  executor: QueryExecutorProvider,
  events: NewEvent[],
): Promise<void> {
  if (events.length === 0) return;
  // Columns as arrays: one statement text for any number of events, kept prepared.
  await prepared(sql`
    with inserted as (${insertEventsSql(events)})
    select pg_notify('parley_outbox', '') from inserted limit 1`).execute(executor);
}

/**
 * The insert of `events` (`returning 1`), for a statement that writes other rows too: put it
 * in a CTE and select `pg_notify('parley_outbox', '')` from it (limit 1), as `recordEvents`
 * does. One text for any number of events (columns as arrays).
 */
export function insertEventsSql(events: NewEvent[]): RawBuilder<unknown> {
  return sql`
      insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type, data, broadcast)
      select * from unnest(
        ${events.map((e) => e.workspaceId)}::uuid[], ${events.map((e) => e.aggregateType)}::text[],
        ${events.map((e) => e.aggregateId)}::text[], ${events.map((e) => e.type)}::text[],
        ${events.map((e) => JSON.stringify(e.data ?? {}))}::jsonb[],
        ${events.map((e) => e.broadcast ?? false)}::boolean[])
      returning 1`;
}

export function recordEvent(executor: QueryExecutorProvider, event: NewEvent): Promise<void> {
  return recordEvents(executor, [event]);
}

interface OutboxRow {
  id: number;
  workspace_id: string;
  aggregate_type: string;
  aggregate_id: string;
  type: string;
  data: unknown;
  broadcast: boolean;
  created_at: Date;
  attempts: number;
}

/**
 * A lane's transaction writes only its own marks (published, dispatched, attempts): losing
 * the last of them in a crash means events go out again, which at-least-once allows. So it
 * commits without waiting for the WAL flush: an fsync stall on the disk then delays the
 * change that caused an event, never the lane behind it. (Subscribers write in their own,
 * durable transactions.) One round trip: a simple query may hold two statements.
 */
const LANE_BEGIN = ['begin', 'set local synchronous_commit = off'];

/**
 * A lane's lock, tried in a statement of its own before the statement that reads the lane's
 * rows, which tests `LANE_HELD`. Both in one statement raced: its snapshot is taken before
 * the lock is tried, so when the node that held the lock committed in between, the lock
 * was free but the snapshot still showed that node's batch as waiting, and it went out
 * twice. A later statement's snapshot sees every commit made before the lock was granted.
 */
const laneBegin = (lock: string) => [
  ...LANE_BEGIN,
  `select set_config('parley.lane_held', pg_try_advisory_xact_lock(hashtext('${lock}'))::text, true)`,
];
const LANE_HELD = `current_setting('parley.lane_held', true) = 'true'`;

/** `simpleBatch`, returning one statement's rows (the last one's by default). */
async function batchRows<R extends object>(
  client: pg.PoolClient,
  statements: string[],
  rowsOf = statements.length - 1,
): Promise<R[]> {
  return ((await simpleBatch(client, statements))[rowsOf] ?? []) as R[];
}

/**
 * One lane of the dispatcher: passes run one at a time; a kick during a pass runs one more
 * right after it.
 */
class Lane {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    /** One batch; returns how many events it handled (0: nothing left, or another node has it). */
    private readonly batch: () => Promise<number>,
    /** A batch this full may have left work behind; a shorter one took all there was. */
    private readonly batchSize: number,
    private readonly isStopping: () => boolean,
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.isStopping()) {
        this.again = false;
        this.kick();
      }
    });
  }

  /**
   * Runs batches until nothing due is left. A batch shorter than the batch size took all
   * there was when it ran, so no empty batch is run to find that out (a round trip per
   * pass): what commits later notifies, and its kick runs the next pass.
   */
  async drain(): Promise<void> {
    try {
      while ((await this.batch()) >= this.batchSize && !this.isStopping()) {
        /* keep going while batches are full of work */
      }
    } catch (error) {
      this.log.warn({ err: error }, `outbox ${this.what} failed; will retry`);
    }
  }

  /** The pass in progress, if any. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/**
 * Delivers committed events, at least once, in two lanes that never wait for each other:
 * - **broadcast**: events marked `broadcast` go to every node's realtime listeners through
 *   the Broadcaster, in id order, as soon as they commit (`published_at`);
 * - **subscribers**: every event goes to the in-process subscribers, in order per aggregate
 *   (`dispatched_at`); a failing handler delays only its aggregate's later events, retried
 *   with backoff.
 * One node runs each lane at a time (a transaction-scoped advisory lock per lane), which
 * keeps the order across nodes. So a screen never waits for another event's side effects
 * (jobs, mail, routing): the chat's latency is the broadcast lane's alone.
 */
export class OutboxDispatcher {
  private readonly handlers = new Map<string, { name: string; handle: EventHandler }[]>();
  private listener: pg.PoolClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Not started yet, or stopped: notifications and polls do nothing. */
  private stopped = true;
  /** stop() was called: a drain in progress ends after its current batch. */
  private stopping = false;
  private readonly broadcastLane: Lane;
  private get batchSize(): number {
    return this.options.batchSize ?? 200;
  }
  private readonly subscriberLane: Lane;

  constructor(
    private readonly pool: pg.Pool,
    private readonly broadcaster: Broadcaster,
    private readonly log: Logger,
    private readonly options: { pollMs?: number; batchSize?: number } = {},
  ) {
    const stopping = () => this.stopping;
    const size = this.batchSize;
    this.broadcastLane = new Lane(() => this.publishBatch(), size, stopping, log, 'broadcast');
    this.subscriberLane = new Lane(() => this.dispatchBatch(), size, stopping, log, 'dispatch');
  }

  /** `type` is an event name or `*` for all. Handlers should be quick: slow work belongs in a job. */
  subscribe(type: string, name: string, handle: EventHandler): void {
    const list = this.handlers.get(type) ?? [];
    list.push({ name, handle });
    this.handlers.set(type, list);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.stopping = false;
    const client = await this.pool.connect();
    this.listener = client;
    client.on('notification', () => this.kick());
    client.on('error', (error) => {
      // Only while it is our listener: after stop() released it (or an earlier error did),
      // the pool owns it, and releasing it again would throw out of this event handler —
      // which is how PostgreSQL stopping right after us crashed the shutdown.
      if (this.listener !== client) return;
      this.log.warn({ err: error }, 'outbox listener connection lost; polling until it returns');
      this.listener = null;
      client.release(error);
      this.reconnectListener();
    });
    await client.query('listen parley_outbox');
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    this.kick();
  }

  private reconnectListener(): void {
    if (this.stopped) return;
    setTimeout(() => {
      if (this.stopped) return;
      this.start().catch(() => this.reconnectListener());
    }, 1_000).unref();
  }

  /** Runs a pass of each lane now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    this.broadcastLane.kick();
    this.subscriberLane.kick();
  }

  /** Publishes and dispatches until nothing due is left. Resolves when idle; used by tests too. */
  async drain(): Promise<void> {
    await Promise.all([this.broadcastLane.drain(), this.subscriberLane.drain()]);
  }

  private eventOf(row: OutboxRow): DomainEvent {
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      aggregateType: row.aggregate_type,
      aggregateId: row.aggregate_id,
      type: row.type,
      data: row.data,
      createdAt: row.created_at.toISOString(),
    };
  }

  /**
   * One batch of the broadcast lane: marks the oldest unpublished broadcast events published
   * and publishes them in id order before committing; a failed publish rolls the mark back
   * and the whole batch goes again, in order. Realtime listeners take an event twice without harm (the hub reads
   * messages by sequence; the app refetches). Returns how many were published.
   */
  async publishBatch(): Promise<number> {
    const client = await this.pool.connect();
    const begin = laneBegin('parley_outbox_broadcast');
    const mark = `update outbox_events set published_at = now()
          where id in (select id from outbox_events
                        where broadcast and published_at is null and ${LANE_HELD}
                        order by id limit ${int(this.batchSize)})
         returning id, workspace_id, aggregate_type, aggregate_id, type, data, broadcast, created_at, attempts`;
    const publishInOrder = (rows: OutboxRow[]) =>
      // In order, on one connection: the bus keeps the order it was given.
      Promise.all(
        rows
          .sort((a, b) => a.id - b.id)
          .map((row) =>
            this.broadcaster.publish({
              type: row.type,
              workspaceId: row.workspace_id,
              event: this.eventOf(row),
            }),
          ),
      );
    try {
      if (this.broadcaster.inProcess) {
        // Listeners in this process only: a publish cannot fail on the way and no other node
        // listens, so the batch is marked and committed in one round trip, then published.
        const rows = await batchRows<OutboxRow>(client, [...begin, mark, 'commit'], begin.length);
        await publishInOrder(rows);
        return rows.length;
      }
      // Begin, take the lane's lock and mark the batch: one round trip.
      const rows = await batchRows<OutboxRow>(client, [...begin, mark]);
      await publishInOrder(rows);
      await client.query('commit');
      return rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** One batch of the subscriber lane under its lock; returns how many events were handled. */
  async dispatchBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      // Begin, the lane's lock and its batch in one round trip: no rows when another node
      // holds the lock (or nothing is due). An event waits while an earlier one of its
      // aggregate failed and is backing off: that keeps order per aggregate. Those failed
      // ones are few (`outbox_failing_idx` holds them alone) and read once per batch, so a
      // batch costs the same however long the backlog behind it.
      const rows = await batchRows<OutboxRow>(client, [
        ...laneBegin('parley_outbox'),
        `with failing as materialized (
           select workspace_id, aggregate_type, aggregate_id, min(id) as first_id
             from outbox_events
            where dispatched_at is null and attempts > 0 and next_attempt_at > now()
            group by workspace_id, aggregate_type, aggregate_id)
         select e.id, e.workspace_id, e.aggregate_type, e.aggregate_id, e.type, e.data, e.broadcast, e.created_at, e.attempts
           from outbox_events e
          where ${LANE_HELD}
            and e.dispatched_at is null and e.next_attempt_at <= now()
            and not exists (
              select 1 from failing f
               where f.workspace_id = e.workspace_id
                 and f.aggregate_type = e.aggregate_type
                 and f.aggregate_id = e.aggregate_id
                 and f.first_id < e.id)
          order by e.id
          limit ${int(this.batchSize)}`,
      ]);
      if (rows.length === 0) {
        await client.query('rollback');
        return 0;
      }
      // Each aggregate's events in order; different aggregates side by side, so a batch takes
      // as long as its slowest aggregate, not as long as all its handlers' round trips.
      const byAggregate = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        const aggregate = `${row.workspace_id}:${row.aggregate_type}:${row.aggregate_id}`;
        const list = byAggregate.get(aggregate);
        if (list) list.push(row);
        else byAggregate.set(aggregate, [row]);
      }
      const done: number[] = [];
      const jobs: JobSpec[] = [];
      const conditionalJobs: string[] = [];
      const deliverInOrder = async (events: OutboxRow[]) => {
        for (const row of events) {
          const queued: JobSpec[] = [];
          const conditional: string[] = [];
          try {
            await this.deliver(this.eventOf(row), {
              enqueue: (type, payload, options) => queued.push(jobSpec(type, payload, options)),
              enqueueWhere: (condition, type, payload, options) =>
                conditional.push(
                  conditionalJobStatement(jobSpec(type, payload, options), condition),
                ),
            });
          } catch (error) {
            // Its later events wait: they go after this one is retried.
            const delaySeconds = Math.min(2 ** row.attempts, 3600);
            this.log.warn(
              { err: error, eventId: row.id, type: row.type },
              'event handler failed; retrying later',
            );
            await client.query(
              `update outbox_events
                  set attempts = attempts + 1, last_error = $2,
                      next_attempt_at = now() + make_interval(secs => $3)
                where id = $1`,
              [row.id, String(error).slice(0, 2000), delaySeconds],
            );
            return;
          }
          done.push(row.id);
          jobs.push(...queued);
          conditionalJobs.push(...conditional);
        }
      };
      const groups = [...byAggregate.values()];
      await Promise.all(
        Array.from({ length: Math.min(DELIVERY_CONCURRENCY, groups.length) }, async () => {
          for (let group = groups.shift(); group; group = groups.shift())
            await deliverInOrder(group);
        }),
      );
      // The handlers' jobs, the marks and the commit: one round trip.
      await simpleBatch(client, [
        ...conditionalJobs,
        ...(jobs.length > 0 ? [addJobsStatement(jobs)] : []),
        ...(done.length > 0
          ? [
              `update outbox_events set dispatched_at = now()
                where id = any(array[${done.map(int).join(',')}]::bigint[])`,
            ]
          : []),
        'commit',
      ]);
      return rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async deliver(event: DomainEvent, context: DeliveryContext): Promise<void> {
    for (const key of [event.type, '*']) {
      for (const { handle } of this.handlers.get(key) ?? []) await handle(event, context);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.broadcastLane.idle(), this.subscriberLane.idle()]);
    if (this.listener) {
      const client = this.listener;
      this.listener = null;
      await client.query('unlisten parley_outbox').catch(() => undefined);
      client.release();
    }
  }
}

/** The outbox table as Kysely sees it (the platform's own table). */
export interface OutboxEventsTable {
  workspaceId: string;
  id: Generated<number>;
  aggregateType: string;
  aggregateId: string;
  type: string;
  data: unknown;
  broadcast: boolean;
  createdAt: Generated<Date>;
  dispatchedAt: Date | null;
  attempts: Generated<number>;
  nextAttemptAt: Generated<Date>;
  lastError: string | null;
  publishedAt: Date | null;
}

export interface PlatformTables {
  outboxEvents: OutboxEventsTable;
}
