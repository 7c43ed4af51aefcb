import { describe, expect, it } from 'vitest';
import { duration, formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads hours and minutes in the ways people type them', () => {
    expect(parseDuration('1h 30m')).toBe(5400);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('90 min')).toBe(5400);
    expect(parseDuration('1.5h')).toBe(5400);
    expect(parseDuration('1,5 h')).toBe(5400);
    expect(parseDuration('1:30')).toBe(5400);
    expect(parseDuration('2d 4h')).toBe(2 * 86_400 + 4 * 3600);
    expect(parseDuration(' 8H ')).toBe(8 * 3600);
  });

  it('takes a bare number as minutes', () => {
    expect(parseDuration('45')).toBe(2700);
  });

  it('reads Persian and Arabic-Indic digits', () => {
    expect(parseDuration('۲h')).toBe(7200);
    expect(parseDuration('٣٠m')).toBe(1800);
  });

  it('gives null for what is not a duration', () => {
    for (const text of ['', '   ', 'soon', 'h', '1x', '1:75', '-1h', 'm 30'])
      expect(parseDuration(text), text).toBeNull();
  });
});

describe('formatDuration', () => {
  it('writes what parseDuration reads back', () => {
    for (const seconds of [60, 1800, 3600, 5400, 86_400, 90_000, 8 * 86_400 + 60])
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    expect(formatDuration(5400)).toBe('1h 30m');
    expect(formatDuration(86_400)).toBe('1d');
    expect(formatDuration(0)).toBe('0m');
  });
});

describe('duration rule', () => {
  const rule = duration(60, 366 * 86_400);
  it('accepts empty and good values', () => {
    expect(rule('')).toBeNull();
    expect(rule('4h')).toBeNull();
  });
  it('says what is wrong', () => {
    expect(rule('4 hours please')).toEqual({ key: 'settings.invalid.duration' });
    expect(rule('30s')).toEqual({ key: 'settings.invalid.duration' });
    expect(rule('0m')).toEqual({
      key: 'settings.invalid.durationRange',
      values: { min: '1m', max: '366d' },
    });
  });
});
