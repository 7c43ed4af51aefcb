import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { sql } from 'kysely';
import pg from 'pg';
import { WebSocket } from 'ws';
import { newVisitorKey, visitorToken } from '../apps/server/src/modules/widget/visitors.js';
import { getWidgetSettings } from '../apps/server/src/modules/widget/widget.service.js';
import { startBareWebSocket, startParley, tokenFor, type BenchDatabase } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

interface Sizes {
  sockets: number;
  active: number;
  agents: number;
  rate: number;
}

const FULL: Sizes = { sockets: 5_000, active: 500, agents: 10, rate: 200 };
const SMOKE: Sizes = { sockets: 50, active: 10, agents: 2, rate: 20 };

const latencyHistogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });

/**
 * Opens a socket and resolves when it is open. `onCreated` runs before it opens, to attach
 * listeners for frames that may arrive in the same read as the upgrade (an agent's `ready`).
 */
function open(
  url: string,
  headers: Record<string, string> = {},
  onCreated: (socket: WebSocket) => void = () => undefined,
): Promise<WebSocket> {
  return new Promise((resolveOpen, reject) => {
    const socket = new WebSocket(url, { headers });
    onCreated(socket);
    socket.once('open', () => resolveOpen(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the first frame `match` accepts. */
function frame<T>(
  socket: WebSocket,
  match: (frame: Record<string, unknown>) => T | undefined,
  what = 'frame',
) {
  return new Promise<T>((resolveFrame, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} in 30 s`)), 30_000);
    const onMessage = (raw: Buffer) => {
      let found: T | undefined;
      try {
        found = match(JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
      } catch (error) {
        clearTimeout(timer);
        socket.off('message', onMessage);
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (found === undefined) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolveFrame(found);
    };
    socket.on('message', onMessage);
  });
}

/** `count` at a time, until all are done. */
async function batched<T>(count: number, size: number, make: (i: number) => Promise<T>) {
  const out: T[] = [];
  for (let i = 0; i < count; i += size) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j)),
      )),
    );
  }
  return out;
}

interface Delivery {
  sent: number;
  received: number;
  lost: number;
  duplicates: number;
  histogram: ReturnType<typeof latencyHistogram>;
  seconds: number;
}

/**
 * Sends `rate` messages a second for `duration` seconds, round robin over `send`ers, and
 * waits (up to 10 s) for the receivers to report each; latency from send to receipt.
 */
async function drive(options: {
  rate: number;
  duration: number;
  senders: number;
  send: (sender: number, id: number, text: string) => void;
  onReceipt: (listener: (text: string) => void) => void;
}): Promise<Delivery> {
  const sentAt = new Map<number, number>();
  // CHAT_TRACE (a file) gets "sent-at-seconds latency-ms" per message, to see when the slow ones happen.
  const trace: string[] = [];
  const seen = new Map<number, number>();
  const histogram = latencyHistogram();
  options.onReceipt((text) => {
    const match = /^bench (\d+)$/.exec(text);
    if (!match) return;
    const id = Number(match[1]);
    const t0 = sentAt.get(id);
    if (t0 === undefined) return;
    const times = (seen.get(id) ?? 0) + 1;
    seen.set(id, times);
    if (times === 1) {
      const latency = performance.now() - t0;
      histogram.recordValue(Math.max(1, Math.round(latency * 1000)));
      trace.push(`${(t0 / 1000).toFixed(3)} ${latency.toFixed(1)}`);
    }
  });
  // The bench's own pauses (its GC) land in the trace too: a slow receipt may be ours.
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (entry.duration >= 10)
        trace.push(`${(entry.startTime / 1000).toFixed(3)} gc ${entry.duration.toFixed(1)}`);
  });
  if (process.env.CHAT_TRACE) gc.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  const total = Math.round(options.rate * options.duration);
  for (let id = 0; id < total; id++) {
    const due = started + (id * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sentAt.set(id, performance.now());
    options.send(id % options.senders, id, `bench ${String(id)}`);
  }
  const deadline = performance.now() + 10_000;
  while (seen.size < total && performance.now() < deadline) await sleep(20);
  gc.disconnect();
  if (process.env.CHAT_TRACE) appendFileSync(process.env.CHAT_TRACE, `${trace.join('\n')}\n---\n`);
  const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  return {
    sent: total,
    received: seen.size,
    lost: total - seen.size,
    duplicates,
    histogram,
    seconds: (performance.now() - started) / 1000,
  };
}

const ms = (h: ReturnType<typeof latencyHistogram>, p: number) =>
  Math.round(h.getValueAtPercentile(p)) / 1000;

async function measureParley(db: BenchDatabase, sizes: Sizes, duration: number) {
  const secret = randomBytes(32).toString('hex');
  const settings = await getWidgetSettings(db.services.db, db.workspaceId);
  const parley = await startParley(db.url, { env: { SECRET_KEY: secret } });
  const sockets: WebSocket[] = [];
  try {
    const ws = parley.url.replace(/^http/, 'ws');
    const rssBefore = parley.rssMb();
    // Every visitor connects and authenticates; the first `active` start a conversation.
    const visitors = await batched(sizes.sockets, 250, async () => {
      const socket = await open(`${ws}/api/v1/widget/realtime`);
      sockets.push(socket);
      socket.send(
        JSON.stringify({
          type: 'auth',
          token: visitorToken(secret, db.workspaceId, newVisitorKey()),
        }),
      );
      await frame(socket, (f) => (f.type === 'ready' ? true : undefined), 'visitor ready');
      return socket;
    });
    process.stderr.write(`  ${String(visitors.length)} widget sockets open\n`);
    const conversations = await batched(sizes.active, 50, async (i) => {
      const socket = visitors[i] as WebSocket;
      const clientMessageId = randomBytes(8).toString('hex');
      socket.send(
        JSON.stringify({
          type: 'send',
          message: { clientMessageId, text: 'Hej! Var är mitt paket?' },
        }),
      );
      return frame(
        socket,
        (f) => {
          if (f.type === 'error') throw new Error(`send refused: ${JSON.stringify(f)}`);
          return f.type === 'ack'
            ? (f.result as { conversationId: string }).conversationId
            : undefined;
        },
        'ack',
      );
    });
    process.stderr.write(`  ${String(conversations.length)} conversations started\n`);
    const rssConnected = parley.rssMb();
    // Agents follow the active conversations, a share each.
    const listeners: ((text: string) => void)[] = [];
    const agentIds = db.agents.slice(0, sizes.agents);
    await Promise.all(
      agentIds.map(async (agentId, a) => {
        let ready: Promise<boolean> = Promise.resolve(false);
        const socket = await open(
          `${ws}/api/v1/realtime`,
          { authorization: `Bearer ${await tokenFor(db, agentId)}` },
          (created) => {
            ready = frame(created, (f) => (f.type === 'ready' ? true : undefined), 'agent ready');
          },
        );
        sockets.push(socket);
        await ready;
        socket.on('message', (raw: Buffer) => {
          const f = JSON.parse(raw.toString('utf8')) as {
            type: string;
            message?: { text: string };
          };
          if (f.type === 'message' && f.message) for (const l of listeners) l(f.message.text);
        });
        const mine = conversations.filter((_, i) => i % agentIds.length === a);
        for (const conversationId of mine) {
          socket.send(JSON.stringify({ type: 'subscribe', conversationId }));
          await frame(
            socket,
            (f) => {
              if (f.type === 'error') throw new Error(`subscribe refused: ${JSON.stringify(f)}`);
              return f.type === 'subscribed' && f.conversationId === conversationId
                ? true
                : undefined;
            },
            'subscribed',
          );
        }
      }),
    );
    // The 500 new conversations' own events (acknowledgement, routing, SLA…) are dispatched
    // before the clock starts: the figure is the steady state, not the setup's backlog.
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      const { rows } = await sql<{ pending: number }>`
        select count(*)::int as pending from outbox_events where dispatched_at is null`.execute(
        db.services.db,
      );
      if ((rows[0]?.pending ?? 0) === 0) break;
      await sleep(200);
    }
    const cpuBefore = parley.cpuSeconds();
    const delivery = await drive({
      rate: sizes.rate,
      duration,
      senders: sizes.active,
      onReceipt: (listener) => listeners.push(listener),
      send: (sender, id, text) =>
        visitors[sender]?.send(
          JSON.stringify({
            type: 'send',
            message: {
              clientMessageId: `bench${String(id).padStart(10, '0')}${randomBytes(4).toString('hex')}`,
              conversationId: conversations[sender],
              text,
            },
          }),
        ),
    });
    return {
      delivery,
      cpuPerMessage: ((parley.cpuSeconds() - cpuBefore) * 1000) / Math.max(1, delivery.sent),
      rss: { before: rssBefore, connected: rssConnected, after: parley.rssMb() },
      publicKey: settings.publicKey,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await parley.stop();
  }
}

async function measureBare(sizes: Sizes, duration: number): Promise<Delivery> {
  const bare = await startBareWebSocket();
  const sockets: WebSocket[] = [];
  try {
    const ws = bare.url.replace(/^http/, 'ws');
    const visitors = await batched(sizes.sockets, 250, async () => {
      const socket = await open(ws);
      sockets.push(socket);
      return socket;
    });
    const agent = await open(ws);
    sockets.push(agent);
    agent.send('{"agent":true}');
    await sleep(100);
    const listeners: ((text: string) => void)[] = [];
    agent.on('message', (raw: Buffer) => {
      for (const l of listeners) l(raw.toString('utf8'));
    });
    return await drive({
      rate: sizes.rate,
      duration,
      senders: sizes.active,
      onReceipt: (listener) => listeners.push(listener),
      send: (sender, _id, text) => visitors[sender]?.send(text),
    });
  } finally {
    for (const socket of sockets) socket.terminate();
    await bare.stop();
  }
}

/**
 * The floor under any durable chat: the same database committing one message-sized row per
 * message, at the same rate and concurrency, each its own transaction (what a message needs
 * before it may be acknowledged and shown). Its p99 is the disk's fsync tail.
 */
async function measureCommits(url: string, sizes: Sizes, duration: number) {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const histogram = latencyHistogram();
  try {
    await pool.query(
      'create table if not exists bench_commit_floor (id bigserial primary key, text text)',
    );
    const total = Math.round(sizes.rate * duration);
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let id = 0; id < total; id++) {
      const due = started + (id * 1000) / sizes.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const t0 = performance.now();
      pending.push(
        pool
          .query('insert into bench_commit_floor (text) values ($1)', [`bench ${String(id)}`])
          .then(() => {
            histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          }),
      );
    }
    await Promise.all(pending);
    await pool.query('drop table bench_commit_floor');
  } finally {
    await pool.end();
  }
  return histogram;
}

const WIDGET = resolve(import.meta.dirname, '../apps/widget/dist/widget.js');
const PREACT = resolve(import.meta.dirname, '../node_modules/preact/dist/preact.min.js');
const gzipKb = (bytes: Buffer | string) => Math.round((gzipSync(bytes).length / 1024) * 10) / 10;

/**
 * Live chat: visitors' widget sockets stay open on one node while the active ones write
 * at a steady rate; each message goes through `ingest()`, the outbox and the bus to the
 * agent following the conversation. Latency from the visitor's send to the agent's
 * receipt, with every message counted (lost, doubled), beside a bare `ws` relay with the
 * same sockets and rate. And the widget's weight on the host page.
 */
export const scenario: Scenario = {
  name: 'chat',
  description:
    'widget → agent delivery with 5,000 open widget sockets (500 active, 200 msg/s), and the widget’s size',
  needsData: true,
  async run(context) {
    // CHAT_SOCKETS / CHAT_ACTIVE / CHAT_RATE change the load (to explore; the table reports them).
    const base = context.smoke ? SMOKE : FULL;
    const sizes: Sizes = {
      sockets: Number(process.env.CHAT_SOCKETS ?? base.sockets),
      active: Number(process.env.CHAT_ACTIVE ?? base.active),
      agents: base.agents,
      rate: Number(process.env.CHAT_RATE ?? base.rate),
    };
    const db = await context.database();
    const bare = await measureBare(sizes, context.duration);
    const commits = await measureCommits(db.url, sizes, context.duration);
    const parley = await measureParley(db, sizes, context.duration);
    const p = parley.delivery;
    const p99 = ms(p.histogram, 99);
    const bareP99 = ms(bare.histogram, 99);
    const commitP99 = ms(commits, 99);
    // What the host page loads before the first interaction: the script and the config.
    const script = readFileSync(WIDGET);
    const config = JSON.stringify({
      title: 'Chat with us',
      color: '#4f46e5',
      greeting: {},
      prechat: { enabled: false, fields: [], required: [] },
      online: true,
    });
    const widgetKb = Math.round((gzipKb(script) + gzipKb(config)) * 10) / 10;
    const preactKb = gzipKb(readFileSync(PREACT));
    return {
      figures: [
        {
          name: `widget → agent p99, ${sizes.sockets.toLocaleString('en')} sockets`,
          unit: 'ms',
          value: p99,
          baseline: { name: 'bare ws relay p99', value: bareP99 },
          ratio: ratio(p99, bareP99),
          target: { text: '≤ 50 ms, 0 lost', met: p99 <= 50 && p.lost === 0 && p.duplicates === 0 },
        },
        {
          name: 'widget → agent p99 beside the database’s own commit p99',
          unit: 'ms',
          value: p99,
          baseline: { name: 'one INSERT per message, same rate, same database', value: commitP99 },
          ratio: ratio(p99, commitP99),
          target: null,
        },
        {
          name: 'widget on the host page (gzip)',
          unit: 'KB',
          value: widgetKb,
          baseline: { name: 'Preact alone', value: preactKb },
          ratio: ratio(widgetKb, preactKb),
          target: { text: '≤ 25 KB', met: widgetKb <= 25 },
        },
      ],
      notes: [
        `Parley: ${String(p.sent)} sent, ${String(p.received)} received, ${String(p.lost)} lost, ${String(p.duplicates)} doubled; p50 ${String(ms(p.histogram, 50))} / p95 ${String(ms(p.histogram, 95))} / p99 ${String(p99)} ms; ${parley.cpuPerMessage.toFixed(2)} ms CPU per message`,
        `database floor: one INSERT + COMMIT per message at ${String(sizes.rate)}/s: p50 ${String(ms(commits, 50))} / p95 ${String(ms(commits, 95))} / p99 ${String(commitP99)} ms`,
        `bare relay: ${String(bare.sent)} sent, ${String(bare.lost)} lost; p50 ${String(ms(bare.histogram, 50))} / p99 ${String(bareP99)} ms`,
        `Parley memory: ${String(parley.rss.before)} MB idle, ${String(parley.rss.connected)} MB with ${String(sizes.sockets)} sockets, ${String(parley.rss.after)} MB after the run`,
      ],
    };
  },
};
