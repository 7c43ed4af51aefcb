import type { TimelineEvent } from '@parley/contract';
import type { MessageKey } from '../messages/en.js';

/** The routing decisions the timeline shows between the messages. */
export const routingTypes = new Set([
  'conversation.routed',
  'conversation.queued',
  'conversation.not_routed',
  'conversation.handed_back',
  'conversation.overflowed',
  'conversation.escalated',
]);

const text = (value: unknown) => (typeof value === 'string' ? value : '');
const num = (value: unknown) => (typeof value === 'number' ? value : 0);

export interface RoutingWords {
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
  formatNumber: (n: number) => string;
  /** A user's name, or null when unknown here. */
  user: (id: unknown) => string | null;
  /** A team's name, or null when unknown here. */
  team: (id: unknown) => string | null;
}

/**
 * One routing decision in the user's language, from the timeline entry's data only: what
 * happened (a line) and why (the strategy with load and today's count, the rule or default
 * team, the language skill, an escalation's note).
 */
export function describeRouting(
  event: TimelineEvent,
  words: RoutingWords,
): { line: string; details: string[] } {
  const { t } = words;
  const d = event.data;
  const user = (id: unknown) => words.user(id) ?? t('routing.someone');
  const team = (id: unknown, name?: unknown) =>
    words.team(id) ?? (text(name) || t('routing.someone'));
  let line = '';
  const details: string[] = [];
  switch (event.type) {
    case 'conversation.routed': {
      const values = { agent: user(d.agentId), team: team(d.teamId) };
      line =
        text(d.trigger) === 'drain'
          ? t('routing.routedFromQueue', values)
          : t('routing.routed', values);
      const load = (d.load ?? {}) as { channel?: unknown; limit?: unknown };
      const limit = typeof load.limit === 'number' ? `/${words.formatNumber(load.limit)}` : '';
      const strategy = text(d.strategy);
      if (strategy && strategy !== 'manual')
        details.push(
          t('routing.why', {
            strategy: t(`strategy.${strategy as 'least_loaded'}`),
            load: `${words.formatNumber(num(load.channel))}${limit}`,
            today: num(d.assignedToday),
          }),
        );
      break;
    }
    case 'conversation.queued':
      line = t('routing.queued', { team: team(d.teamId), reason: text(d.reason) });
      break;
    case 'conversation.not_routed':
      line = t('routing.notRouted', { reason: text(d.reason) });
      break;
    case 'conversation.handed_back':
      line = d.to
        ? t('routing.handedBackTo', { reason: text(d.reason), from: user(d.from), to: user(d.to) })
        : t('routing.handedBackQueue', { reason: text(d.reason), from: user(d.from) });
      break;
    case 'conversation.overflowed':
      line = t('routing.overflowed', {
        team: team(d.toTeamId, d.toTeamName),
        minutes: Math.round(num(d.waitedSeconds) / 60),
      });
      break;
    case 'conversation.escalated':
      line = d.rule
        ? t('routing.escalatedByRule', { team: team(d.toTeamId, d.toTeamName) })
        : t('routing.escalated', {
            name: user(event.actor.id),
            team: team(d.toTeamId, d.toTeamName),
          });
      if (text(d.note)) details.push(text(d.note));
      break;
  }
  const languageSkill = d.languageSkill as { value?: unknown } | undefined;
  if (languageSkill && text(languageSkill.value))
    details.push(t('routing.languageSkill', { name: text(languageSkill.value) }));
  const rule = d.rule as { name?: unknown } | null | undefined;
  if (rule && text(rule.name)) details.push(t('routing.rule', { rule: text(rule.name) }));
  else if (d.defaultTeam) details.push(t('routing.defaultTeam'));
  return { line, details };
}
