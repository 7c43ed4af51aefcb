import type { RoutingActions, RoutingConditions, RoutingRule } from '@parley/contract';
import { parseList } from './validate.js';

export const channels = [
  'email',
  'chat',
  'sms',
  'whatsapp',
  'telegram',
  'webform',
  'phone',
  'api',
] as const;
export const priorities = ['low', 'normal', 'high', 'urgent'] as const;
export type Channel = (typeof channels)[number];
export type Priority = (typeof priorities)[number];

/** What the rule form edits; lists as arrays, word lists as text (one per line or comma). */
export interface RuleForm {
  name: string;
  enabled: boolean;
  position: string;
  channels: Channel[];
  mailboxIds: string[];
  languages: string[];
  priorities: Priority[];
  keywords: string;
  tags: string;
  hoursOn: boolean;
  from: string;
  to: string;
  weekdays: number[];
  teamId: string;
  setPriority: Priority | '';
  addTags: string;
  requiredSkills: string[];
  escalate: boolean;
}

export function formFromRule(rule?: RoutingRule): RuleForm {
  const c = rule?.conditions ?? {};
  const a = rule?.actions ?? {};
  return {
    name: rule?.name ?? '',
    enabled: rule?.enabled ?? true,
    position: rule ? String(rule.position) : '',
    channels: (c.channels ?? []) as Channel[],
    mailboxIds: c.mailboxIds ?? [],
    languages: c.languages ?? [],
    priorities: c.priorities ?? [],
    keywords: (c.keywords ?? []).join('\n'),
    tags: (c.tags ?? []).join('\n'),
    hoursOn: Boolean(c.hours),
    from: c.hours?.from ?? '09:00',
    to: c.hours?.to ?? '17:00',
    weekdays: c.hours?.weekdays ?? [1, 2, 3, 4, 5],
    teamId: a.teamId ?? '',
    setPriority: a.priority ?? '',
    addTags: (a.tags ?? []).join('\n'),
    requiredSkills: a.requiredSkills ?? [],
    escalate: a.escalate ?? false,
  };
}

/** The conditions this form does not show (contact, organizations, categories, custom fields). */
export function otherConditions(rule?: RoutingRule): (keyof RoutingConditions)[] {
  const shown = new Set([
    'channels',
    'mailboxIds',
    'languages',
    'priorities',
    'keywords',
    'tags',
    'hours',
  ]);
  return (Object.keys(rule?.conditions ?? {}) as (keyof RoutingConditions)[]).filter(
    (key) => !shown.has(key),
  );
}

/**
 * The API's conditions and actions from the form: empty lists left out (the API wants at least
 * one entry in a list it is given), and the conditions the form does not show kept as they were.
 */
export function ruleBody(form: RuleForm, original?: RoutingRule) {
  const kept: RoutingConditions = {};
  for (const key of otherConditions(original))
    Object.assign(kept, { [key]: original?.conditions[key] });
  const keywords = parseList(form.keywords);
  const tags = parseList(form.tags);
  const conditions: RoutingConditions = {
    ...kept,
    ...(form.channels.length ? { channels: form.channels } : {}),
    ...(form.mailboxIds.length ? { mailboxIds: form.mailboxIds } : {}),
    ...(form.languages.length ? { languages: form.languages } : {}),
    ...(form.priorities.length ? { priorities: form.priorities } : {}),
    ...(keywords.length ? { keywords } : {}),
    ...(tags.length ? { tags } : {}),
    ...(form.hoursOn
      ? {
          hours: {
            from: form.from,
            to: form.to,
            ...(form.weekdays.length ? { weekdays: [...form.weekdays].sort((x, y) => x - y) } : {}),
          },
        }
      : {}),
  };
  const addTags = parseList(form.addTags);
  const actions: RoutingActions = {
    ...(form.teamId ? { teamId: form.teamId } : {}),
    ...(form.setPriority ? { priority: form.setPriority } : {}),
    ...(addTags.length ? { tags: addTags } : {}),
    ...(form.requiredSkills.length ? { requiredSkills: form.requiredSkills } : {}),
    ...(form.teamId && form.escalate ? { escalate: true } : {}),
  };
  return { conditions, actions };
}

/** Adds or removes one entry of a multiple choice, keeping the order of `all`. */
export function toggled<T>(all: readonly T[], chosen: readonly T[], item: T, on: boolean): T[] {
  return all.filter((x) => (x === item ? on : chosen.includes(x)));
}
