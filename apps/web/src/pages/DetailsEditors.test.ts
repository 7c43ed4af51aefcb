import { describe, expect, it } from 'vitest';
import { fieldInputValue, parseFieldInput, tagToAdd, TAG_LIMITS } from './DetailsEditors.js';

describe('tags typed in the details panel', () => {
  it('trims and folds spaces, and refuses an empty, repeated or overlong list', () => {
    expect(tagToAdd('  zwrot   pieniędzy ', ['vip'])).toBe('zwrot pieniędzy');
    expect(tagToAdd('   ', [])).toBeNull();
    expect(tagToAdd('VIP', ['vip'])).toBeNull();
    expect(tagToAdd('退款', [])).toBe('退款');
    expect(tagToAdd('x'.repeat(80), [])).toHaveLength(TAG_LIMITS.length);
    const full = Array.from({ length: TAG_LIMITS.count }, (_, i) => `t${String(i)}`);
    expect(tagToAdd('one more', full)).toBeNull();
  });
});

describe('custom field inputs', () => {
  it('reads a number with a decimal comma, and says when the text is no number', () => {
    const number = { type: 'number' as const };
    expect(parseFieldInput(number, '12,5')).toBe(12.5);
    expect(parseFieldInput(number, ' 7 ')).toBe(7);
    expect(parseFieldInput(number, 'sju')).toBeUndefined();
    expect(parseFieldInput(number, '')).toBeNull();
  });

  it('removes a value left empty and keeps text trimmed', () => {
    const text = { type: 'text' as const };
    expect(parseFieldInput(text, '   ')).toBeNull();
    expect(parseFieldInput(text, ' سفارش ۱۰۴۲ ')).toBe('سفارش ۱۰۴۲');
  });

  it('shows what is stored, and nothing for a value of another type', () => {
    expect(fieldInputValue({ type: 'number' }, 3)).toBe('3');
    expect(fieldInputValue({ type: 'number' }, 'three')).toBe('');
    expect(fieldInputValue({ type: 'date' }, '2026-11-23')).toBe('2026-11-23');
    expect(fieldInputValue({ type: 'text' }, null)).toBe('');
    expect(fieldInputValue({ type: 'text' }, undefined)).toBe('');
  });
});
