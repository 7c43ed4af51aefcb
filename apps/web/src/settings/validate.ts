import type { MessageKey } from '../messages/en.js';

/** What is wrong with one field: a message key (`settings.invalid.*`) and its values. */
export interface Problem {
  key: MessageKey;
  values?: Record<string, string | number>;
}

/** A rule returns the problem with a value, or null when it is fine. */
export type Rule = (value: string) => Problem | null;

export type Problems<F extends string> = Partial<Record<F, Problem>>;

const problem = (key: MessageKey, values?: Problem['values']): Problem =>
  values ? { key, values } : { key };

export const required: Rule = (value) =>
  value.trim() === '' ? problem('settings.invalid.required') : null;

export const maxLength =
  (max: number): Rule =>
  (value) =>
    value.length > max ? problem('settings.invalid.tooLong', { max }) : null;

/** The same shape the API's `format: email` accepts, loosely: something@domain.tld. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const email: Rule = (value) =>
  value.trim() === '' || EMAIL.test(value.trim()) ? null : problem('settings.invalid.email');

/** Only when the value is not empty (emptiness is `required`'s business). */
export const matches =
  (pattern: RegExp, key: MessageKey): Rule =>
  (value) =>
    value === '' || pattern.test(value) ? null : problem(key);

export const ticketPrefix = matches(/^[A-Za-z0-9#-]{0,10}$/, 'settings.invalid.ticketPrefix');
export const shortcut = matches(/^[a-z0-9_-]{1,40}$/, 'settings.invalid.shortcut');
/** Custom field keys and skill types: lower-case letter first, then letters, digits, _. */
export const identifier = matches(/^[a-z][a-z0-9_]{0,39}$/, 'settings.invalid.identifier');

export const integerBetween =
  (min: number, max: number): Rule =>
  (value) => {
    if (value.trim() === '') return null;
    const n = Number(value);
    return Number.isInteger(n) && n >= min && n <= max
      ? null
      : problem('settings.invalid.range', { min, max });
  };

export const numberBetween =
  (min: number, max: number): Rule =>
  (value) => {
    if (value.trim() === '') return null;
    const n = Number(value);
    return Number.isFinite(n) && n >= min && n <= max
      ? null
      : problem('settings.invalid.range', { min, max });
  };

/** Runs each field's rules in order; the first problem of a field is its problem. */
export function check<F extends string>(
  values: Record<F, string>,
  rules: Partial<Record<F, Rule[]>>,
): Problems<F> {
  const problems: Problems<F> = {};
  for (const field of Object.keys(rules) as F[]) {
    for (const rule of rules[field] ?? []) {
      const found = rule(values[field]);
      if (found) {
        problems[field] = found;
        break;
      }
    }
  }
  return problems;
}

export const isValid = (problems: Problems<string>) => Object.keys(problems).length === 0;

/** A list typed one per line (or separated by commas): trimmed, empty entries dropped. */
export function parseList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A list typed one per line (entries may hold commas): trimmed, empty lines dropped. */
export function parseLines(text: string): string[] {
  return text
    .split('\n')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A list of unique entries, each at most `maxItem` long, at most `maxCount` of them. */
export const list =
  (opts: {
    maxItem: number;
    maxCount: number;
    each?: Rule;
    split?: (text: string) => string[];
  }): Rule =>
  (value) => {
    const items = (opts.split ?? parseList)(value);
    if (items.length > opts.maxCount)
      return problem('settings.invalid.tooMany', { max: opts.maxCount });
    const seen = new Set<string>();
    for (const item of items) {
      if (item.length > opts.maxItem)
        return problem('settings.invalid.itemTooLong', { value: item, max: opts.maxItem });
      const bad = opts.each?.(item);
      if (bad) return problem(bad.key, { ...bad.values, value: item });
      const folded = item.toLowerCase();
      if (seen.has(folded)) return problem('settings.invalid.duplicate', { value: item });
      seen.add(folded);
    }
    return null;
  };

export const emailItem: Rule = (value) =>
  EMAIL.test(value) ? null : problem('settings.invalid.emailItem', { value });

/** The `{name}` placeholders in a text that are not among the allowed ones. */
export function unknownPlaceholders(text: string, allowed: readonly string[]): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !allowed.includes(name));
}

export const knownPlaceholders =
  (allowed: readonly string[]): Rule =>
  (value) => {
    const unknown = unknownPlaceholders(value, allowed);
    return unknown[0] ? problem('settings.invalid.placeholder', { name: `{${unknown[0]}}` }) : null;
  };

/** The acknowledgement must carry the ticket number, in its subject or its body. */
export function missingNumber(subject: string, body: string): Problem | null {
  return subject.includes('{number}') || body.includes('{number}')
    ? null
    : problem('settings.acks.numberRequired', { token: '{number}' });
}

export const isChoice = (type: string) => type === 'select' || type === 'multiselect';

/** A choice field needs one option or more (unique, each at most 100 long); the others take none. */
export function optionsProblem(type: string, text: string): Problem | null {
  if (!isChoice(type)) return null;
  if (parseLines(text).length === 0) return problem('settings.fields.optionsNeeded');
  return list({ maxItem: 100, maxCount: 200, split: parseLines })(text);
}
