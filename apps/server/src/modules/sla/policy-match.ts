import type { Channel, Priority, SlaConditions } from '@parley/contract';

/** What a policy's conditions look at: the conversation and its contact. */
export interface PolicyFacts {
  priority: Priority;
  channel: Channel;
  teamId: string | null;
  category: string | null;
  tags: readonly string[];
  organizationId: string | null;
  contactAttributes: Record<string, unknown>;
}

const lower = (value: string) => value.trim().toLocaleLowerCase('en-US');

/** The attribute's values as lower-case strings (a list attribute counts each element). */
function attributeValues(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(attributeValues);
  if (typeof value === 'string') return [lower(value)];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}

/**
 * Whether every condition holds, with what satisfied each (`priority: urgent`,
 * `contact: tier=gold`): the words the timeline shows as the reason a policy applies. Null
 * when a condition fails.
 */
export function matchPolicy(facts: PolicyFacts, conditions: SlaConditions): string[] | null {
  const why: string[] = [];
  const c = conditions;
  if (c.priorities) {
    if (!c.priorities.includes(facts.priority)) return null;
    why.push(`priority: ${facts.priority}`);
  }
  if (c.channels) {
    if (!c.channels.includes(facts.channel)) return null;
    why.push(`channel: ${facts.channel}`);
  }
  if (c.teamIds) {
    if (!facts.teamId || !c.teamIds.includes(facts.teamId)) return null;
    why.push(`team: ${facts.teamId}`);
  }
  if (c.categories) {
    const category = facts.category ? lower(facts.category) : null;
    const found = c.categories.find((x) => lower(x) === category);
    if (found === undefined) return null;
    why.push(`category: ${found}`);
  }
  if (c.tags) {
    const tags = new Set(facts.tags.map(lower));
    const found = c.tags.find((x) => tags.has(lower(x)));
    if (found === undefined) return null;
    why.push(`tag: ${found}`);
  }
  if (c.organizationIds) {
    if (!facts.organizationId || !c.organizationIds.includes(facts.organizationId)) return null;
    why.push(`organization: ${facts.organizationId}`);
  }
  if (c.contact) {
    for (const [attribute, accepted] of Object.entries(c.contact)) {
      const values = attributeValues(facts.contactAttributes[attribute]);
      const found = accepted.find((a) => values.includes(lower(a)));
      if (found === undefined) return null;
      why.push(`contact: ${attribute}=${found}`);
    }
  }
  if (why.length === 0) why.push('no conditions: applies to every conversation');
  return why;
}

/** The first enabled policy (in order) whose conditions hold, and why; null when none does. */
export function choosePolicy<P extends { enabled: boolean; conditions: SlaConditions }>(
  policies: readonly P[],
  facts: PolicyFacts,
): { policy: P; why: string[] } | null {
  for (const policy of policies) {
    if (!policy.enabled) continue;
    const why = matchPolicy(facts, policy.conditions);
    if (why) return { policy, why };
  }
  return null;
}
