import { describe, expect, it } from 'vitest';
import { parseTicketNumber, ticketKey } from './tickets.js';

describe('ticket numbers as customers type them', () => {
  it.each([
    [1042, '#', 1042],
    ['1042', '#', 1042],
    ['#1042', '#', 1042],
    [' # 1042 ', '#', 1042],
    ['PRL-1042', 'PRL-', 1042],
    ['prl-1042', 'PRL-', 1042],
    ['#1042', 'PRL-', 1042],
    ['T9-1042', 'T9-', 1042],
  ] as const)('reads %j with prefix %j as %d', (input, prefix, expected) => {
    expect(parseTicketNumber(input, prefix)).toBe(expected);
  });

  it.each([['abc'], ['1042; drop table'], ['0'], ['-5'], ['12345678901234'], ['OTHER-1042']])(
    'refuses %j',
    (input) => {
      expect(parseTicketNumber(input, 'PRL-')).toBeNull();
    },
  );

  it('counts attempts at the same ticket under one key however it is written', () => {
    expect(new Set([ticketKey(1042), ticketKey('#1042'), ticketKey('PRL-1042')]).size).toBe(1);
  });
});
