import type { AgentLoadView, Conversation } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import {
  barPercent,
  capacityOf,
  channelLoads,
  durationParts,
  formatDuration,
  liveWait,
  periodRange,
  totalsByTarget,
  transferCandidates,
  waitingList,
} from './logic.js';

const agent = (over: Partial<AgentLoadView>): AgentLoadView => ({
  userId: 'u',
  name: 'Ann',
  presence: 'online',
  availableNow: true,
  teamIds: [],
  load: { total: 0, byChannel: {} },
  limits: {},
  assignedToday: 0,
  ...over,
});

describe('manager views', () => {
  it('shows load against the agent’s own limits, else the smallest of their teams’', () => {
    const teams = [
      { teamId: 'a', limits: { email: 5, chat: 3 } },
      { teamId: 'b', limits: { email: 8, chat: 2 } },
      { teamId: 'c', limits: { email: 1 } }, // not theirs
    ];
    expect(capacityOf(agent({ teamIds: ['a', 'b'], limits: { chat: 4 } }), teams)).toEqual({
      email: 5,
      chat: 4,
    });
    expect(capacityOf(agent({ teamIds: [] }), teams)).toEqual({});
  });

  it('lists each channel with work or a limit, and marks a full one', () => {
    expect(channelLoads({ email: 2, chat: 3, sms: 0 }, { chat: 3, whatsapp: 1 })).toEqual([
      { channel: 'chat', count: 3, limit: 3, full: true },
      { channel: 'email', count: 2, limit: null, full: false },
      { channel: 'whatsapp', count: 0, limit: 1, full: false },
    ]);
  });

  it('ticks the wait on from the server’s figure, whatever the browser’s clock says', () => {
    const fetchedAt = Date.parse('2026-11-22T12:00:00Z');
    expect(liveWait(270, fetchedAt, fetchedAt + 5_900)).toBe(275);
    expect(liveWait(270, fetchedAt, fetchedAt - 3_000)).toBe(270);
    expect(liveWait(null, fetchedAt, fetchedAt)).toBeNull();
  });

  it('writes a duration as its two largest units in the user’s language', () => {
    expect(durationParts(0)).toEqual([{ value: 0, unit: 'second' }]);
    expect(durationParts(45)).toEqual([{ value: 45, unit: 'second' }]);
    expect(durationParts(3600 * 2 + 5 * 60 + 9)).toEqual([
      { value: 2, unit: 'hour' },
      { value: 5, unit: 'minute' },
    ]);
    expect(durationParts(86_400 * 3 + 30)).toEqual([{ value: 3, unit: 'day' }]);
    expect(formatDuration(750, 'en')).toMatch(/^12 min,? 30 sec$/);
    // Persian digits and words come from Intl.
    expect(formatDuration(750, 'fa')).toMatch(/۱۲/);
  });

  it('turns a period into whole local days ending with today', () => {
    const now = new Date(2026, 10, 22, 15, 30);
    const week = periodRange('7d', now);
    expect(new Date(week.from)).toEqual(new Date(2026, 10, 16));
    expect(new Date(week.to)).toEqual(new Date(2026, 10, 23));
    const today = periodRange('today', now);
    expect(new Date(today.from)).toEqual(new Date(2026, 10, 22));
  });

  it('merges the waiting pages oldest first, each conversation once, none assigned', () => {
    const c = (id: string, createdAt: string, assigneeId: string | null = null) =>
      ({ id, createdAt, assigneeId }) as Conversation;
    const list = waitingList(
      [c('2', '2026-11-22T10:00:00Z'), c('3', '2026-11-22T09:00:00Z', 'u1')],
      [c('1', '2026-11-22T08:00:00Z'), c('2', '2026-11-22T10:00:00Z')],
    );
    expect(list.map((x) => x.id)).toEqual(['1', '2']);
  });

  it('offers available agents first, the team’s own before others', () => {
    const { available, unavailable } = transferCandidates(
      [
        agent({ userId: '1', name: 'Zed', teamIds: ['t'] }),
        agent({ userId: '2', name: 'Amy', teamIds: ['x'] }),
        agent({ userId: '3', name: 'Bob', teamIds: ['t'], availableNow: false }),
      ],
      't',
    );
    expect(available.map((a) => a.userId)).toEqual(['1', '2']);
    expect(unavailable.map((a) => a.userId)).toEqual(['3']);
  });

  it('keeps bars within their track', () => {
    expect(barPercent(null)).toBe(0);
    expect(barPercent(0.8765)).toBe(87.7);
    expect(barPercent(1.2)).toBe(100);
  });

  it('adds the report’s groups up per target, attainment over the decided ones', () => {
    const target = (name: 'firstResponse' | 'resolution', met: number, breached: number) => ({
      target: name,
      started: met + breached + 1,
      metOnTime: met,
      breached,
      attainment: null,
      medianSeconds: null,
      p90Seconds: null,
    });
    const totals = totalsByTarget([
      { id: 'a', name: 'A', targets: [target('resolution', 3, 1), target('firstResponse', 1, 0)] },
      {
        id: null,
        name: null,
        targets: [target('firstResponse', 2, 1), target('resolution', 0, 0)],
      },
    ]);
    expect(totals.map((x) => x.target)).toEqual(['firstResponse', 'resolution']);
    expect(totals[0]).toMatchObject({ started: 6, metOnTime: 3, breached: 1, attainment: 0.75 });
    expect(totals[1]).toMatchObject({ metOnTime: 3, breached: 1 });
    expect(
      totalsByTarget([{ id: 'a', name: 'A', targets: [target('resolution', 0, 0)] }])[0]
        ?.attainment,
    ).toBeNull();
  });
});
