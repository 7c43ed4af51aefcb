import { describe, expect, it } from 'vitest';
import { insideHours, matchRule, type ConversationFacts } from './match.js';

const base: ConversationFacts = {
  channel: 'email',
  mailboxId: null,
  language: null,
  priority: 'normal',
  tags: [],
  subject: 'Hello',
  text: 'A question',
  contactAttributes: {},
  organizationId: null,
  category: null,
  customFields: {},
  at: new Date('2026-03-04T10:00:00Z'), // a Wednesday
  timeZone: 'Europe/Warsaw',
};

describe('matchRule', () => {
  // EU customers writing German about billing go to the DACH billing team.
  const rule = {
    conditions: {
      contact: { region: ['EU'] },
      keywords: ['invoice', 'Rechnung'],
      languages: ['de'],
    },
  };
  const regions = [{ region: 'EU' }, { region: 'eu ' }, { region: 'US' }, {}];
  const texts = [
    { subject: 'Your INVOICE 42', text: 'Hallo' },
    { subject: 'Frage', text: 'Die rechnung ist falsch' },
    { subject: 'Frage', text: 'Das Passwort geht nicht' },
  ];
  const languages = ['de', 'de-AT', 'en', 'dee', null];

  it.each(
    regions.flatMap((attributes) =>
      texts.flatMap((words) => languages.map((language) => ({ attributes, words, language }))),
    ),
  )('region $attributes.region × $words.subject/$words.text × $language', (c) => {
    const result = matchRule(
      { ...base, ...c.words, language: c.language, contactAttributes: c.attributes },
      rule,
    );
    const region = (c.attributes.region ?? '').trim().toLowerCase();
    const keyword = !c.words.text.includes('Passwort');
    const german = c.language === 'de' || c.language === 'de-AT';
    expect(result.matched).toBe(region === 'eu' && keyword && german);
    if (result.matched) {
      expect(result.held.map((h) => h.condition)).toEqual(['languages', 'keywords', 'contact']);
      expect(result.held.find((h) => h.condition === 'contact')?.because).toBe('region=EU');
      expect(result.held.find((h) => h.condition === 'languages')?.because).toBe('de');
      expect(result.failed).toBeNull();
    } else {
      // The first failing condition, in the order conditions are checked.
      const expected = !german ? 'languages' : !keyword ? 'keywords' : 'contact';
      expect(result.failed).toBe(expected);
    }
  });

  it('matches everything without conditions, and every attribute of a contact condition must hold', () => {
    expect(matchRule(base, { conditions: {} })).toEqual({ matched: true, held: [], failed: null });
    const enterpriseEu = { conditions: { contact: { region: ['EU'], plan: ['enterprise'] } } };
    const facts = (attributes: Record<string, unknown>) => ({
      ...base,
      contactAttributes: attributes,
    });
    expect(matchRule(facts({ region: 'EU', plan: 'Enterprise' }), enterpriseEu).matched).toBe(true);
    expect(matchRule(facts({ region: 'EU', plan: 'free' }), enterpriseEu).matched).toBe(false);
    expect(
      matchRule(facts({ region: ['US', 'EU'], plan: 'enterprise' }), enterpriseEu).matched,
    ).toBe(true);
    expect(matchRule(facts({ plan: 'enterprise' }), enterpriseEu).failed).toBe('contact');
    expect(
      matchRule(facts({ tier: 2 }), { conditions: { contact: { tier: ['2'] } } }).matched,
    ).toBe(true);
  });

  it('checks organization, category and custom fields (every named field, any value, lists by element)', () => {
    const org = '01a20000-0000-7000-8000-00000000000a';
    const rule = {
      conditions: {
        organizationIds: [org],
        categories: ['Billing'],
        customFields: { plan: ['Enterprise'], modules: ['sso'] },
      },
    };
    const facts = {
      ...base,
      organizationId: org,
      category: 'billing',
      customFields: { plan: 'enterprise', modules: ['crm', 'SSO'], seats: 40 },
    };
    expect(matchRule(facts, rule)).toEqual({
      matched: true,
      held: [
        { condition: 'organizationIds', because: org },
        { condition: 'categories', because: 'Billing' },
        { condition: 'customFields', because: 'plan=Enterprise, modules=sso' },
      ],
      failed: null,
    });
    expect(matchRule({ ...facts, organizationId: null }, rule).failed).toBe('organizationIds');
    expect(matchRule({ ...facts, category: 'tech' }, rule).failed).toBe('categories');
    expect(matchRule({ ...facts, category: null }, rule).failed).toBe('categories');
    expect(
      matchRule({ ...facts, customFields: { plan: 'enterprise', modules: ['crm'] } }, rule).failed,
    ).toBe('customFields');
    expect(matchRule({ ...facts, customFields: {} }, rule).failed).toBe('customFields');
    // Numbers and yes/no compare as text.
    expect(matchRule(facts, { conditions: { customFields: { seats: ['40'] } } }).matched).toBe(
      true,
    );
  });

  it('checks channel, mailbox, priority and tags (any, case-insensitive)', () => {
    const rule = {
      conditions: {
        channels: ['email' as const, 'chat' as const],
        mailboxIds: ['01a20000-0000-7000-8000-000000000001'],
        priorities: ['high' as const, 'urgent' as const],
        tags: ['VIP', 'press'],
      },
    };
    const ok = {
      ...base,
      mailboxId: '01a20000-0000-7000-8000-000000000001',
      priority: 'urgent' as const,
      tags: ['vip'],
    };
    expect(matchRule(ok, rule)).toMatchObject({ matched: true, failed: null });
    expect(matchRule({ ...ok, channel: 'sms' }, rule).failed).toBe('channels');
    expect(matchRule({ ...ok, mailboxId: null }, rule).failed).toBe('mailboxIds');
    expect(matchRule({ ...ok, priority: 'low' }, rule).failed).toBe('priorities');
    expect(matchRule({ ...ok, tags: ['billing'] }, rule).failed).toBe('tags');
  });

  it('reads hours on the workspace wall clock, with windows past midnight and weekdays', () => {
    const office = { from: '08:00', to: '16:00', weekdays: [1, 2, 3, 4, 5] };
    // 10:00 UTC is 11:00 in Warsaw (CET) on a Wednesday.
    expect(insideHours(office, new Date('2026-03-04T10:00:00Z'), 'Europe/Warsaw')).toBe(true);
    // 15:30 UTC is 16:30 in Warsaw: after the window, though inside it in UTC.
    expect(insideHours(office, new Date('2026-03-04T15:30:00Z'), 'Europe/Warsaw')).toBe(false);
    expect(insideHours(office, new Date('2026-03-04T15:30:00Z'), 'UTC')).toBe(true);
    // Saturday.
    expect(insideHours(office, new Date('2026-03-07T10:00:00Z'), 'Europe/Warsaw')).toBe(false);
    const night = { from: '22:00', to: '06:00', weekdays: [5] };
    // 01:00 Saturday in Warsaw belongs to Friday's night.
    expect(insideHours(night, new Date('2026-03-07T00:00:00Z'), 'Europe/Warsaw')).toBe(true);
    // 01:00 Sunday belongs to Saturday's night: not a Friday.
    expect(insideHours(night, new Date('2026-03-08T00:00:00Z'), 'Europe/Warsaw')).toBe(false);
    const rule = { conditions: { hours: { from: '00:00', to: '08:00' } } };
    expect(matchRule(base, rule).failed).toBe('hours');
  });
});
