import { domainToASCII } from 'node:url';
import { AppError } from '../../platform/errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * An email domain in its one stored form: trimmed, lower-case, IDN as punycode
 * (`Bücher.DE` → `xn--bcher-kva.de`), or null when it is not a hostname with at least two
 * labels and an alphabetic top level (no IP addresses, no `localhost`).
 */
export function canonicalDomain(raw: string): string | null {
  const ascii = domainToASCII(raw.trim().replace(/\.$/, '').toLowerCase());
  if (ascii === '' || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  return TOP_LEVEL.test(labels.at(-1) ?? '') ? ascii : null;
}

/** `domains` in stored form without duplicates; `validation_failed` naming each bad one. */
export function normalizeDomains(domains: string[], path = 'body.domains'): string[] {
  const issues: { path: string; message: string }[] = [];
  const result: string[] = [];
  domains.forEach((raw, index) => {
    const domain = canonicalDomain(raw);
    if (domain === null) issues.push({ path: `${path}.${index}`, message: 'is not a domain name' });
    else if (!result.includes(domain)) result.push(domain);
  });
  const first = issues[0];
  if (first) {
    throw new AppError('validation_failed', `${first.path} ${first.message}`, {
      details: { issues },
    });
  }
  return result;
}

/** The domain of an email identity (already lower-cased), in the form organizations store. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at < 0 ? null : canonicalDomain(email.slice(at + 1));
}
