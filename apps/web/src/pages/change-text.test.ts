import { describe, expect, it } from 'vitest';
import { en } from '../messages/en.js';
import { fa } from '../messages/fa.js';
import { pl } from '../messages/pl.js';
import { zh } from '../messages/zh.js';
import { changeTypes, describeChange } from './change-text.js';
import { timelineEvent, timelineWords } from './timeline-fixtures.js';

const fields: Record<string, { label: string; type: string }> = {
  plan: { label: 'Plan', type: 'select' },
  due: { label: 'Due', type: 'date' },
  vip: { label: 'VIP', type: 'boolean' },
  seats: { label: 'Seats', type: 'number' },
  areas: { label: 'Areas', type: 'multiselect' },
};

function words(locale: string, messages: Record<string, string>) {
  const base = timelineWords(locale, messages);
  return {
    ...base,
    field: (key: string) => fields[key] ?? null,
    list: (items: string[]) => base.intl.formatList(items, { type: 'conjunction' }),
    formatDate: (date: string) =>
      base.intl.formatDate(date, { dateStyle: 'medium', timeZone: 'UTC' }),
  };
}

/** By Anna (u1) unless said otherwise. */
const event = (type: string, data: Record<string, unknown>, actorId: string | null = 'u1') =>
  timelineEvent(type, data, actorId);

describe('changes of a conversation in words', () => {
  const english = words('en', en);
  const say = (type: string, data: Record<string, unknown>, actorId?: string | null) =>
    describeChange(event(type, data, actorId), english);

  it('says who added and removed which tags', () => {
    expect(say('conversation.tags_changed', { added: ['billing'], removed: [] })).toEqual([
      'Anna added tag billing',
    ]);
    expect(say('conversation.tags_changed', { added: [], removed: ['x', 'y'] })).toEqual([
      'Anna removed tags x and y',
    ]);
    expect(say('conversation.tags_changed', { added: ['vip'], removed: ['refund'] }, 'u2')).toEqual(
      ['Bo added tag vip', 'Bo removed tag refund'],
    );
    // Entries written before `added`/`removed` existed: worked out from `from` and `to`.
    expect(say('conversation.tags_changed', { from: ['a'], to: ['b', 'c'] })).toEqual([
      'Anna added tags b and c',
      'Anna removed tag a',
    ]);
    expect(say('conversation.tags_changed', { from: ['a', 'b'], to: ['b', 'a'] })).toEqual([]);
  });

  it('says status, priority, assignee and team changes, and who made them', () => {
    expect(say('conversation.status_changed', { from: 'new', to: 'resolved' })).toEqual([
      'Anna changed the status to Resolved',
    ]);
    expect(
      say(
        'conversation.priority_changed',
        { from: 'normal', to: 'urgent', reason: 'sla_escalation' },
        null,
      ),
    ).toEqual(['SLA escalation changed the priority to Urgent']);
    expect(say('conversation.assigned', { from: null, to: 'u2' })).toEqual([
      'Anna assigned it to Bo',
    ]);
    expect(say('conversation.assigned', { from: null, to: 'u1' })).toEqual(['Anna took it']);
    expect(say('conversation.assigned', { from: 'u1', to: null })).toEqual([
      'Anna removed the assignee',
    ]);
    expect(say('conversation.team_changed', { from: null, to: 't1' })).toEqual([
      'Anna moved it to Support',
    ]);
    expect(say('conversation.team_changed', { from: 't1', to: null }, 'gone')).toEqual([
      'someone took it out of its team',
    ]);
  });

  it('says custom field changes by the field’s label and type', () => {
    const field = (key: string, to: unknown) =>
      say('conversation.custom_field_changed', { field: key, from: null, to });
    expect(field('plan', 'Pro')).toEqual(['Anna set Plan to Pro']);
    expect(field('due', '2026-03-05')).toEqual(['Anna set Due to Mar 5, 2026']);
    expect(field('vip', true)).toEqual(['Anna set VIP to yes']);
    expect(field('seats', 1200)).toEqual(['Anna set Seats to 1,200']);
    expect(field('areas', ['EU', 'US'])).toEqual(['Anna set Areas to EU and US']);
    expect(field('plan', null)).toEqual(['Anna cleared Plan']);
    // A field the workspace no longer defines: by its key.
    expect(field('order_number', 'PL-1')).toEqual(['Anna set order_number to PL-1']);
  });

  it('speaks every language, with Polish plural forms', () => {
    const tags = (locale: string, messages: Record<string, string>, added: string[]) =>
      describeChange(
        event('conversation.tags_changed', { added, removed: [] }),
        words(locale, messages),
      );
    expect(tags('pl', pl, ['a'])).toEqual(['Anna dodał(a) tag a']);
    expect(tags('pl', pl, ['a', 'b'])).toEqual(['Anna dodał(a) tagi a i b']);
    expect(tags('fa', fa, ['ویژه'])).toEqual(['Anna برچسب ویژه را افزود']);
    expect(tags('zh', zh, ['退款', 'vip'])).toEqual(['Anna 添加了标签 退款和vip']);
    expect(changeTypes.has('conversation.routed')).toBe(false);
  });
});
