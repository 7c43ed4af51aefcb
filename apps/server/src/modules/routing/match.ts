import type { Channel, Priority, RoutingConditions, RoutingHours } from '@parley/contract';
import { DateTime } from 'luxon';

/** What a routing rule looks at, gathered from the conversation, its first message and contact. */
export interface ConversationFacts {
  channel: Channel;
  /** The mailbox the first message came to (email), else null. */
  mailboxId: string | null;
  /** BCP 47 tag (`pt-BR`) or null when unknown. */
  language: string | null;
  priority: Priority;
  tags: string[];
  subject: string;
  /** The first message's text. */
  text: string;
  contactAttributes: Record<string, unknown>;
  /** The contact's organization, or null. */
  organizationId: string | null;
  /** The conversation's category (set by triage or the API), or null. */
  category: string | null;
  /** The conversation's custom field values by key. */
  customFields: Record<string, unknown>;
  /** When routing happens, and the workspace time zone the `hours` condition reads it in. */
  at: Date;
  timeZone: string;
}

export type ConditionName = keyof RoutingConditions;

export interface RuleMatch {
  matched: boolean;
  /** The conditions that held (all of the rule's when it matched), with what satisfied them. */
  held: { condition: ConditionName; because: string }[];
  /** The first condition that failed, when it did not match. */
  failed: ConditionName | null;
}

const lower = (value: string) => value.toLocaleLowerCase('en-US');

/** `pt-BR` → `pt`. */
export const baseLanguage = (tag: string) => lower(tag.split(/[-_]/)[0] ?? tag);

/** The attribute's values as lower-case strings (a list attribute counts each element). */
function attributeValues(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(attributeValues);
  if (typeof value === 'string') return [lower(value.trim())];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}

const minutesOf = (clock: string) => {
  const [h, m] = clock.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Whether `at`, read on the wall clock of `timeZone`, is inside the window. */
export function insideHours(hours: RoutingHours, at: Date, timeZone: string): boolean {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const minute = local.hour * 60 + local.minute;
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  // A window past midnight belongs to the day it started on.
  const overnight = to <= from;
  const inWindow = overnight ? minute >= from || minute < to : minute >= from && minute < to;
  if (!inWindow) return false;
  if (!hours.weekdays) return true;
  const day = overnight && minute < to ? local.minus({ days: 1 }).weekday : local.weekday;
  return hours.weekdays.includes(day);
}

/**
 * Whether every condition of a rule holds for the conversation (each is optional; none =
 * matches everything), and why: the conditions that held with what satisfied them, or the
 * first that failed. Pure: the engine gathers the facts, this decides.
 */
export function matchRule(
  facts: ConversationFacts,
  rule: { conditions: RoutingConditions },
): RuleMatch {
  const c = rule.conditions;
  const held: RuleMatch['held'] = [];
  const fail = (condition: ConditionName): RuleMatch => ({
    matched: false,
    held,
    failed: condition,
  });

  if (c.channels) {
    if (!c.channels.includes(facts.channel)) return fail('channels');
    held.push({ condition: 'channels', because: facts.channel });
  }
  if (c.mailboxIds) {
    if (!facts.mailboxId || !c.mailboxIds.includes(facts.mailboxId)) return fail('mailboxIds');
    held.push({ condition: 'mailboxIds', because: facts.mailboxId });
  }
  if (c.languages) {
    const base = facts.language ? baseLanguage(facts.language) : null;
    if (!base || !c.languages.some((l) => baseLanguage(l) === base)) return fail('languages');
    held.push({ condition: 'languages', because: base });
  }
  if (c.priorities) {
    if (!c.priorities.includes(facts.priority)) return fail('priorities');
    held.push({ condition: 'priorities', because: facts.priority });
  }
  if (c.tags) {
    const tags = new Set(facts.tags.map(lower));
    const tag = c.tags.find((t) => tags.has(lower(t)));
    if (tag === undefined) return fail('tags');
    held.push({ condition: 'tags', because: tag });
  }
  if (c.keywords) {
    const haystack = lower(`${facts.subject}\n${facts.text}`);
    const keyword = c.keywords.find((k) => haystack.includes(lower(k)));
    if (keyword === undefined) return fail('keywords');
    held.push({ condition: 'keywords', because: keyword });
  }
  if (c.contact) {
    const because: string[] = [];
    for (const [attribute, accepted] of Object.entries(c.contact)) {
      const values = attributeValues(facts.contactAttributes[attribute]);
      const value = accepted.find((a) => values.includes(lower(a.trim())));
      if (value === undefined) return fail('contact');
      because.push(`${attribute}=${value}`);
    }
    held.push({ condition: 'contact', because: because.join(', ') });
  }
  if (c.organizationIds) {
    if (!facts.organizationId || !c.organizationIds.includes(facts.organizationId))
      return fail('organizationIds');
    held.push({ condition: 'organizationIds', because: facts.organizationId });
  }
  if (c.categories) {
    const category = facts.category ? lower(facts.category.trim()) : null;
    const value = category ? c.categories.find((k) => lower(k.trim()) === category) : undefined;
    if (value === undefined) return fail('categories');
    held.push({ condition: 'categories', because: value });
  }
  if (c.customFields) {
    const because: string[] = [];
    for (const [key, accepted] of Object.entries(c.customFields)) {
      const values = attributeValues(facts.customFields[key]);
      const value = accepted.find((a) => values.includes(lower(a.trim())));
      if (value === undefined) return fail('customFields');
      because.push(`${key}=${value}`);
    }
    held.push({ condition: 'customFields', because: because.join(', ') });
  }
  if (c.hours) {
    if (!insideHours(c.hours, facts.at, facts.timeZone)) return fail('hours');
    held.push({ condition: 'hours', because: `${c.hours.from}–${c.hours.to} ${facts.timeZone}` });
  }
  return { matched: true, held, failed: null };
}
