import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AssignmentStrategy, Schedule } from '@parley/contract';
import { sql } from 'kysely';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { eligibleAgents } from '../apps/server/src/modules/availability/eligible.js';
import { isAvailable } from '../apps/server/src/modules/availability/schedule.js';
import { ingest } from '../apps/server/src/modules/conversations/ingest.js';
import { chooseAgent, type Candidate } from '../apps/server/src/modules/routing/decide.js';
import { routeConversation } from '../apps/server/src/modules/routing/route.js';
import {
  createWorkspace,
  insertUser,
} from '../apps/server/src/modules/workspaces/workspaces.service.js';
import { loadConfig } from '../apps/server/src/platform/config.js';
import { openRuntime } from '../apps/server/src/runtime.js';
import { emptyDatabase, log } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

/**
 * A simulated day of routing for 2,000 agents, run on the engine's own decision code.
 *
 * The split (docs/architecture.md, "Routing bench"): in production `eligibleAgents` (one SQL
 * statement) keeps the members who are available, hold every required skill and are under
 * their limit after this conversation, and `decide.ts` orders them. Here the same filter runs
 * in memory — availability from `isAvailable` (schedule.ts, which a test holds equal to the
 * SQL's `availableSql`, DST included), evaluated per agent for each 15 minutes of the day
 * before the clock starts, the way the database's indexes hold it; skills ⊇ required; load
 * + 1 ≤ limit — and `chooseAgent` (decide.ts, the first of `orderCandidates`, which the
 * engine uses) picks. Timed: the filter and the pick, per decision.
 *
 * The day: 20 teams of 100 agents in six time zones, three local shifts plus a night shift
 * crossing midnight, language and product skills with levels 1–5 and a `vip` tier skill
 * some hold, limits per channel that differ by team and agent (chat 2–4, email 4–8),
 * arrivals on each team's local day with peaks at 10:00 and 15:00, handling times spread
 * (log-normal), a fifth of the agents resolving 3× faster, 3% absent all day and 4% absent
 * 11:00–15:00 local (their open work is handed back to the queue when it starts). Queues
 * drain most urgent then oldest whenever capacity frees (a resolve, a shift start, an
 * absence end).
 *
 * The same day runs three times: with the engine (fairness count first), with the engine's
 * order before fairness (load only: the baseline for balance and waits), and with "first
 * eligible agent" (the baseline for decision speed: the filter alone).
 */

type Mode = 'engine' | 'load_only' | 'first_eligible';

interface Agent {
  id: string;
  team: number;
  skills: Map<string, number>;
  limits: Record<'chat' | 'email', number>;
  fast: boolean;
  /** Availability per 15-minute slot of the day (precomputed with `isAvailable`). */
  slots: Uint8Array;
  absence: { startsAt: number; endsAt: number } | null;
  cohort: string;
}

interface Conv {
  id: number;
  team: number;
  channel: 'chat' | 'email';
  rank: number;
  required: string[];
  arrivedAt: number;
  handleMinutes: number;
}

const DAY_START = Date.UTC(2026, 10, 25); // a Wednesday
const MINUTE = 60_000;
const SLOT = 15 * MINUTE;
const SLOTS = 96;
const zones = [
  'Europe/Warsaw',
  'Europe/Stockholm',
  'Asia/Tehran',
  'Asia/Shanghai',
  'America/New_York',
  'UTC',
];
const languages = ['en', 'en', 'en', 'pl', 'sv', 'fa', 'zh', 'en', 'de', 'en'];
const products = ['billing', 'technical', 'accounts', 'shipping'];
const strategies: Exclude<AssignmentStrategy, 'manual'>[] = [
  'least_loaded',
  'least_loaded',
  'least_loaded',
  'skills_best_match',
  'least_loaded',
];

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hour of day (fractional) on the zone's wall clock. */
function localHour(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') + get('minute') / 60;
}

const shifts = [
  { from: '06:00', to: '14:00' },
  { from: '09:00', to: '17:00' },
  { from: '13:00', to: '21:00' },
  { from: '21:00', to: '06:00' }, // crosses midnight
];

interface World {
  agents: Agent[];
  teams: { strategy: Exclude<AssignmentStrategy, 'manual'>; members: number[]; zone: string }[];
  arrivals: Conv[];
}

export function buildWorld(agentCount: number, conversationsPerAgent: number, seed = 42): World {
  const random = rng(seed);
  const teamCount = Math.max(2, Math.round(agentCount / 100));
  const teams = Array.from({ length: teamCount }, (_, t) => ({
    strategy: strategies[t % strategies.length] ?? 'least_loaded',
    members: [] as number[],
    zone: zones[t % zones.length] ?? 'UTC',
    language: languages[t % languages.length] ?? 'en',
    product: products[t % products.length] ?? 'billing',
    limits: { chat: 2 + (t % 3), email: 4 + (t % 5) },
  }));
  const agents: Agent[] = [];
  for (let i = 0; i < agentCount; i++) {
    const t = i % teamCount;
    const team = teams[t];
    if (!team) continue;
    const shift = random() < 0.1 ? 3 : Math.floor(random() * 3);
    const weekly = { from: shifts[shift]?.from ?? '09:00', to: shifts[shift]?.to ?? '17:00' };
    const schedule: Schedule = {
      timeZone: team.zone,
      weeklyHours: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [weekly]]),
      ),
    };
    const vip = random() < 0.4;
    const skills = new Map<string, number>([
      [`language:${team.language}`, 1 + Math.floor(random() * 5)],
      [`product:${team.product}`, 1 + Math.floor(random() * 5)],
    ]);
    if (vip) skills.set('tier:vip', 1 + Math.floor(random() * 5));
    // A fifth of agents have their own, higher or lower, limits.
    const own = random() < 0.2;
    const limits = own
      ? { chat: team.limits.chat + (random() < 0.5 ? -1 : 1), email: team.limits.email + 2 }
      : team.limits;
    const away = random();
    let absence: Agent['absence'] = null;
    if (away < 0.03)
      absence = { startsAt: DAY_START - 86_400_000, endsAt: DAY_START + 2 * 86_400_000 };
    else if (away < 0.07) {
      // 11:00–15:00 on the team's wall clock.
      const offset = (localHour(team.zone, DAY_START) * 60) % 1440; // local minutes at 00:00Z
      const start = DAY_START + ((11 * 60 - offset + 1440) % 1440) * MINUTE;
      absence = { startsAt: start, endsAt: start + 4 * 60 * MINUTE };
    }
    const absences = absence
      ? [{ startsAt: new Date(absence.startsAt), endsAt: new Date(absence.endsAt) }]
      : [];
    const slots = new Uint8Array(SLOTS);
    for (let s = 0; s < SLOTS; s++)
      slots[s] = isAvailable(
        { presence: 'online', schedule, absences },
        new Date(DAY_START + s * SLOT + 1),
      )
        ? 1
        : 0;
    const fast = random() < 0.2;
    agents.push({
      id: `agent-${String(i).padStart(5, '0')}`,
      team: t,
      skills,
      limits,
      fast,
      slots,
      absence,
      // Agents eligible for the same conversations at the same times: fairness compares these.
      cohort: `${t}|${shift}|${vip}|${limits.chat}/${limits.email}|${absence ? 'absent' : ''}`,
    });
    team.members.push(agents.length - 1);
  }

  // Arrivals: each team's local day, peaks at 10:00 and 15:00, quiet at night.
  const profile = (hour: number) =>
    0.15 +
    (hour >= 7 && hour < 20 ? 1 : 0) +
    2 * Math.exp(-((hour - 10) ** 2) / 2) +
    1.6 * Math.exp(-((hour - 15) ** 2) / 2);
  const arrivals: Conv[] = [];
  const perTeam = (conversationsPerAgent * agentCount) / teamCount;
  teams.forEach((team, t) => {
    const weights: number[] = [];
    for (let m = 0; m < 1440; m++)
      weights.push(profile(localHour(team.zone, DAY_START + m * MINUTE)));
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, m) => {
      const expected = (perTeam * w) / total;
      let n = Math.floor(expected) + (random() < expected % 1 ? 1 : 0);
      while (n-- > 0) {
        const chat = random() < 0.3;
        const p = random();
        const rank = p < 0.05 ? 0 : p < 0.2 ? 1 : p < 0.8 ? 2 : 3;
        const required = [`language:${team.language}`, `product:${team.product}`];
        if (random() < 0.15) required.push('tier:vip');
        // Log-normal: chats ~12 min, emails ~60 min median, a long tail.
        const median = chat ? 12 : 60;
        const gauss = Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
        arrivals.push({
          id: arrivals.length,
          team: t,
          channel: chat ? 'chat' : 'email',
          rank,
          required,
          arrivedAt: DAY_START + m * MINUTE + Math.floor(random() * MINUTE),
          handleMinutes: Math.max(1, median * Math.exp(0.6 * gauss)),
        });
      }
    });
  });
  arrivals.sort((a, b) => a.arrivedAt - b.arrivedAt || a.id - b.id);
  arrivals.forEach((c, i) => (c.id = i)); // ids index the arrays
  return { agents, teams, arrivals };
}

/** A binary heap of timed events. */
class Events<T> {
  private heap: { at: number; seq: number; value: T }[] = [];
  private seq = 0;
  push(at: number, value: T) {
    const h = this.heap;
    h.push({ at, seq: this.seq++, value });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const a = h[i];
      const b = h[p];
      if (!a || !b || b.at < a.at || (b.at === a.at && b.seq < a.seq)) break;
      h[i] = b;
      h[p] = a;
      i = p;
    }
  }
  pop(): { at: number; value: T } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (!top || !last || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      const less = (x: number, y: number) => {
        const a = h[x];
        const b = h[y];
        return !!a && !!b && (a.at < b.at || (a.at === b.at && a.seq < b.seq));
      };
      if (l < h.length && less(l, m)) m = l;
      if (r < h.length && less(r, m)) m = r;
      if (m === i) break;
      const a = h[i];
      const b = h[m];
      if (!a || !b) break;
      h[i] = b;
      h[m] = a;
      i = m;
    }
    return top;
  }
  get size() {
    return this.heap.length;
  }
}

interface DayResult {
  decisions: number;
  decideMs: number;
  assigned: number;
  received: number[];
  waitsMinutes: number[];
  toAbsent: number;
  handedBack: number;
  wallMs: number;
}

export function simulate(world: World, mode: Mode): DayResult {
  const { agents, teams, arrivals } = world;
  const state = agents.map(() => ({
    load: { chat: 0, email: 0 },
    total: 0,
    assignedToday: 0,
    lastAssignedAt: null as Date | null,
    available: false,
    open: new Set<number>(),
  }));
  const version = new Int32Array(arrivals.length);
  const assignee = new Int32Array(arrivals.length).fill(-1);
  const firstAssignedAt = new Float64Array(arrivals.length).fill(Number.NaN);
  // Queues per team: four lists (urgent … low) in arrival order.
  const queues = teams.map(() => [[], [], [], []] as number[][]);
  const received = new Array<number>(agents.length).fill(0);
  let decisions = 0;
  let decideMs = 0;
  let toAbsent = 0;
  let handedBack = 0;
  const started = performance.now();

  type Event =
    | { kind: 'arrive'; conv: number }
    | { kind: 'resolve'; conv: number; v: number }
    | { kind: 'slot'; slot: number };
  const events = new Events<Event>();
  for (const c of arrivals) events.push(c.arrivedAt, { kind: 'arrive', conv: c.id });
  for (let s = 0; s < SLOTS; s++) events.push(DAY_START + s * SLOT, { kind: 'slot', slot: s });

  /** The decision: the eligibility filter and the strategy's pick, timed. */
  const decide = (conv: Conv): number => {
    const t0 = performance.now();
    const team = teams[conv.team];
    let chosen = -1;
    if (team) {
      const candidates: Candidate[] = [];
      const byId = new Map<string, number>();
      for (const index of team.members) {
        const s = state[index];
        const agent = agents[index];
        if (!s || !agent || !s.available) continue;
        let score = 0;
        let skilled = true;
        for (const skill of conv.required) {
          const level = agent.skills.get(skill);
          if (level === undefined) {
            skilled = false;
            break;
          }
          score += level;
        }
        if (!skilled) continue;
        const limit = agent.limits[conv.channel];
        if (s.load[conv.channel] + 1 > limit) continue;
        if (mode === 'first_eligible') {
          chosen = index;
          break;
        }
        byId.set(agent.id, index);
        candidates.push({
          userId: agent.id,
          channelLoad: s.load[conv.channel],
          totalLoad: s.total,
          skillScore: score,
          limit,
          assignedToday: mode === 'engine' ? s.assignedToday : 0,
          lastAssignedAt: s.lastAssignedAt,
        });
      }
      if (mode !== 'first_eligible') {
        const pick = chooseAgent(team.strategy, candidates, null);
        chosen = pick ? (byId.get(pick.userId) ?? -1) : -1;
      }
    }
    decideMs += performance.now() - t0;
    decisions += 1;
    return chosen;
  };

  const assign = (conv: Conv, index: number, now: number) => {
    const s = state[index];
    const agent = agents[index];
    if (!s || !agent) return;
    if (agent.absence && agent.absence.startsAt <= now && now < agent.absence.endsAt) toAbsent += 1;
    s.load[conv.channel] += 1;
    s.total += 1;
    s.assignedToday += 1;
    s.lastAssignedAt = new Date(now);
    s.open.add(conv.id);
    received[index] = (received[index] ?? 0) + 1;
    assignee[conv.id] = index;
    if (Number.isNaN(firstAssignedAt[conv.id])) firstAssignedAt[conv.id] = now;
    const minutes = conv.handleMinutes / (agent.fast ? 3 : 1);
    events.push(now + minutes * MINUTE, {
      kind: 'resolve',
      conv: conv.id,
      v: version[conv.id] ?? 0,
    });
  };

  const enqueue = (conv: Conv) => {
    const list = queues[conv.team]?.[conv.rank];
    if (!list) return;
    // Oldest first: a hand-back goes back in by arrival time.
    let i = list.length;
    while (i > 0 && (arrivals[list[i - 1] ?? 0]?.arrivedAt ?? 0) > conv.arrivedAt) i--;
    list.splice(i, 0, conv.id);
  };

  /** Most urgent, then oldest; a channel nobody can take is skipped for the rest of the pass. */
  const drain = (team: number, now: number) => {
    const lists = queues[team];
    if (!lists) return;
    const full = { chat: false, email: false };
    for (const list of lists) {
      for (let i = 0; i < list.length;) {
        if (full.chat && full.email) return;
        const conv = arrivals[list[i] ?? -1];
        if (!conv) break;
        if (full[conv.channel]) {
          i++;
          continue;
        }
        const index = decide(conv);
        if (index < 0) {
          full[conv.channel] = true;
          i++;
          continue;
        }
        list.splice(i, 1);
        assign(conv, index, now);
      }
    }
  };

  const end = DAY_START + 86_400_000;
  for (let e = events.pop(); e && e.at < end; e = events.pop()) {
    const now = e.at;
    const event = e.value;
    if (event.kind === 'arrive') {
      const conv = arrivals[event.conv];
      if (!conv) continue;
      const index = decide(conv);
      if (index >= 0) assign(conv, index, now);
      else enqueue(conv);
    } else if (event.kind === 'resolve') {
      if (version[event.conv] !== event.v) continue; // handed back since
      const index = assignee[event.conv] ?? -1;
      const conv = arrivals[event.conv];
      const s = state[index];
      if (!conv || !s) continue;
      s.load[conv.channel] -= 1;
      s.total -= 1;
      s.open.delete(conv.id);
      assignee[event.conv] = -1;
      drain(agents[index]?.team ?? 0, now);
    } else {
      const changed = new Set<number>();
      agents.forEach((agent, index) => {
        const s = state[index];
        if (!s) return;
        const available = agent.slots[event.slot] === 1;
        if (available === s.available) return;
        s.available = available;
        changed.add(agent.team);
        // Absence begins: their open work goes back to the queue.
        if (
          !available &&
          agent.absence &&
          agent.absence.startsAt <= now &&
          now < agent.absence.endsAt
        )
          for (const id of s.open) {
            const conv = arrivals[id];
            if (!conv) continue;
            version[id] = (version[id] ?? 0) + 1;
            s.load[conv.channel] -= 1;
            s.total -= 1;
            assignee[id] = -1;
            handedBack += 1;
            enqueue(conv);
          }
        if (
          !available &&
          agent.absence &&
          agent.absence.startsAt <= now &&
          now < agent.absence.endsAt
        )
          s.open.clear();
      });
      // Working hours begin / an absence ends / a hand-back: the queues drain.
      for (const team of changed) drain(team, now);
    }
  }
  const waitsMinutes = arrivals.map((c) => {
    const at = firstAssignedAt[c.id] ?? Number.NaN;
    return ((Number.isNaN(at) ? end : at) - c.arrivedAt) / MINUTE;
  });
  return {
    decisions,
    decideMs,
    assigned: received.reduce((a, b) => a + b, 0),
    received,
    waitsMinutes,
    toAbsent,
    handedBack,
    wallMs: performance.now() - started,
  };
}

/**
 * Received ÷ the mean of the agent's cohort (same team, shift, skills, limits: eligible for
 * the same conversations at the same times), max over agents, in teams whose strategy
 * spreads work (`spread`) or in skills_best_match teams, which by definition prefer the
 * highest skill score (fairness only breaks its ties).
 */
function maxOverMean(
  world: World,
  received: number[],
  spread = true,
): { max: number; cohorts: number } {
  const cohorts = new Map<string, number[]>();
  world.agents.forEach((agent, i) => {
    // Absent agents are not eligible like the others: they are judged by the 0 below.
    if (agent.absence) return;
    if ((world.teams[agent.team]?.strategy === 'skills_best_match') === spread) return;
    const list = cohorts.get(agent.cohort) ?? [];
    list.push(received[i] ?? 0);
    cohorts.set(agent.cohort, list);
  });
  let max = 0;
  let counted = 0;
  for (const list of cohorts.values()) {
    if (list.length < 5) continue;
    const mean = list.reduce((a, b) => a + b, 0) / list.length;
    if (mean < 5) continue;
    counted += 1;
    for (const n of list) max = Math.max(max, n / mean);
  }
  return { max: Math.round(max * 1000) / 1000, cohorts: counted };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Fast agents' work relative to the others' (1 = equal), in least_loaded teams. */
function fastShare(world: World, received: number[]): number {
  let fast = 0;
  let fastN = 0;
  let slow = 0;
  let slowN = 0;
  world.agents.forEach((a, i) => {
    if (a.absence || world.teams[a.team]?.strategy === 'skills_best_match') return;
    if (a.fast) {
      fast += received[i] ?? 0;
      fastN += 1;
    } else {
      slow += received[i] ?? 0;
      slowN += 1;
    }
  });
  return Math.round((fast / Math.max(1, fastN) / (slow / Math.max(1, slowN))) * 100) / 100;
}

/** Runs `work` over `items` with `concurrency` at once; returns the seconds it took. */
async function pooled<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await work(item);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * The database-backed path for comparison: `routeConversation` (rules, the candidate
 * statement, the agent lock and re-check, the assignment, timeline and outbox, one
 * transaction) on real PostgreSQL, 4 at once, beside the candidate statement alone
 * (`eligibleAgents`) with the same concurrency. A fresh database each run.
 */
async function databasePath(serverUrl: string, smoke: boolean) {
  const name = 'parley_bench_routing';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
  const url = await emptyDatabase(serverUrl, name);
  const runtime = await openRuntime(
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: url,
      DATA_DIR: resolve(import.meta.dirname, '../data/bench-files'),
      SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
    }),
    log,
  );
  try {
    const { db } = runtime.services;
    const agentCount = smoke ? 20 : 200;
    const teamCount = smoke ? 2 : 4;
    const conversationCount = smoke ? 100 : 1_000;
    const { workspace } = await createWorkspace({
      db,
      slug: 'routing-bench',
      name: 'Routing bench',
      owner: {
        email: 'owner@routing.bench',
        name: 'Owner',
        password: randomBytes(12).toString('hex'),
      },
    });
    const workspaceId = workspace.id;
    const teams = Array.from({ length: teamCount }, () => uuidv7());
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('teams')
        .values(
          teams.map((id, i) => ({
            workspaceId,
            id,
            name: `Team ${i}`,
            kind: 'support' as const,
            assignmentStrategy: 'least_loaded' as const,
            capacity: JSON.stringify({ limits: { email: 50 } }),
          })),
        )
        .execute();
      for (let i = 0; i < agentCount; i++) {
        const user = await insertUser(trx, {
          workspaceId,
          email: `agent${i}@routing.bench`,
          name: `Agent ${i}`,
          role: 'agent',
          passwordHash: null,
        });
        await trx
          .insertInto('agents')
          .values({ workspaceId, userId: user.id, presence: 'online', capacity: '{}' })
          .execute();
        await trx
          .insertInto('teamMembers')
          .values({ workspaceId, teamId: teams[i % teamCount] ?? '', userId: user.id })
          .execute();
      }
      await trx
        .insertInto('routingRules')
        .values(
          teams.map((teamId, i) => ({
            workspaceId,
            id: uuidv7(),
            name: `Team ${i}`,
            position: i,
            conditions: JSON.stringify({ keywords: [`topic-${i}`] }),
            actions: JSON.stringify({ teamId }),
          })),
        )
        .execute();
    });
    const conversations: { id: string; teamId: string }[] = [];
    for (let i = 0; i < conversationCount; i++) {
      const { conversationId } = await ingest(db, {
        workspaceId,
        channel: 'email',
        from: { kind: 'email', value: `customer${i}@example.com` },
        subject: `A question about topic-${i % teamCount}`,
        text: 'Hello, I need help.',
        automated: true, // routed below, not by a subscriber
      });
      conversations.push({ id: conversationId, teamId: teams[i % teamCount] ?? '' });
    }
    await sql`analyze`.execute(db);
    const routedSeconds = await pooled(conversations, 4, (c) =>
      routeConversation(db, { workspaceId, conversationId: c.id, trigger: 'arrival' }),
    );
    const assigned = await db
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspaceId', '=', workspaceId)
      .where('assigneeId', 'is not', null)
      .executeTakeFirstOrThrow();
    const statementSeconds = await pooled(conversations, 4, (c) =>
      eligibleAgents(db, { workspaceId, teamId: c.teamId, channel: 'email' }),
    );
    return {
      routed: Math.round(conversationCount / routedSeconds),
      statement: Math.round(conversationCount / statementSeconds),
      assigned: assigned.n,
      agentCount,
      teamCount,
      conversationCount,
    };
  } finally {
    await runtime.close();
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
  }
}

export const scenario: Scenario = {
  name: 'routing',
  description:
    'a simulated day: 2,000 agents, peaks, 3× faster agents, absences; the engine’s decision code',
  needsData: false,
  async run({ smoke, serverUrl }) {
    const agentCount = smoke ? 200 : 2_000;
    const buildStart = performance.now();
    const world = buildWorld(agentCount, 30);
    const buildMs = performance.now() - buildStart;
    const engine = simulate(world, 'engine');
    const loadOnly = simulate(world, 'load_only');
    const first = simulate(world, 'first_eligible');
    const rate = (r: DayResult) => Math.round(r.decisions / (r.decideMs / 1000));
    const balance = maxOverMean(world, engine.received);
    const balanceBase = maxOverMean(world, loadOnly.received);
    const wait = Math.round(percentile(engine.waitsMinutes, 95) * 10) / 10;
    const waitBase = Math.round(percentile(loadOnly.waitsMinutes, 95) * 10) / 10;
    const waited = (r: DayResult) =>
      Math.round((r.waitsMinutes.filter((m) => m > 0).length / r.waitsMinutes.length) * 1000) / 10;
    const best = maxOverMean(world, engine.received, false);
    const bestBase = maxOverMean(world, loadOnly.received, false);
    const absentAgents = world.agents.filter((a) => a.absence).length;
    // A busier day (a third more arrivals): peaks beyond what is staffed, queues form.
    const busyWorld = buildWorld(agentCount, 40, 7);
    const busy = simulate(busyWorld, 'engine');
    const busyBase = simulate(busyWorld, 'load_only');
    const database = await databasePath(serverUrl, smoke);
    return {
      figures: [
        {
          name: 'assignment decisions/s (decision code)',
          unit: 'ops/s',
          value: rate(engine),
          baseline: { name: 'first eligible agent', value: rate(first) },
          ratio: ratio(rate(engine), rate(first)),
          target: { text: '≥ 5,000/s', met: rate(engine) >= 5_000 },
          runs: 1,
        },
        {
          name: 'max/mean received, agents eligible alike',
          unit: '×',
          value: balance.max,
          baseline: { name: 'load only, no fairness', value: balanceBase.max },
          ratio: ratio(balance.max, balanceBase.max),
          target: { text: '≤ 1.1', met: balance.max <= 1.1 },
          runs: 1,
        },
        {
          name: 'p95 queue wait',
          unit: 'min',
          value: wait,
          baseline: { name: 'load only', value: waitBase },
          ratio: ratio(wait, waitBase),
          target: null,
          runs: 1,
        },
        {
          name: 'routeConversation on PostgreSQL, 4 at once',
          unit: 'ops/s',
          value: database.routed,
          baseline: { name: 'candidate SQL alone', value: database.statement },
          ratio: ratio(database.routed, database.statement),
          target: null,
          runs: 1,
        },
        {
          name: 'conversations received while absent',
          unit: 'conversations',
          value: engine.toAbsent,
          baseline: { name: 'load only', value: loadOnly.toAbsent },
          ratio: null,
          target: { text: '0', met: engine.toAbsent === 0 },
          runs: 1,
        },
      ],
      notes: [
        `${agentCount.toLocaleString('en')} agents in ${world.teams.length} teams, ${world.arrivals.length.toLocaleString('en')} conversations over the day; ${engine.decisions.toLocaleString('en')} decisions (arrivals and drains), ${engine.assigned.toLocaleString('en')} assignments, ${engine.handedBack} handed back at absence starts; ${absentAgents} agents absent all or part of the day`,
        `fast agents (3× quicker) received ${fastShare(world, engine.received)}× what the others did with the engine, ${fastShare(world, loadOnly.received)}× with load only; balance over ${balance.cohorts} cohorts (same team, shift, skills, limits)`,
        `queue wait: ${waited(engine)}% of conversations waited at all (load only: ${waited(loadOnly)}%), p99 ${Math.round(percentile(engine.waitsMinutes, 99) * 10) / 10} min (load only: ${Math.round(percentile(loadOnly.waitsMinutes, 99) * 10) / 10} min)`,
        `skills_best_match teams (highest skill score first by design, fairness breaks ties): max/mean ${best.max} over ${best.cohorts} cohorts (load only: ${bestBase.max})`,
        `a busier day (40 per agent, ${busyWorld.arrivals.length.toLocaleString('en')} conversations): ${waited(busy)}% waited, p95 wait ${Math.round(percentile(busy.waitsMinutes, 95) * 10) / 10} min (load only: ${Math.round(percentile(busyBase.waitsMinutes, 95) * 10) / 10} min), max/mean ${maxOverMean(busyWorld, busy.received).max} (load only: ${maxOverMean(busyWorld, busyBase.received).max}) — when the slower agents are full the faster ones take the rest rather than leave customers waiting; received while absent ${busy.toAbsent}`,
        `database path: ${database.conversationCount.toLocaleString('en')} conversations routed through rules to ${database.teamCount} teams of ${database.agentCount / database.teamCount} online agents (${database.assigned.toLocaleString('en')} assigned), one transaction each`,
        `the day simulated in ${Math.round(engine.wallMs)} ms (engine), the world built in ${Math.round(buildMs)} ms (availability from isAvailable per agent and 15 minutes)`,
      ],
    };
  },
};
