import type { ConversationStatus, SlaTargetName, SlaTargets } from '@parley/contract';
import { slaTargetNames } from '@parley/contract';
import { addBusinessTime, businessTimeBetween, type CompiledCalendar } from './calendar.js';

/** What the clocks are computed from: the conversation's own timestamps (epoch ms). */
export interface ClockFacts {
  status: ConversationStatus;
  createdAt: number;
  firstResponseAt: number | null;
  /** The first customer message not yet answered by an agent reply, if any. */
  waitingSince: number | null;
  lastAgentMessageAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
}

/** A stretch in a status that may stop clocks; `to` null: still in it. */
export interface Pause {
  status: string;
  from: number;
  to: number | null;
}

export interface ClockPolicy {
  targets: SlaTargets;
  pauseOnHold: boolean;
  warnAtPercent: readonly number[];
}

export interface Clock {
  target: SlaTargetName;
  seconds: number;
  businessHours: boolean;
  /** When this clock started (nextResponse: the unanswered customer message); null: not running. */
  startedAt: number | null;
  /** The instant the target is (or was) due; null while paused short of it, or never started. */
  dueAt: number | null;
  metAt: number | null;
  breachedAt: number | null;
  paused: boolean;
  elapsedMs: number;
  /** The instants the warnings fall at (percent → instant), for running, unmet clocks. */
  warnings: { percent: number; at: number }[];
}

/** Statuses whose time never counts: waiting on the customer, or done. */
const alwaysPausing = new Set(['pending', 'resolved', 'closed']);

export function pausingStatuses(policy: { pauseOnHold: boolean }): Set<string> {
  return policy.pauseOnHold ? new Set([...alwaysPausing, 'on_hold']) : alwaysPausing;
}

type Span = { from: number; to: number };

/** The stretches after `start` when the clock ran (pauses cut out); the last may be open-ended. */
function runningSpans(start: number, pauses: readonly Pause[], pausing: Set<string>): Span[] {
  const cuts = pauses
    .filter((p) => pausing.has(p.status))
    .map((p) => ({ from: p.from, to: p.to ?? Infinity }))
    .sort((a, b) => a.from - b.from);
  const spans: Span[] = [];
  let at = start;
  for (const cut of cuts) {
    if (cut.to <= at) continue;
    if (cut.from > at) spans.push({ from: at, to: cut.from });
    at = Math.max(at, cut.to);
    if (at === Infinity) return spans;
  }
  spans.push({ from: at, to: Infinity });
  return spans;
}

type Meter = {
  between(from: number, to: number): number;
  add(from: number, ms: number): number | null;
};

function meterOf(calendar: CompiledCalendar | null, businessHours: boolean): Meter {
  if (!calendar || !businessHours)
    return { between: (from, to) => to - from, add: (from, ms) => from + ms };
  return {
    between: (from, to) => businessTimeBetween(calendar, from, to),
    add: (from, ms) => addBusinessTime(calendar, from, ms),
  };
}

/** The instant `ms` of counted time has run over the spans (null: never, e.g. paused for good). */
function reach(meter: Meter, spans: readonly Span[], ms: number): number | null {
  let counted = 0;
  for (const span of spans) {
    const length = span.to === Infinity ? Infinity : meter.between(span.from, span.to);
    if (counted + length >= ms) return meter.add(span.from, ms - counted);
    counted += length;
  }
  return null;
}

function counted(meter: Meter, spans: readonly Span[], until: number): number {
  let sum = 0;
  for (const span of spans) {
    if (span.from >= until) break;
    sum += meter.between(span.from, Math.min(span.to, until));
  }
  return sum;
}

/**
 * Every target's clock at `now`. Time counts from the clock's start, in business time when the
 * target says so (`calendar` null: around the clock), minus the stretches spent pending,
 * resolved or closed (and on hold if the policy says so). A target is met by the first agent
 * reply (first response), an agent reply after the waiting customer message (next response),
 * or the conversation being resolved or closed (resolution); it is breached when its due time
 * came before it was met. Pure: the service gathers the facts and the pauses.
 */
export function computeClocks(
  policy: ClockPolicy,
  calendar: CompiledCalendar | null,
  facts: ClockFacts,
  pauses: readonly Pause[],
  now: number,
): Clock[] {
  const pausing = pausingStatuses(policy);
  const pausedNow = pausing.has(facts.status);
  const clocks: Clock[] = [];
  for (const target of slaTargetNames) {
    const spec = policy.targets[target];
    if (!spec) continue;
    const ms = spec.seconds * 1000;
    const meter = meterOf(calendar, spec.businessHours);
    let startedAt: number | null;
    let metAt: number | null;
    if (target === 'firstResponse') {
      startedAt = facts.createdAt;
      metAt = facts.firstResponseAt;
    } else if (target === 'nextResponse') {
      // The first reply is the first response's business; then each customer message waits.
      startedAt = facts.firstResponseAt !== null ? facts.waitingSince : null;
      metAt = startedAt === null ? facts.lastAgentMessageAt : null;
    } else {
      startedAt = facts.createdAt;
      const done = facts.status === 'resolved' || facts.status === 'closed';
      metAt = done ? (facts.resolvedAt ?? facts.closedAt ?? facts.createdAt) : null;
    }
    if (startedAt === null) {
      clocks.push({
        target,
        seconds: spec.seconds,
        businessHours: spec.businessHours,
        startedAt: null,
        dueAt: null,
        metAt,
        breachedAt: null,
        paused: false,
        elapsedMs: 0,
        warnings: [],
      });
      continue;
    }
    const spans = runningSpans(startedAt, pauses, pausing);
    const due = reach(meter, spans, ms);
    const until = metAt ?? now;
    // Met exactly at the due time is on time; unmet, the due time itself is the breach.
    const breachedAt =
      due === null ? null : metAt !== null ? (due < metAt ? due : null) : due <= now ? due : null;
    const running = metAt === null && !pausedNow;
    const warnings =
      metAt === null
        ? policy.warnAtPercent.flatMap((percent) => {
            const at = reach(meter, spans, Math.floor((ms * percent) / 100));
            return at === null ? [] : [{ percent, at }];
          })
        : [];
    clocks.push({
      target,
      seconds: spec.seconds,
      businessHours: spec.businessHours,
      startedAt,
      dueAt: due,
      metAt,
      breachedAt,
      paused: metAt === null && !running,
      elapsedMs: counted(meter, spans, until),
      warnings,
    });
  }
  return clocks;
}

/**
 * Pauses after a status seen at `at`: an open pause in another status ends there, and a
 * pausing status (any that may pause: pending, on hold, resolved, closed) starts one.
 */
export function notePause(pauses: readonly Pause[], status: string, at: number): Pause[] {
  const next = pauses.map((p) => ({ ...p }));
  const open = next.find((p) => p.to === null);
  if (open && open.status === status) return next;
  if (open) open.to = Math.max(at, open.from);
  if (['pending', 'on_hold', 'resolved', 'closed'].includes(status))
    next.push({ status, from: at, to: null });
  return next;
}

/** The notice key of a clock's warning or breach: once per target and cycle. */
export const noticeKey = (clock: Clock, what: number | 'breach') =>
  `${clock.target}:${String(clock.startedAt)}:${String(what)}`;

/** The notices (warnings, breaches) due at `now` that were not fired yet; a breach makes its warnings moot. */
export function dueNotices(
  clocks: readonly Clock[],
  fired: ReadonlySet<string>,
  now: number,
): {
  clock: Clock;
  kind: 'warning' | 'breach';
  percent: number | null;
  key: string;
  moot: string[];
}[] {
  const notices = [];
  for (const clock of clocks) {
    if (clock.startedAt === null || clock.metAt !== null || clock.dueAt === null) continue;
    const breachKey = noticeKey(clock, 'breach');
    const pendingWarnings = clock.warnings.filter(
      (w) => w.at <= now && !fired.has(noticeKey(clock, w.percent)),
    );
    if (clock.dueAt <= now) {
      if (!fired.has(breachKey))
        notices.push({
          clock,
          kind: 'breach' as const,
          percent: null,
          key: breachKey,
          moot: pendingWarnings.map((w) => noticeKey(clock, w.percent)),
        });
      continue;
    }
    const latest = pendingWarnings.sort((a, b) => b.at - a.at)[0];
    if (latest)
      notices.push({
        clock,
        kind: 'warning' as const,
        percent: latest.percent,
        key: noticeKey(clock, latest.percent),
        moot: pendingWarnings.slice(1).map((w) => noticeKey(clock, w.percent)),
      });
  }
  return notices;
}

/** The next instant a notice falls due after `now` (for the job's runAt), or null. */
export function nextNoticeAt(clocks: readonly Clock[], fired: ReadonlySet<string>): number | null {
  let next: number | null = null;
  for (const clock of clocks) {
    if (clock.startedAt === null || clock.metAt !== null || clock.paused || clock.dueAt === null)
      continue;
    const moments = [
      ...clock.warnings.filter((w) => !fired.has(noticeKey(clock, w.percent))).map((w) => w.at),
      ...(fired.has(noticeKey(clock, 'breach')) ? [] : [clock.dueAt]),
    ];
    for (const at of moments) if (next === null || at < next) next = at;
  }
  return next;
}
