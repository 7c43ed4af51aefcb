import type { AssignmentStrategy } from '@parley/contract';
import type { EligibleAgent } from '../availability/eligible.js';

/**
 * The routing decision without the database: given the agents who may take a conversation
 * (`eligibleAgents`: available, skilled, under their limit), the order the team's strategy
 * tries them in, and why the first was chosen. `routeConversation` uses exactly these
 * functions on the candidates it reads (then locks and re-checks the first); the routing
 * bench (`bench/routing.ts`) runs them on a simulated day.
 */
export type Candidate = EligibleAgent;

const ratio = (c: EligibleAgent) => (c.limit ? c.channelLoad / c.limit : c.channelLoad);
const time = (d: Date | null) => (d ? d.getTime() : Number.NEGATIVE_INFINITY);

/** Lowest channel load relative to the limit, then total load, then longest since assigned. */
function byLoad(a: Candidate, b: Candidate): number {
  return (
    ratio(a) - ratio(b) ||
    a.totalLoad - b.totalLoad ||
    time(a.lastAssignedAt) - time(b.lastAssignedAt) ||
    a.userId.localeCompare(b.userId)
  );
}

/**
 * Fairness over the day: fewer conversations given today goes first. Without it, an agent
 * who resolves three times faster is "least loaded" three times as often and receives three
 * times the work; with it, everyone eligible receives about the same and load (under the
 * limit) only breaks ties.
 */
function byFairShare(a: Candidate, b: Candidate): number {
  return a.assignedToday - b.assignedToday || byLoad(a, b);
}

/**
 * The candidates in the order the team's strategy tries them (the first whose re-check
 * under lock passes gets the conversation). `manual` never gets here.
 */
export function orderCandidates(
  strategy: Exclude<AssignmentStrategy, 'manual'>,
  candidates: Candidate[],
  previousAssignee: string | null,
): Candidate[] {
  const list = [...candidates];
  switch (strategy) {
    case 'least_loaded':
      return list.sort(byFairShare);
    case 'skills_best_match':
      return list.sort((a, b) => b.skillScore - a.skillScore || byFairShare(a, b));
    case 'round_robin':
      return list.sort(
        (a, b) =>
          time(a.lastAssignedAt) - time(b.lastAssignedAt) || a.userId.localeCompare(b.userId),
      );
    case 'sticky': {
      list.sort(byFairShare);
      const i = list.findIndex((c) => c.userId === previousAssignee);
      if (i > 0) list.unshift(...list.splice(i, 1));
      return list;
    }
  }
}

/** The first candidate in the strategy's order (what the engine tries first), or null. */
export function chooseAgent(
  strategy: Exclude<AssignmentStrategy, 'manual'>,
  candidates: Candidate[],
  previousAssignee: string | null = null,
): Candidate | null {
  if (candidates.length === 0) return null;
  if (strategy === 'sticky' && candidates.some((c) => c.userId === previousAssignee))
    return candidates.find((c) => c.userId === previousAssignee) ?? null;
  if (strategy === 'round_robin' || strategy === 'sticky')
    return orderCandidates(strategy, candidates, previousAssignee)[0] ?? null;
  // One pass instead of a sort: the same first element as `orderCandidates`.
  const compare =
    strategy === 'least_loaded'
      ? byFairShare
      : (a: Candidate, b: Candidate) => b.skillScore - a.skillScore || byFairShare(a, b);
  let best = candidates[0] as Candidate;
  for (const c of candidates) if (compare(c, best) < 0) best = c;
  return best;
}

/** The timeline's "why" in words. */
export function why(
  strategy: AssignmentStrategy,
  chosen: Candidate,
  previousAssignee: string | null,
): string {
  const load = `load ${chosen.channelLoad}${chosen.limit === null ? '' : `/${chosen.limit}`} in the channel, ${chosen.totalLoad} in all`;
  const today = `${chosen.assignedToday} assigned today`;
  switch (strategy) {
    case 'sticky':
      return chosen.userId === previousAssignee
        ? `the contact's previous agent, available and under capacity (${load})`
        : `the contact's previous agent is not eligible; fewest assigned today, then least loaded (${today}, ${load})`;
    case 'skills_best_match':
      return `highest skill score ${chosen.skillScore} (${today}, ${load})`;
    case 'round_robin':
      return `longest since last assigned (${chosen.lastAssignedAt?.toISOString() ?? 'never'})`;
    default:
      return `fewest assigned today, then least loaded (${today}, ${load})`;
  }
}
