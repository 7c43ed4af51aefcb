import { createIntl } from 'react-intl';
import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from './en.js';
import { fa } from './fa.js';
import { pl } from './pl.js';
import { sv } from './sv.js';
import { zh } from './zh.js';

const catalogs = { en, pl, sv, fa, zh } as Record<string, Record<MessageKey, string>>;
const sample = {
  count: 5,
  updated: 3,
  failed: 1,
  view: 'X',
  number: '#1',
  name: 'N',
  message: 'm',
  reason: 'r',
  q: 'q',
  names: 'A, B',
  actor: 'Ola',
  agent: 'A',
  team: 'T',
  rule: 'R',
  strategy: 'S',
  load: '1/3',
  today: 2,
  minutes: 12,
  from: 'F',
  to: 'T2',
  when: 'in 5 min',
  email: 'ada@example.com',
  value: '+48 600 000 000',
  key: 'plan',
  into: '#2',
  subject: 'S',
  max: 100,
  min: 0,
  date: '1 Jan',
  example: 'PRL-1042',
  language: 'Polski',
  token: '<number>',
  meaning: 'the ticket number',
  field: 'Email',
  tag: 'TAG',
  tags: 'a, b',
  keys: 'Ctrl+Enter',
  size: '1.5',
};

describe('message catalogs', () => {
  it.each(Object.keys(catalogs))('%s: every message is valid ICU and formats', (locale) => {
    const intl = createIntl({
      locale,
      messages: catalogs[locale],
      onError: (e) => {
        throw e;
      },
    });
    for (const key of Object.keys(en) as MessageKey[]) {
      const text = intl.formatMessage({ id: key }, sample);
      expect(text.length, key).toBeGreaterThan(0);
      expect(text, key).not.toContain('{');
    }
  });

  it('explains routing decisions with their reasons, in every language', () => {
    for (const locale of Object.keys(catalogs)) {
      const intl = createIntl({ locale, messages: catalogs[locale] });
      const queued = (reason: string) =>
        intl.formatMessage({ id: 'routing.queued' }, { team: 'Support', reason });
      // Each known reason has its own words, never the catch-all.
      const words = ['manual_strategy', 'team_has_no_members', 'nobody_available', 'hand_back'].map(
        queued,
      );
      expect(new Set([...words, queued('all_at_capacity_or_missing_skills')]).size, locale).toBe(5);
      const handed = intl.formatMessage(
        { id: 'routing.handedBackQueue' },
        { reason: 'deactivated', from: 'Anna' },
      );
      expect(handed, locale).toContain('Anna');
    }
    const pl = createIntl({ locale: 'pl', messages: catalogs.pl });
    expect(pl.formatMessage({ id: 'routing.overflowed' }, { team: 'Zaplecze', minutes: 5 })).toBe(
      'Przeniesiono do zespołu Zaplecze po 5 minutach w kolejce',
    );
  });

  it('uses the Polish plural forms (one, few, many)', () => {
    const intl = createIntl({ locale: 'pl', messages: pl });
    const title = (count: number) =>
      intl.formatMessage({ id: 'list.title' }, { view: 'Moje', count });
    expect(title(1)).toBe('Moje · 1 rozmowa');
    expect(title(3)).toBe('Moje · 3 rozmowy');
    expect(title(5)).toBe('Moje · 5 rozmów');
    expect(title(22)).toBe('Moje · 22 rozmowy');
    expect(title(25)).toBe('Moje · 25 rozmów');
  });

  it('counts settings in Polish plural forms too', () => {
    const intl = createIntl({ locale: 'pl', messages: pl });
    const members = (count: number) =>
      intl.formatMessage({ id: 'settings.teams.members' }, { count });
    expect([1, 2, 5, 22].map(members)).toEqual(['1 osoba', '2 osoby', '5 osób', '22 osoby']);
    expect(intl.formatMessage({ id: 'settings.invalid.tooLong' }, { max: 100 })).toBe(
      'Najwyżej 100 znaków.',
    );
    expect(intl.formatMessage({ id: 'settings.invalid.tooLong' }, { max: 254 })).toBe(
      'Najwyżej 254 znaki.',
    );
  });

  it('writes Persian numbers in Persian digits and Chinese without plural forms', () => {
    const fa = createIntl({ locale: 'fa-IR-u-ca-persian', messages: catalogs.fa });
    expect(fa.formatMessage({ id: 'conversation.messages' }, { count: 12 })).toBe('۱۲ پیام');
    const zh = createIntl({ locale: 'zh-CN', messages: catalogs.zh });
    expect(zh.formatMessage({ id: 'conversation.messages' }, { count: 12 })).toBe('12 条消息');
  });
});
