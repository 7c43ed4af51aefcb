import { describe, expect, it } from 'vitest';
import {
  check,
  email,
  emailItem,
  identifier,
  integerBetween,
  isValid,
  knownPlaceholders,
  list,
  maxLength,
  missingNumber,
  numberBetween,
  optionsProblem,
  parseLines,
  parseList,
  required,
  shortcut,
  ticketPrefix,
  unknownPlaceholders,
} from './validate.js';

describe('settings form checks', () => {
  it('say what is wrong with a field, first problem first', () => {
    const problems = check(
      { name: '   ', prefix: 'PRL 1', days: '400', note: '' },
      {
        name: [required, maxLength(5)],
        prefix: [ticketPrefix],
        days: [required, integerBetween(0, 365)],
        note: [maxLength(10)],
      },
    );
    expect(problems).toEqual({
      name: { key: 'settings.invalid.required' },
      prefix: { key: 'settings.invalid.ticketPrefix' },
      days: { key: 'settings.invalid.range', values: { min: 0, max: 365 } },
    });
    expect(isValid(problems)).toBe(false);
    expect(isValid(check({ name: 'Acme' }, { name: [required, maxLength(5)] }))).toBe(true);
    expect(maxLength(3)('abcd')).toEqual({ key: 'settings.invalid.tooLong', values: { max: 3 } });
  });

  it('accept what the API accepts and refuse what it refuses', () => {
    expect(ticketPrefix('PRL-#')).toBeNull();
    expect(ticketPrefix('')).toBeNull();
    expect(ticketPrefix('ABCDEFGHIJK')).not.toBeNull();
    expect(shortcut('refund_2')).toBeNull();
    expect(shortcut('Refund')).not.toBeNull();
    expect(identifier('order_id')).toBeNull();
    expect(identifier('2fast')).not.toBeNull();
    expect(identifier('Order')).not.toBeNull();
    expect(email('kasia@example.pl')).toBeNull();
    expect(email('kasia@')).toEqual({ key: 'settings.invalid.email' });
    expect(integerBetween(1, 5)('2.5')).not.toBeNull();
    expect(integerBetween(1, 5)('')).toBeNull();
    expect(numberBetween(0, 100)('80.5')).toBeNull();
    expect(numberBetween(0, 100)('abc')).not.toBeNull();
  });

  it('read lists one per line or comma-separated, and find duplicates and bad entries', () => {
    expect(parseList(' a@x.io,\n\n b@x.io ')).toEqual(['a@x.io', 'b@x.io']);
    expect(parseLines('Yes, please\n\nNo ')).toEqual(['Yes, please', 'No']);
    const aliases = list({ maxItem: 254, maxCount: 2, each: emailItem });
    expect(aliases('a@x.io\nA@x.io')).toEqual({
      key: 'settings.invalid.duplicate',
      values: { value: 'A@x.io' },
    });
    expect(aliases('a@x.io\nnope')).toEqual({
      key: 'settings.invalid.emailItem',
      values: { value: 'nope' },
    });
    expect(aliases('a@x.io\nb@x.io\nc@x.io')).toEqual({
      key: 'settings.invalid.tooMany',
      values: { max: 2 },
    });
    expect(aliases('')).toBeNull();
  });

  it('want options for choice fields, and none for others', () => {
    expect(optionsProblem('select', '\n ')).toEqual({ key: 'settings.fields.optionsNeeded' });
    expect(optionsProblem('multiselect', 'Red\nGreen, light')).toBeNull();
    expect(optionsProblem('select', 'Red\nred')).toMatchObject({
      key: 'settings.invalid.duplicate',
    });
    expect(optionsProblem('select', 'x'.repeat(101))).toMatchObject({
      key: 'settings.invalid.itemTooLong',
    });
    expect(optionsProblem('text', '')).toBeNull();
  });

  it('know the placeholders, and that an acknowledgement needs {number}', () => {
    expect(
      unknownPlaceholders('Hi {customer}, re {numbr} and {number}', ['customer', 'number']),
    ).toEqual(['numbr']);
    expect(knownPlaceholders(['name'])('Dear {nme}')).toEqual({
      key: 'settings.invalid.placeholder',
      values: { name: '{nme}' },
    });
    expect(knownPlaceholders(['name'])('Dear {name}')).toBeNull();
    expect(missingNumber('[{number}] Received', 'Thanks')).toBeNull();
    expect(missingNumber('Received', 'Your number is {number}')).toBeNull();
    expect(missingNumber('Received', 'Thanks')).toEqual({
      key: 'settings.acks.numberRequired',
      values: { token: '{number}' },
    });
  });
});
