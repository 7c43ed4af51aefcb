import type { Message } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { keysFor, mergeMessage, reconnectDelay } from './realtime.js';

const message = (seq: number, id = `m${seq}`): Message => ({
  id,
  conversationId: 'c',
  seq,
  kind: 'inbound',
  author: { type: 'contact', id: 'k' },
  channel: 'email',
  text: `wiadomość ${seq}`,
  html: null,
  attachments: [],
  deliveryStatus: null,
  createdAt: '2026-11-22T12:00:00Z',
});

describe('realtime client', () => {
  it('waits a random time up to a doubling cap of 30 s before reconnecting', () => {
    expect(reconnectDelay(0, () => 1)).toBe(1000);
    expect(reconnectDelay(3, () => 1)).toBe(8000);
    expect(reconnectDelay(10, () => 1)).toBe(30_000);
    expect(reconnectDelay(10, () => 0)).toBe(0);
    // A thousand clients after a restart spread out instead of arriving at once.
    const delays = Array.from({ length: 1000 }, () => reconnectDelay(2));
    expect(Math.min(...delays)).toBeLessThan(500);
    expect(Math.max(...delays)).toBeGreaterThan(3500);
  });

  it('adds a message to the cached page once, in sequence order', () => {
    const page = { data: [message(1), message(3)], nextCursor: null };
    const withTwo = mergeMessage(page, message(2));
    expect(withTwo?.data.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(mergeMessage(withTwo, message(2))).toBe(withTwo);
    expect(mergeMessage(withTwo, message(3, 'other-id'))).toBe(withTwo);
    expect(mergeMessage(undefined, message(1))).toBeUndefined();
  });

  it('marks the queues and the SLA forecast stale on conversation, presence and team events', () => {
    const event = (aggregateType: string, type: string) => ({
      id: 1,
      type,
      aggregateType,
      aggregateId: 'x',
      data: {},
      createdAt: '2026-11-22T12:00:00Z',
    });
    expect(keysFor(event('conversation', 'conversation.assigned'))).toEqual(
      expect.arrayContaining([['queues'], ['sla-forecast']]),
    );
    expect(keysFor(event('user', 'agent.presence_changed'))).toContainEqual(['queues']);
    expect(keysFor(event('team', 'team.updated'))).toEqual([['queues']]);
  });
});
