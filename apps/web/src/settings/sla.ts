import {
  slaTargetNames,
  type SlaConditions,
  type SlaEscalation,
  type SlaPolicy,
  type SlaPolicyCreateBody,
  type SlaTargetName,
} from '@parley/contract';
import { formatDuration, parseDuration } from './duration.js';
import type { Channel, Priority } from './rules.js';
import { parseList, type Problem } from './validate.js';

export { slaTargetNames };

/** A target as the form edits it: a typed duration (empty: no such target). */
export interface TargetForm {
  duration: string;
  businessHours: boolean;
}

export interface EscalationForm {
  on: 'warning' | 'breach';
  target: SlaTargetName | '';
  raisePriority: boolean;
  unassign: boolean;
  moveToTeamId: string;
}

/** What the policy form edits; word lists as text, the rest as the API has them. */
export interface PolicyForm {
  name: string;
  description: string;
  position: string;
  enabled: boolean;
  calendarId: string;
  pauseOnHold: boolean;
  priorities: Priority[];
  channels: Channel[];
  teamIds: string[];
  categories: string;
  tags: string;
  targets: Record<SlaTargetName, TargetForm>;
  warnAtPercent: string;
  escalations: EscalationForm[];
}

export const newEscalation = (): EscalationForm => ({
  on: 'breach',
  target: '',
  raisePriority: true,
  unassign: false,
  moveToTeamId: '',
});

export function policyForm(policy?: SlaPolicy): PolicyForm {
  const c = policy?.conditions ?? {};
  const target = (name: SlaTargetName): TargetForm => {
    const t = policy?.targets[name];
    return {
      duration: t ? formatDuration(t.seconds) : '',
      businessHours: t?.businessHours ?? true,
    };
  };
  return {
    name: policy?.name ?? '',
    description: policy?.description ?? '',
    position: policy ? String(policy.position) : '',
    enabled: policy?.enabled ?? true,
    calendarId: policy?.calendarId ?? '',
    pauseOnHold: policy?.pauseOnHold ?? false,
    priorities: c.priorities ?? [],
    channels: (c.channels ?? []) as Channel[],
    teamIds: c.teamIds ?? [],
    categories: (c.categories ?? []).join('\n'),
    tags: (c.tags ?? []).join('\n'),
    targets: {
      firstResponse: target('firstResponse'),
      nextResponse: target('nextResponse'),
      resolution: target('resolution'),
    },
    warnAtPercent: (policy?.warnAtPercent ?? [75]).join(', '),
    escalations: (policy?.escalations ?? []).map((e) => ({
      on: e.on,
      target: e.target ?? '',
      raisePriority: e.raisePriority ?? false,
      unassign: e.unassign ?? false,
      moveToTeamId: e.moveToTeamId ?? '',
    })),
  };
}

/** Warning thresholds: up to three whole percentages from 1 to 99. */
export function percentsProblem(text: string): Problem | null {
  const items = parseList(text);
  if (items.length > 3) return { key: 'settings.invalid.tooMany', values: { max: 3 } };
  for (const item of items) {
    const n = Number(item.replace('%', ''));
    if (!Number.isInteger(n) || n < 1 || n > 99)
      return { key: 'settings.invalid.percent', values: { value: item } };
  }
  return null;
}

/** An escalation must do something (raise, unassign or move). */
export const escalationDoesNothing = (e: EscalationForm) =>
  !e.raisePriority && !e.unassign && !e.moveToTeamId;

/**
 * The API's body from the form: empty lists and targets left out (the API wants at least
 * one entry in a list it is given), and the conditions the form does not show (organizations,
 * contact attributes) kept as they were.
 */
export function policyBody(form: PolicyForm, original?: SlaPolicy): SlaPolicyCreateBody {
  const categories = parseList(form.categories);
  const tags = parseList(form.tags);
  const { organizationIds, contact } = original?.conditions ?? {};
  const conditions: SlaConditions = {
    ...(organizationIds ? { organizationIds } : {}),
    ...(contact ? { contact } : {}),
    ...(form.priorities.length ? { priorities: form.priorities } : {}),
    ...(form.channels.length ? { channels: form.channels } : {}),
    ...(form.teamIds.length ? { teamIds: form.teamIds } : {}),
    ...(categories.length ? { categories } : {}),
    ...(tags.length ? { tags } : {}),
  };
  const targets: SlaPolicyCreateBody['targets'] = {};
  for (const name of slaTargetNames) {
    const seconds = parseDuration(form.targets[name].duration);
    if (seconds !== null)
      targets[name] = { seconds, businessHours: form.targets[name].businessHours };
  }
  const escalations: SlaEscalation[] = form.escalations.map((e) => ({
    on: e.on,
    ...(e.target ? { target: e.target } : {}),
    ...(e.raisePriority ? { raisePriority: true } : {}),
    ...(e.unassign ? { unassign: true } : {}),
    ...(e.moveToTeamId ? { moveToTeamId: e.moveToTeamId } : {}),
  }));
  return {
    name: form.name.trim(),
    description: form.description.trim() || null,
    ...(form.position.trim() ? { position: Number(form.position) } : {}),
    enabled: form.enabled,
    calendarId: form.calendarId || null,
    pauseOnHold: form.pauseOnHold,
    conditions,
    targets,
    warnAtPercent: parseList(form.warnAtPercent).map((p) => Number(p.replace('%', ''))),
    escalations,
  };
}
