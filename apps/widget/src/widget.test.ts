import type { VisitorMessage } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { backoff, clientId, mergeMessages } from './client.js';
import { catalogs, pickLocale, translate } from './i18n.js';

const message = (seq: number, id = `m${seq}`): VisitorMessage => ({
  id,
  seq,
  from: 'agent',
  authorName: 'Ola',
  text: `wiadomość ${seq}`,
  attachments: [],
  deliveryStatus: null,
  createdAt: '2026-11-22T12:00:00Z',
});

describe('widget', () => {
  it('keeps each message once, in sequence order', () => {
    const merged = mergeMessages([message(1), message(3)], [message(2), message(3), message(1)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(mergeMessages(merged, [message(2, 'another')]).map((m) => m.id)).toEqual([
      'm1',
      'm2',
      'm3',
    ]);
  });

  it('makes client message ids the server accepts, never the same twice', () => {
    const ids = new Set(Array.from({ length: 1000 }, clientId));
    expect(ids.size).toBe(1000);
    for (const id of [...ids].slice(0, 10)) expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });

  it('waits a random while, capped at 30 s, before reconnecting', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const wait = backoff(attempt);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(Math.min(30_000, 1000 * 2 ** attempt));
    }
  });

  it('speaks the page’s language when Parley does, with every string in every language', () => {
    expect(pickLocale(['fa-IR', 'en'])).toBe('fa');
    expect(pickLocale(['de-DE', 'sv-SE'])).toBe('sv');
    expect(pickLocale(['de'])).toBe('en');
    expect(translate('pl', 'typing', { name: 'Ola' })).toBe('Ola pisze…');
    expect(translate('zh', 'thanks', { number: '#1042' })).toBe('谢谢！您的工单编号是 #1042。');
    for (const catalog of Object.values(catalogs))
      expect(Object.keys(catalog).sort()).toEqual(Object.keys(catalogs.en).sort());
  });
});
