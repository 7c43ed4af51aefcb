import type { RoutingRule } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { formFromRule, otherConditions, ruleBody, toggled } from './rules.js';

const rule: RoutingRule = {
  id: '01900000-0000-7000-8000-000000000001',
  name: 'Polish billing',
  position: 10,
  enabled: true,
  conditions: {
    languages: ['pl'],
    keywords: ['faktura', 'invoice'],
    customFields: { plan: ['pro'] },
    hours: { from: '08:00', to: '16:00', weekdays: [1, 2, 3, 4, 5] },
  },
  actions: { teamId: '01900000-0000-7000-8000-000000000002', tags: ['billing'] },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('routing rule form', () => {
  it('round-trips a rule, keeping the conditions it does not show', () => {
    const form = formFromRule(rule);
    expect(form.keywords).toBe('faktura\ninvoice');
    expect(otherConditions(rule)).toEqual(['customFields']);
    expect(ruleBody(form, rule)).toEqual({ conditions: rule.conditions, actions: rule.actions });
  });

  it('leaves out empty lists and what is switched off; escalates when a team is named', () => {
    const form = {
      ...formFromRule(),
      name: 'Chat',
      channels: ['chat' as const],
      tags: ' , ',
      escalate: true,
      setPriority: 'high' as const,
      weekdays: [5, 1],
    };
    expect(ruleBody(form)).toEqual({
      conditions: { channels: ['chat'] },
      actions: { priority: 'high' },
    });
    expect(ruleBody({ ...form, hoursOn: true, teamId: 'T' })).toEqual({
      conditions: { channels: ['chat'], hours: { from: '09:00', to: '17:00', weekdays: [1, 5] } },
      actions: { priority: 'high', teamId: 'T', escalate: true },
    });
  });

  it('toggles a choice in the order of the options', () => {
    expect(toggled(['a', 'b', 'c'], ['c'], 'a', true)).toEqual(['a', 'c']);
    expect(toggled(['a', 'b', 'c'], ['a', 'c'], 'a', false)).toEqual(['c']);
  });
});
