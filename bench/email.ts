import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTransport } from 'nodemailer';
import { sql } from 'kysely';
import { createMailbox } from '../apps/server/src/modules/email/mailboxes.service.js';
import {
  describeCpu,
  postgresCpuSeconds,
  root,
  startBareSmtp,
  startParley,
  startRawSmtp,
  withCpu,
  type BenchDatabase,
} from './lib/env.js';
import { BODY } from './lib/mail-body.js';
import { forgetTickets } from './lib/raw-ticket.js';
import { ratio, type Scenario } from './lib/scenario.js';

const CONNECTIONS = 8;
const ATTACHMENT = randomBytes(20 * 1024);

/** Each mail's own attachment: different bytes, as most are (the store keeps the same once). */
function attachmentFor(run: string, i: number): Buffer {
  const content = Buffer.from(ATTACHMENT);
  content.write(`${run}:${String(i)}:`, 0, 'latin1');
  return content;
}

const perMail = (seconds: number, mails: number) =>
  mails === 0 ? '—' : ((seconds * 1000) / mails).toFixed(2);

/** Sends as many mails as it can in `duration` seconds over 8 pooled connections. */
async function blast(options: {
  port: number;
  to: string;
  duration: number;
  run: string;
}): Promise<{ sent: number; errors: number; seconds: number }> {
  let sent = 0;
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.duration * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const transport = createTransport({
        host: '127.0.0.1',
        port: options.port,
        ignoreTLS: true,
        pool: true,
        maxConnections: 1,
        maxMessages: Infinity,
      });
      try {
        while (performance.now() < deadline) {
          const i = next++;
          try {
            await transport.sendMail({
              from: `customer${String(i % 500)}@bench.example.com`,
              to: options.to,
              subject: `Zamówienie ${String(i)}`,
              text: BODY,
              attachments: [{ filename: 'faktura.pdf', content: attachmentFor(options.run, i) }],
              messageId: `<bench-${options.run}-${String(i)}@bench.example.com>`,
            });
            sent++;
          } catch {
            errors++;
          }
        }
      } finally {
        transport.close();
      }
    }),
  );
  return { sent, errors, seconds: (performance.now() - started) / 1000 };
}

/** Whether a job is due (or running) or an event undelivered: the pipeline is at work. */
async function busy(db: BenchDatabase): Promise<boolean> {
  const { rows } = await sql<{ busy: boolean }>`
    select exists (select 1 from graphile_worker.jobs where run_at <= now() + interval '1 minute'
                     and attempts < max_attempts)
        or exists (select 1 from outbox_events where dispatched_at is null) as busy`.execute(
    db.services.db,
  );
  return rows[0]?.busy ?? false;
}

/** How much an earlier run (or scenario) left to do: jobs due and events undelivered. */
async function remaining(db: BenchDatabase): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select ((select count(*) from graphile_worker.jobs where run_at <= now() + interval '1 minute'
               and attempts < max_attempts)
          + (select count(*) from outbox_events where dispatched_at is null))::int as n`.execute(
    db.services.db,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Waits until what an earlier run left is done (`create` leaves its tickets' routing and SLA
 * jobs to a worker): as long as it takes while the work goes down, at most a minute without.
 */
async function settle(db: BenchDatabase): Promise<void> {
  let left = await remaining(db);
  let progressAt = performance.now();
  while (left > 0) {
    if (performance.now() - progressAt > 60_000)
      throw new Error(`work left by an earlier run is stuck: ${String(left)} jobs and events`);
    await sleep(1_000);
    const now = await remaining(db);
    if (now < left) progressAt = performance.now();
    left = now;
  }
}

async function benchMailbox(db: BenchDatabase): Promise<{ address: string; mailboxId: string }> {
  const address = 'support@bench.localhost';
  const find = () =>
    db.services.db
      .selectFrom('mailboxAddresses')
      .select('mailboxId')
      .where('address', '=', address)
      .executeTakeFirst();
  let existing = await find();
  if (!existing) {
    await createMailbox({
      db: db.services.db,
      secretKey: 'bench',
      actor: { workspaceId: db.workspaceId, userId: null },
      body: { name: 'Bench', address },
    });
    existing = await find();
  }
  if (!existing) throw new Error(`no mailbox for ${address}`);
  return { address, mailboxId: existing.mailboxId };
}

/**
 * Mail from SMTP DATA to a stored conversation: 8 connections send for the run's duration
 * (5 KB body, one 20 KB attachment), and the clock stops when Parley's worker has turned the
 * last of them into a conversation message. Beside a bare `smtp-server` that only accepts.
 */
export const scenario: Scenario = {
  name: 'email',
  description: 'SMTP DATA → stored conversation, 8 connections, 5 KB body + 20 KB attachment',
  needsData: true,
  async run(context) {
    const db = await context.database();
    const { address: to, mailboxId } = await benchMailbox(db);
    const run = randomBytes(4).toString('hex');

    const bare = await startBareSmtp();
    const baseline = await blast({
      port: Number(new URL(bare.url).port),
      to,
      duration: context.duration,
      run: `${run}-bare`,
    }).finally(() => bare.stop());

    // The floor: the raw bytes kept and a new ticket's rows written by hand before 250.
    const blobDir = resolve(root, 'data/bench-files/floor');
    const raw = await startRawSmtp({
      databaseUrl: db.url,
      workspaceId: db.workspaceId,
      mailboxId,
      blobDir,
      run,
    });
    const { result: floor, cpu: floorCpu } = await withCpu(async () => {
      const sent = await blast({
        port: Number(new URL(raw.url).port),
        to,
        duration: context.duration,
        run: `${run}-floor`,
      });
      return { ...sent, count: sent.sent };
    }, raw).finally(() => raw.stop());
    await rm(blobDir, { recursive: true, force: true });
    // Its tickets would otherwise be routed and acknowledged while Parley settles.
    await forgetTickets(db.services.db, db.workspaceId, [`floor-${run}-%`]);

    // Acknowledgements really go out: to an accept-only smtp-server as the relay.
    const relay = await startBareSmtp();
    const parley = await startParley(db.url, {
      worker: true,
      env: { SMTP_RELAY_URL: `smtp://127.0.0.1:${new URL(relay.url).port}` },
    });
    let result = { sent: 0, errors: 0, seconds: 0 };
    let stored = 0;
    let acknowledged = 0;
    let acknowledgedSeconds = 0;
    let cpu: { parley: number; postgres: number | null } = { parley: 0, postgres: null };
    try {
      // Work an earlier run left (jobs, events) is done before the clock starts.
      await settle(db);
      const port = Number(/SMTP\s+(\d+)/.exec(parley.banner)?.[1]);
      const started = performance.now();
      const cpuBefore = { parley: parley.cpuSeconds(), postgres: postgresCpuSeconds() };
      const sentStats = await blast({ port, to, duration: context.duration, run });
      // The clock runs until the last one is stored, then until nothing is left to do (the
      // whole pipeline: routing, SLA, acknowledgement, sending). The polls are index look-ups,
      // so the bench's own questions cost PostgreSQL next to nothing; the run's mails are
      // counted once, at the end.
      const deadline = performance.now() + 180_000;
      for (;;) {
        const { rows } = await sql<{ pending: number }>`
          select count(*)::int as pending from inbound_emails
           where workspace_id = ${db.workspaceId} and status = 'received'`.execute(db.services.db);
        if ((rows[0]?.pending ?? 0) === 0 || performance.now() > deadline) break;
        await sleep(50);
      }
      result = { ...sentStats, seconds: (performance.now() - started) / 1000 };
      while ((await busy(db)) && performance.now() < deadline) await sleep(100);
      acknowledgedSeconds = (performance.now() - started) / 1000;
      const postgresAfter = postgresCpuSeconds();
      cpu = {
        parley: parley.cpuSeconds() - cpuBefore.parley,
        postgres:
          postgresAfter === null || cpuBefore.postgres === null
            ? null
            : postgresAfter - cpuBefore.postgres,
      };
      const { rows } = await sql<{ done: number; acked: number }>`
        select count(*) filter (where e.status <> 'received')::int as done,
               count(*) filter (where exists (
                 select 1 from messages m
                  where m.workspace_id = e.workspace_id and m.conversation_id = e.conversation_id
                    and m.kind = 'outbound' and m.delivery_status = 'sent'))::int as acked
          from inbound_emails e where e.message_id like ${`bench-${run}-%`}`.execute(
        db.services.db,
      );
      stored = rows[0]?.done ?? 0;
      acknowledged = rows[0]?.acked ?? 0;
    } finally {
      await parley.stop();
      await relay.stop();
    }
    const throughput = Math.round((stored / result.seconds) * 10) / 10;
    const ackThroughput = Math.round((acknowledged / acknowledgedSeconds) * 10) / 10;
    const bareThroughput = Math.round((baseline.sent / baseline.seconds) * 10) / 10;
    const floorThroughput = Math.round((floor.sent / floor.seconds) * 10) / 10;
    return {
      figures: [
        {
          name: 'mail stored as conversations',
          unit: 'msg/s',
          value: throughput,
          baseline: { name: 'bare smtp-server, accept only', value: bareThroughput },
          ratio: ratio(throughput, bareThroughput),
          target: { text: '≥ 500/s', met: throughput >= 500 },
        },
        {
          name: 'floor: mail kept + ticket rows by hand (no parsing)',
          unit: 'msg/s',
          value: floorThroughput,
          baseline: { name: 'bare smtp-server, accept only', value: bareThroughput },
          ratio: ratio(floorThroughput, bareThroughput),
          target: null,
        },
        {
          name: 'mail acknowledged (acknowledgement sent)',
          unit: 'msg/s',
          value: ackThroughput,
          baseline: { name: 'mail stored as conversations', value: throughput },
          ratio: ratio(ackThroughput, throughput),
          target: null,
        },
      ],
      notes: [
        // CPU per mail does not depend on what else the machine is doing: compare runs with it.
        `CPU per mail: Parley ${perMail(cpu.parley, stored)} ms` +
          (cpu.postgres === null ? '' : `, PostgreSQL ${perMail(cpu.postgres, stored)} ms`) +
          ' (everything it caused until its acknowledgement was sent: filing, parsing, the' +
          ' conversation, routing, SLA, the acknowledgement and its delivery)',
        `the floor's CPU per mail, ms: ${describeCpu(floorCpu, 'server')} (client: the sending side, in the bench)`,
        `${String(CONNECTIONS)} connections; ${String(result.sent)} accepted (${String(result.errors)} errors), ${String(stored)} stored in ${result.seconds.toFixed(1)} s, ${String(acknowledged)} acknowledgements sent after ${acknowledgedSeconds.toFixed(1)} s; bare: ${String(baseline.sent)} in ${baseline.seconds.toFixed(1)} s; floor: ${String(floor.sent)} in ${floor.seconds.toFixed(1)} s (${String(floor.errors)} errors), stored at ${String(ratio(throughput, floorThroughput))}× the floor`,
      ],
    };
  },
};
