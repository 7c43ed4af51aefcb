import { asciiDigits } from '../format.js';
import type { Problem, Rule } from './validate.js';

const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60 } as const;

/**
 * A duration typed by a person, in seconds: "1h 30m", "90m", "1.5h", "2d 4h", "1:30"
 * (hours:minutes) or a bare number of minutes ("45"). Null when it is not one of those
 * or it is empty.
 */
export function parseDuration(text: string): number | null {
  const input = asciiDigits(text).trim().toLowerCase().replace(/,/g, '.');
  if (input === '') return null;
  const clock = /^(\d+):([0-5]\d)$/.exec(input);
  if (clock) return (Number(clock[1]) * 60 + Number(clock[2])) * 60;
  if (/^\d+(\.\d+)?$/.test(input)) return Math.round(Number(input) * 60);
  const parts =
    /^(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?$/.exec(
      input,
    );
  if (!parts || (parts[1] ?? parts[2] ?? parts[3]) === undefined) return null;
  const [, d, h, m] = parts;
  return Math.round(
    Number(d ?? 0) * UNIT_SECONDS.d +
      Number(h ?? 0) * UNIT_SECONDS.h +
      Number(m ?? 0) * UNIT_SECONDS.m,
  );
}

/** Seconds as whole days, hours and minutes (rounded to the minute). */
export function durationParts(seconds: number): { days: number; hours: number; minutes: number } {
  const total = Math.round(seconds / 60);
  return {
    days: Math.floor(total / 1440),
    hours: Math.floor((total % 1440) / 60),
    minutes: total % 60,
  };
}

/** Seconds as the input writes them back ("1d 2h 30m"; what `parseDuration` reads). */
export function formatDuration(seconds: number): string {
  const { days, hours, minutes } = durationParts(seconds);
  const text = [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`]
    .filter(Boolean)
    .join(' ');
  return text || '0m';
}

/** An empty or well-formed duration from `min` to `max` seconds. */
export const duration =
  (min: number, max: number): Rule =>
  (value): Problem | null => {
    if (value.trim() === '') return null;
    const seconds = parseDuration(value);
    if (seconds === null) return { key: 'settings.invalid.duration' };
    if (seconds < min || seconds > max)
      return {
        key: 'settings.invalid.durationRange',
        values: { min: formatDuration(min), max: formatDuration(max) },
      };
    return null;
  };
