import type {
  AgentLoadView,
  ChannelLimits,
  Conversation,
  SlaReport,
  TeamQueue,
} from '@parley/contract';

type Limits = Record<string, number | undefined>;

/**
 * The limits to show an agent's load against: their own per channel, else the smallest
 * of their teams' defaults (routing applies the team of each conversation; the smallest
 * is what is sure to hold). A channel nobody limits is left out: no limit.
 */
export function capacityOf(
  agent: Pick<AgentLoadView, 'limits' | 'teamIds'>,
  teams: readonly Pick<TeamQueue, 'teamId' | 'limits'>[],
): ChannelLimits {
  const result: Limits = {};
  for (const team of teams) {
    if (!agent.teamIds.includes(team.teamId)) continue;
    for (const [channel, limit] of Object.entries(team.limits as Limits)) {
      if (limit === undefined) continue;
      const current = result[channel];
      result[channel] = current === undefined ? limit : Math.min(current, limit);
    }
  }
  for (const [channel, limit] of Object.entries(agent.limits as Limits))
    if (limit !== undefined) result[channel] = limit;
  return result;
}

export interface ChannelLoad {
  channel: string;
  count: number;
  /** null: no limit on this channel. */
  limit: number | null;
  /** At or over the limit. */
  full: boolean;
}

/** Per channel with work or a limit: how many the agent holds against what they may hold. */
export function channelLoads(
  byChannel: Record<string, number>,
  limits: ChannelLimits,
): ChannelLoad[] {
  const own = limits as Limits;
  const channels = new Set([
    ...Object.keys(byChannel).filter((c) => (byChannel[c] ?? 0) > 0),
    ...Object.keys(own).filter((c) => own[c] !== undefined),
  ]);
  return [...channels].sort().map((channel) => {
    const count = byChannel[channel] ?? 0;
    const limit = own[channel] ?? null;
    return { channel, count, limit, full: limit !== null && count >= limit };
  });
}

/**
 * How long the longest-waiting conversation has waited at `now`: the server's figure when it
 * was fetched plus the time since (the browser's clock may differ from the server's, the
 * elapsed time does not). null: the queue is empty.
 */
export function liveWait(
  serverSeconds: number | null,
  fetchedAt: number,
  now: number,
): number | null {
  if (serverSeconds === null) return null;
  return serverSeconds + Math.max(0, Math.floor((now - fetchedAt) / 1000));
}

type DurationUnit = 'day' | 'hour' | 'minute' | 'second';

/** A duration as its two largest units: 3 d 4 h, 2 h 5 min, 12 min 30 s, 45 s. */
export function durationParts(seconds: number): { value: number; unit: DurationUnit }[] {
  const s = Math.max(0, Math.floor(seconds));
  const units: [DurationUnit, number][] = [
    ['day', Math.floor(s / 86_400)],
    ['hour', Math.floor((s % 86_400) / 3600)],
    ['minute', Math.floor((s % 3600) / 60)],
    ['second', s % 60],
  ];
  const first = units.findIndex(([, value]) => value > 0);
  if (first === -1) return [{ value: 0, unit: 'second' }];
  return units
    .slice(first, first + 2)
    .filter(([, value], i) => i === 0 || value > 0)
    .map(([unit, value]) => ({ value, unit }));
}

/** The same in the user's language, through Intl (units and list as the locale writes them). */
export function formatDuration(seconds: number, locale: string): string {
  const parts = durationParts(seconds).map(({ value, unit }) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(value),
  );
  return new Intl.ListFormat(locale, { type: 'unit', style: 'narrow' }).format(parts);
}

export const periods = ['today', '7d', '30d', '90d'] as const;
export type Period = (typeof periods)[number];

/**
 * The report's period as instants: whole days in the browser's time zone, ending with
 * today (`to` is excluded, so it is the start of tomorrow).
 */
export function periodRange(period: Period, now: Date): { from: string; to: string } {
  const days = { today: 1, '7d': 7, '30d': 30, '90d': 90 }[period];
  const to = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1 - days);
  return { from: from.toISOString(), to: to.toISOString() };
}

/**
 * A team's waiting conversations (the list API takes one status: new and open come as two
 * pages), oldest first, each once.
 */
export function waitingList(...pages: readonly (readonly Conversation[])[]): Conversation[] {
  const seen = new Map<string, Conversation>();
  for (const page of pages)
    for (const c of page) if (!c.assigneeId && !seen.has(c.id)) seen.set(c.id, c);
  return [...seen.values()].sort(
    (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id),
  );
}

/**
 * Whom a waiting conversation can be handed to: available agents first (the team's own
 * before others), then the rest; each group by name.
 */
export function transferCandidates(
  agents: readonly AgentLoadView[],
  teamId: string,
): { available: AgentLoadView[]; unavailable: AgentLoadView[] } {
  const order = (a: AgentLoadView, b: AgentLoadView) =>
    Number(b.teamIds.includes(teamId)) - Number(a.teamIds.includes(teamId)) ||
    a.name.localeCompare(b.name);
  return {
    available: agents.filter((a) => a.availableNow).sort(order),
    unavailable: agents.filter((a) => !a.availableNow).sort(order),
  };
}

/** The bar's share of its track, 0–100 (a missing value draws nothing). */
export const barPercent = (share: number | null) =>
  share === null ? 0 : Math.round(Math.min(1, Math.max(0, share)) * 1000) / 10;

type ReportTarget = SlaReport['data'][number]['targets'][number];

/** The report's groups added up per target (attainment as the API counts it: met ÷ decided). */
export function totalsByTarget(
  groups: SlaReport['data'],
): Pick<ReportTarget, 'target' | 'started' | 'metOnTime' | 'breached' | 'attainment'>[] {
  const sums = new Map<
    ReportTarget['target'],
    { started: number; metOnTime: number; breached: number }
  >();
  for (const group of groups)
    for (const x of group.targets) {
      const sum = sums.get(x.target) ?? { started: 0, metOnTime: 0, breached: 0 };
      sum.started += x.started;
      sum.metOnTime += x.metOnTime;
      sum.breached += x.breached;
      sums.set(x.target, sum);
    }
  return slaTargets
    .filter((target) => sums.has(target))
    .map((target) => {
      const sum = sums.get(target) ?? { started: 0, metOnTime: 0, breached: 0 };
      const decided = sum.metOnTime + sum.breached;
      return { target, ...sum, attainment: decided === 0 ? null : sum.metOnTime / decided };
    });
}

/** The targets in the order a conversation meets them. */
export const slaTargets = ['firstResponse', 'nextResponse', 'resolution'] as const;
