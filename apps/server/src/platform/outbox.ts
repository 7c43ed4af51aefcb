import { sql, type Generated, type QueryExecutorProvider } from 'kysely';
import type pg from 'pg';
import type { Broadcaster } from './broadcast.js';
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

export type EventHandler = (event: DomainEvent) => Promise<void>;

/**
 * Records events in the caller's transaction (the transactional outbox): they exist only
 * if the change they describe was committed. NOTIFY wakes the dispatcher on commit.
 */
export async function recordEvents(
  executor: QueryExecutorProvider,
  events: NewEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(
    (e) =>
      sql`(${e.workspaceId}::uuid, ${e.aggregateType}, ${e.aggregateId}, ${e.type}, ${JSON.stringify(e.data ?? {})}::jsonb, ${e.broadcast ?? false})`,
  );
  await sql`
    with inserted as (
      insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type, data, broadcast)
      values ${sql.join(rows)}
      returning 1
    )
    select pg_notify('parley_outbox', '') from inserted limit 1`.execute(executor);
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
 * Delivers committed events to in-process subscribers, at least once and in order per
 * aggregate. One node dispatches at a time (a transaction-scoped advisory lock), so order
 * holds across nodes; broadcast events then reach every node through the Broadcaster.
 * A failing handler delays only its aggregate's later events, retried with backoff.
 */
export class OutboxDispatcher {
  private readonly handlers = new Map<string, { name: string; handle: EventHandler }[]>();
  private listener: pg.PoolClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Not started yet, or stopped: notifications and polls do nothing. */
  private stopped = true;
  /** stop() was called: a drain in progress ends after its current batch. */
  private stopping = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly broadcaster: Broadcaster,
    private readonly log: Logger,
    private readonly options: { pollMs?: number; batchSize?: number } = {},
  ) {}

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

  /** Runs a dispatch pass now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Dispatches until nothing due is left. Resolves when idle; used by tests too. */
  async drain(): Promise<void> {
    try {
      while ((await this.dispatchBatch()) > 0 && !this.stopping) {
        /* keep going while batches are full of work */
      }
    } catch (error) {
      this.log.warn({ err: error }, 'outbox dispatch failed; will retry');
    }
  }

  /** One batch under the dispatch lock; returns how many events were handled. */
  async dispatchBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const lock = await client.query<{ ok: boolean }>(
        "select pg_try_advisory_xact_lock(hashtext('parley_outbox')) as ok",
      );
      if (!lock.rows[0]?.ok) {
        await client.query('rollback');
        return 0;
      }
      const { rows } = await client.query<OutboxRow>(
        // An event waits while an earlier one of its aggregate is still pending (failed and
        // backing off): that is what keeps order per aggregate across batches.
        `select e.id, e.workspace_id, e.aggregate_type, e.aggregate_id, e.type, e.data, e.broadcast, e.created_at, e.attempts
           from outbox_events e
          where e.dispatched_at is null and e.next_attempt_at <= now()
            and not exists (
              select 1 from outbox_events p
               where p.dispatched_at is null
                 and p.workspace_id = e.workspace_id
                 and p.aggregate_type = e.aggregate_type
                 and p.aggregate_id = e.aggregate_id
                 and p.id < e.id
                 and p.next_attempt_at > now())
          order by e.id
          limit $1`,
        [this.options.batchSize ?? 200],
      );
      const done: number[] = [];
      const blocked = new Set<string>();
      const eventOf = (row: OutboxRow): DomainEvent => ({
        id: row.id,
        workspaceId: row.workspace_id,
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
        type: row.type,
        data: row.data,
        createdAt: row.created_at.toISOString(),
      });
      // Realtime first: the batch's broadcast events are published together (in order, on
      // one connection) before any subscriber runs, so a screen never waits for side effects
      // such as jobs or mail. A later failure retries the event, which publishes it again:
      // realtime listeners take an event twice without harm (the hub reads messages by
      // sequence; the app refetches).
      const published = await Promise.all(
        rows.map((row) =>
          row.broadcast
            ? this.broadcaster
                .publish({ type: row.type, workspaceId: row.workspace_id, event: eventOf(row) })
                .then(
                  () => null,
                  (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
                )
            : Promise.resolve(null),
        ),
      );
      for (const [index, row] of rows.entries()) {
        const aggregate = `${row.aggregate_type}:${row.aggregate_id}`;
        if (blocked.has(aggregate)) continue;
        try {
          const publishError = published[index];
          if (publishError) throw publishError;
          await this.deliver(eventOf(row));
          done.push(row.id);
        } catch (error) {
          blocked.add(aggregate);
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
        }
      }
      if (done.length > 0) {
        await client.query('update outbox_events set dispatched_at = now() where id = any($1)', [
          done,
        ]);
      }
      await client.query('commit');
      return rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async deliver(event: DomainEvent): Promise<void> {
    for (const key of [event.type, '*']) {
      for (const { handle } of this.handlers.get(key) ?? []) await handle(event);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
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
}

export interface PlatformTables {
  outboxEvents: OutboxEventsTable;
}
