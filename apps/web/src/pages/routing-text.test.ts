import { describe, expect, it } from 'vitest';
import { en } from '../messages/en.js';
import { pl } from '../messages/pl.js';
import { describeRouting } from './routing-text.js';
import { timelineEvent as event, timelineWords as words } from './timeline-fixtures.js';

describe('routing decisions in words', () => {
  const english = words('en', en);

  it('says who got it, from where, and why', () => {
    expect(
      describeRouting(
        event('conversation.routed', {
          trigger: 'drain',
          agentId: 'u1',
          teamId: 't1',
          strategy: 'least_loaded',
          load: { channel: 2, limit: 5, total: 3 },
          assignedToday: 7,
          rule: { id: 'r', name: 'EU billing' },
        }),
        english,
      ),
    ).toEqual({
      line: 'Assigned from the queue to Anna · Support',
      details: [
        'fewest assigned today, then least loaded · load 2/5 · 7 assigned today',
        'Rule “EU billing”',
      ],
    });
    const byDefault = describeRouting(
      event('conversation.routed', {
        trigger: 'arrival',
        agentId: 'gone',
        teamId: 't1',
        strategy: 'round_robin',
        load: { channel: 0, limit: null },
        assignedToday: 0,
        rule: null,
        defaultTeam: { id: 't1' },
        languageSkill: { id: 's', value: 'pl' },
      }),
      english,
    );
    expect(byDefault.line).toBe('Assigned to someone · Support');
    expect(byDefault.details).toEqual([
      'round robin · load 0 · 0 assigned today',
      'Needs the language skill “pl”',
      'Default team: no rule matched',
    ]);
  });

  it('explains waiting, not routing, hand-backs, overflow and escalation', () => {
    const line = (type: string, data: Record<string, unknown>, actor: string | null = null) =>
      describeRouting(event(type, data, actor), english).line;
    expect(line('conversation.queued', { teamId: 't1', reason: 'nobody_available' })).toBe(
      'Waiting in the Support queue: nobody is available',
    );
    expect(line('conversation.not_routed', { reason: 'no_rule_matched' })).toBe(
      'Not routed: no rule matched and there is no default team',
    );
    expect(line('conversation.handed_back', { from: 'u1', to: 'u2', reason: 'absence' })).toBe(
      'Anna is away: handed to Bo',
    );
    expect(line('conversation.handed_back', { from: 'u1', to: null, reason: 'offline' })).toBe(
      'Anna went offline: back to the queue',
    );
    expect(
      line('conversation.overflowed', {
        toTeamId: 'gone',
        toTeamName: 'Backup',
        waitedSeconds: 610,
      }),
    ).toBe('Overflowed to Backup after 10 minutes in the queue');
    expect(
      describeRouting(
        event('conversation.escalated', { toTeamId: 't2', note: 'Needs a specialist' }, 'u1'),
        english,
      ),
    ).toEqual({ line: 'Anna escalated to Specialists', details: ['Needs a specialist'] });
    expect(
      line('conversation.escalated', { toTeamId: 't2', rule: { id: 'r', name: 'Lawyers' } }),
    ).toBe('Escalated to Specialists by a rule');
  });

  it('speaks Polish with its plural forms', () => {
    const polish = words('pl', pl);
    expect(
      describeRouting(
        event('conversation.overflowed', { toTeamId: 't2', waitedSeconds: 120 }),
        polish,
      ).line,
    ).toBe('Przeniesiono do zespołu Specialists po 2 minutach w kolejce');
    expect(
      describeRouting(
        event('conversation.routed', {
          agentId: 'u1',
          teamId: 't1',
          strategy: 'least_loaded',
          load: { channel: 1, limit: 3 },
          assignedToday: 5,
        }),
        polish,
      ).details,
    ).toEqual([
      'najmniej przypisanych dziś, potem najmniejsze obciążenie · obciążenie 1/3 · dziś przypisano 5 rozmów',
    ]);
  });
});
