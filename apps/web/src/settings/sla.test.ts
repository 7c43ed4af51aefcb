import type { SlaPolicy } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import {
  escalationDoesNothing,
  newEscalation,
  percentsProblem,
  policyBody,
  policyForm,
} from './sla.js';

const policy: SlaPolicy = {
  id: 'p1',
  name: 'Urgent',
  description: null,
  position: 2,
  enabled: true,
  calendarId: 'c1',
  conditions: { priorities: ['urgent'], contact: { tier: ['gold'] } },
  targets: {
    firstResponse: { seconds: 1800, businessHours: false },
    resolution: { seconds: 8 * 3600, businessHours: true },
  },
  pauseOnHold: false,
  warnAtPercent: [75, 90],
  escalations: [{ on: 'breach', target: 'firstResponse', raisePriority: true }],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('policy form', () => {
  it('writes durations people can read and edit', () => {
    const form = policyForm(policy);
    expect(form.targets.firstResponse).toEqual({ duration: '30m', businessHours: false });
    expect(form.targets.nextResponse.duration).toBe('');
    expect(form.targets.resolution.duration).toBe('8h');
    expect(form.warnAtPercent).toBe('75, 90');
  });

  it('gives back the API body, keeping conditions it does not show', () => {
    const body = policyBody(policyForm(policy), policy);
    expect(body).toEqual({
      name: 'Urgent',
      description: null,
      position: 2,
      enabled: true,
      calendarId: 'c1',
      pauseOnHold: false,
      conditions: { priorities: ['urgent'], contact: { tier: ['gold'] } },
      targets: policy.targets,
      warnAtPercent: [75, 90],
      escalations: [{ on: 'breach', target: 'firstResponse', raisePriority: true }],
    });
  });

  it('leaves out empty lists and targets of a new policy', () => {
    const form = policyForm();
    form.name = ' Everyone ';
    form.targets.firstResponse.duration = '4h';
    form.categories = 'billing, refunds';
    const body = policyBody(form);
    expect(body.conditions).toEqual({ categories: ['billing', 'refunds'] });
    expect(body.targets).toEqual({ firstResponse: { seconds: 14_400, businessHours: true } });
    expect(body.calendarId).toBeNull();
    expect(body).not.toHaveProperty('position');
    expect(body.name).toBe('Everyone');
  });
});

describe('warnings and escalations', () => {
  it('checks warning percentages', () => {
    expect(percentsProblem('75, 90%')).toBeNull();
    expect(percentsProblem('')).toBeNull();
    expect(percentsProblem('50, 100')).toEqual({
      key: 'settings.invalid.percent',
      values: { value: '100' },
    });
    expect(percentsProblem('10 20 30')).toEqual({
      key: 'settings.invalid.percent',
      values: { value: '10 20 30' },
    });
    expect(percentsProblem('10,20,30,40')).toEqual({
      key: 'settings.invalid.tooMany',
      values: { max: 3 },
    });
  });

  it('knows an escalation that would do nothing', () => {
    expect(escalationDoesNothing(newEscalation())).toBe(false);
    expect(escalationDoesNothing({ ...newEscalation(), raisePriority: false })).toBe(true);
  });
});
