/**
 * Predictions from a team's live queue (pure; forecast.service.ts gathers the inputs).
 *
 * Queue model: the waiting conversations are taken in queue order (most urgent, then
 * oldest). The agents available now first fill their free slots (one conversation each at
 * once); after that the team reaches one more conversation per `handling / agents`. So the
 * conversation at position k (from 0) is reached at
 *   now                                          when k < free slots
 *   now + ceil((k − free + 1) / agents) × handling  otherwise (never without agents)
 * and is at risk when that is after its SLA due time. Deliberately simple, so a manager can
 * check it against the inputs shown beside it.
 */

export interface QueuedConversation {
  id: string;
  number: number;
  /** The due time the queue wait threatens (first response, else the earliest running one). */
  dueAt: number | null;
}

export interface QueueForecastEntry {
  id: string;
  number: number;
  position: number;
  expectedReachAt: number | null;
  dueAt: number | null;
  atRisk: boolean;
  /** Due time minus expected reach (negative: expected late), null when either is unknown. */
  slackMs: number | null;
}

export function forecastQueue(props: {
  queue: readonly QueuedConversation[];
  availableAgents: number;
  freeSlots: number;
  handlingMs: number;
  now: number;
}): QueueForecastEntry[] {
  const { availableAgents: agents, freeSlots, handlingMs, now } = props;
  return props.queue.map((c, position) => {
    const expectedReachAt =
      position < freeSlots
        ? now
        : agents > 0
          ? now + Math.ceil((position - freeSlots + 1) / agents) * handlingMs
          : null;
    const atRisk = c.dueAt !== null && (expectedReachAt === null || expectedReachAt > c.dueAt);
    return {
      id: c.id,
      number: c.number,
      position,
      expectedReachAt,
      dueAt: c.dueAt,
      atRisk,
      slackMs: c.dueAt !== null && expectedReachAt !== null ? c.dueAt - expectedReachAt : null,
    };
  });
}

/**
 * Erlang C: the probability that an arriving conversation has to wait, with `agents` agents
 * and `traffic` erlangs (arrivals per unit × handling time in that unit). 1 when the agents
 * cannot keep up (agents ≤ traffic).
 */
export function erlangC(agents: number, traffic: number): number {
  if (agents <= 0 || agents <= traffic) return 1;
  if (traffic <= 0) return 0;
  // Σ_{k<N} A^k/k! and A^N/N!, iteratively (no factorial overflow).
  let term = 1;
  let sum = 0;
  for (let k = 0; k < agents; k++) {
    sum += term;
    term = (term * traffic) / (k + 1);
  }
  const top = (term * agents) / (agents - traffic);
  return top / (sum + top);
}

/**
 * Expected share of conversations answered within `targetMs` (the Erlang C service level):
 * 1 − C · e^(−(N − A) · target / handling).
 */
export function expectedAttainment(props: {
  agents: number;
  arrivalsPerHour: number;
  handlingMs: number;
  targetMs: number;
}): number {
  const traffic = (props.arrivalsPerHour * props.handlingMs) / 3_600_000;
  if (props.agents <= traffic) return 0;
  const wait = erlangC(props.agents, traffic);
  return 1 - wait * Math.exp((-(props.agents - traffic) * props.targetMs) / props.handlingMs);
}
