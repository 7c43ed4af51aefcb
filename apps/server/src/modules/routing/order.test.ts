import { describe, expect, it } from 'vitest';
import { chooseAgent, orderCandidates } from './decide.js';

const agent = (
  userId: string,
  over: Partial<{
    channelLoad: number;
    totalLoad: number;
    skillScore: number;
    limit: number | null;
    lastAssignedAt: Date | null;
    assignedToday: number;
  }> = {},
) => ({
  userId,
  channelLoad: 0,
  totalLoad: 0,
  skillScore: 0,
  limit: null,
  lastAssignedAt: null,
  assignedToday: 0,
  ...over,
});
const ids = (list: { userId: string }[]) => list.map((c) => c.userId);
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute));

describe('orderCandidates', () => {
  it('least_loaded: load relative to the limit, then total load, then longest since assigned', () => {
    const list = [
      agent('a', { channelLoad: 2, limit: 4, totalLoad: 3 }), // 0.5
      agent('b', { channelLoad: 1, limit: 4 }), // 0.25
      agent('c', { channelLoad: 1, limit: 2, totalLoad: 1 }), // 0.5, less in total than a
      agent('d', { channelLoad: 2, limit: 8, totalLoad: 5 }), // 0.25, more in total than b
      agent('e', { channelLoad: 2, limit: 4, lastAssignedAt: at(5) }), // as a, assigned later
      agent('f', { channelLoad: 2, limit: 4, lastAssignedAt: at(1) }),
    ];
    expect(ids(orderCandidates('least_loaded', list, null))).toEqual([
      'b',
      'd',
      'f',
      'e',
      'c',
      'a',
    ]);
  });

  it('fairness: fewer assigned today goes first, before load, for least_loaded, skills ties and sticky', () => {
    // b resolves fast (no open work) but was given more today than a and c.
    const list = [
      agent('a', { channelLoad: 3, limit: 4, assignedToday: 5 }),
      agent('b', { channelLoad: 0, limit: 4, assignedToday: 9 }),
      agent('c', { channelLoad: 2, limit: 4, assignedToday: 5 }),
    ];
    expect(ids(orderCandidates('least_loaded', list, null))).toEqual(['c', 'a', 'b']);
    expect(ids(orderCandidates('sticky', list, 'gone'))).toEqual(['c', 'a', 'b']);
    const skilled = list.map((c) => ({ ...c, skillScore: 3 }));
    expect(ids(orderCandidates('skills_best_match', skilled, null))).toEqual(['c', 'a', 'b']);
    // chooseAgent (the bench's one pass) picks what orderCandidates puts first.
    for (const strategy of ['least_loaded', 'skills_best_match', 'round_robin', 'sticky'] as const)
      for (const previous of [null, 'a', 'b'])
        expect(chooseAgent(strategy, skilled, previous)?.userId).toBe(
          orderCandidates(strategy, skilled, previous)[0]?.userId,
        );
    expect(chooseAgent('least_loaded', [])).toBeNull();
  });

  it('skills_best_match: highest score first, ties by load', () => {
    const list = [
      agent('a', { skillScore: 4, channelLoad: 3 }),
      agent('b', { skillScore: 9, channelLoad: 5 }),
      agent('c', { skillScore: 4, channelLoad: 1 }),
    ];
    expect(ids(orderCandidates('skills_best_match', list, null))).toEqual(['b', 'c', 'a']);
  });

  it('round_robin: never assigned first, then longest since, load ignored', () => {
    const list = [
      agent('a', { lastAssignedAt: at(3) }),
      agent('b', { lastAssignedAt: at(1), channelLoad: 9 }),
      agent('c'),
    ];
    expect(ids(orderCandidates('round_robin', list, null))).toEqual(['c', 'b', 'a']);
  });

  it('sticky: the previous agent first when a candidate, else least loaded', () => {
    const list = [agent('a', { channelLoad: 1 }), agent('b', { channelLoad: 5 }), agent('c')];
    expect(ids(orderCandidates('sticky', list, 'b'))).toEqual(['b', 'c', 'a']);
    expect(ids(orderCandidates('sticky', list, 'gone'))).toEqual(['c', 'a', 'b']);
  });
});
