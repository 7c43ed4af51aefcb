import { describe, expect, it } from 'vitest';
import { asciiDigits, initials, relativeTime, textWithLinks } from './format.js';

describe('format', () => {
  it('says how long ago in the user’s language', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    // Exact abbreviations follow the ICU data of the runtime; the words and numbers must be there.
    expect(relativeTime('2026-11-22T11:55:00Z', 'en', now)).toMatch(/^5 min\.? ago$/);
    expect(relativeTime('2026-11-21T12:00:00Z', 'pl', now)).toBe('wczoraj');
    expect(relativeTime('2026-11-22T09:00:00Z', 'sv', now)).toMatch(/^för 3 tim\.? sedan$/);
  });

  it('takes initials from any script, keeping combined characters whole', () => {
    expect(initials('Kasia Nowak')).toBe('KN');
    expect(initials('مریم رضایی')).toBe('مر');
    expect(initials('张伟')).toBe('张');
    expect(initials(null)).toBe('');
  });

  it('reads Persian and Arabic-Indic digits as ASCII ones', () => {
    expect(asciiDigits('۱۲۳ ۴۵۶')).toBe('123 456');
    expect(asciiDigits('٠٩٨٧٦٥')).toBe('098765');
    expect(asciiDigits('12ab')).toBe('12ab');
  });

  it('finds the web addresses in a text, without the sentence’s last stop', () => {
    expect(textWithLinks('Status: http://localhost:3000/portal/demo/tickets/1009.\nBye')).toEqual([
      { text: 'Status: ' },
      { url: 'http://localhost:3000/portal/demo/tickets/1009' },
      { text: '.\nBye' },
    ]);
    expect(textWithLinks('(see https://example.com/a?b=1)')).toEqual([
      { text: '(see ' },
      { url: 'https://example.com/a?b=1' },
      { text: ')' },
    ]);
    expect(textWithLinks('javascript:alert(1) and ftp://x')).toEqual([
      { text: 'javascript:alert(1) and ftp://x' },
    ]);
    expect(textWithLinks('')).toEqual([]);
  });
});
