import type { TimelineEvent } from '@parley/contract';
import type { MessageKey } from '../messages/en.js';

/** The changes of a conversation the timeline shows between the messages, as system lines. */
export const changeTypes = new Set([
  'conversation.status_changed',
  'conversation.priority_changed',
  'conversation.assigned',
  'conversation.team_changed',
  'conversation.tags_changed',
  'conversation.custom_field_changed',
]);

const statuses = new Set(['new', 'open', 'pending', 'on_hold', 'resolved', 'closed']);
const priorities = new Set(['low', 'normal', 'high', 'urgent']);

export interface ChangeWords {
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
  /** A user's name, or null when unknown here. */
  user: (id: unknown) => string | null;
  /** A team's name, or null when unknown here. */
  team: (id: unknown) => string | null;
  /** A conversation field's label and type, or null when the workspace no longer has it. */
  field: (key: string) => { label: string; type: string } | null;
  /** Items as one phrase in the user's language ("a, b and c"). */
  list: (items: string[]) => string;
  formatNumber: (n: number) => string;
  /** A calendar date (YYYY-MM-DD) in the user's language. */
  formatDate: (date: string) => string;
}

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** What a tags entry added and removed: said by newer entries, worked out for older ones. */
function tagChanges(data: Record<string, unknown>) {
  const from = strings(data.from);
  const to = strings(data.to);
  return {
    added: Array.isArray(data.added) ? strings(data.added) : to.filter((x) => !from.includes(x)),
    removed: Array.isArray(data.removed)
      ? strings(data.removed)
      : from.filter((x) => !to.includes(x)),
  };
}

/**
 * One change of a conversation in the user's language, from the timeline entry alone: who
 * (a person, or the SLA escalation) did what. A tags entry that both added and removed is two
 * lines; an entry with nothing to say (tags only reordered) none.
 */
export function describeChange(event: TimelineEvent, words: ChangeWords): string[] {
  const { t } = words;
  const d = event.data;
  const someone = t('routing.someone');
  const name =
    event.actor.type === 'user'
      ? (words.user(event.actor.id) ?? someone)
      : d.reason === 'sla_escalation'
        ? t('change.slaEscalation')
        : t('message.automatic');
  const to = d.to;
  switch (event.type) {
    case 'conversation.status_changed':
      return [
        t('change.status', {
          name,
          value:
            typeof to === 'string' && statuses.has(to) ? t(`status.${to as 'open'}`) : text(to),
        }),
      ];
    case 'conversation.priority_changed':
      return [
        t('change.priority', {
          name,
          value:
            typeof to === 'string' && priorities.has(to)
              ? t(`priority.${to as 'normal'}`)
              : text(to),
        }),
      ];
    case 'conversation.assigned':
      if (to === null || to === undefined) return [t('change.unassigned', { name })];
      if (event.actor.type === 'user' && to === event.actor.id) return [t('change.took', { name })];
      return [t('change.assigned', { name, agent: words.user(to) ?? someone })];
    case 'conversation.team_changed':
      if (to === null || to === undefined) return [t('change.noTeam', { name })];
      return [t('change.team', { name, team: words.team(to) ?? someone })];
    case 'conversation.tags_changed': {
      const { added, removed } = tagChanges(d);
      return [
        ...(added.length > 0
          ? [t('change.tagsAdded', { name, count: added.length, tags: words.list(added) })]
          : []),
        ...(removed.length > 0
          ? [t('change.tagsRemoved', { name, count: removed.length, tags: words.list(removed) })]
          : []),
      ];
    }
    case 'conversation.custom_field_changed': {
      const key = typeof d.field === 'string' ? d.field : '';
      const field = words.field(key);
      const label = field?.label ?? key;
      if (to === null || to === undefined || (Array.isArray(to) && to.length === 0))
        return [t('change.fieldCleared', { name, field: label })];
      let value: string;
      if (typeof to === 'boolean') value = t(to ? 'change.yes' : 'change.no');
      else if (typeof to === 'number') value = words.formatNumber(to);
      else if (Array.isArray(to)) value = words.list(strings(to));
      else if (field?.type === 'date' && typeof to === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(to))
        value = words.formatDate(to);
      else value = text(to);
      return [t('change.field', { name, field: label, value })];
    }
    default:
      return [];
  }
}
