/**
 * Just enough header reading to file a raw message before it is parsed: the header
 * section (up to the first blank line, bounded) and one header's unfolded value.
 */
const MAX_HEAD = 256 * 1024;

export function headerSection(raw: Buffer): string {
  const head = raw.subarray(0, MAX_HEAD).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  return end === -1 ? head : head.slice(0, end);
}

/** The first value of `name` in a header section, unfolded and trimmed; null if absent. */
export function headerValue(section: string, name: string): string | null {
  const unfolded = section.replace(/\r?\n[ \t]+/g, ' ');
  const pattern = new RegExp(`^${name.replace(/[-]/g, '\\-')}[ \\t]*:[ \\t]*(.*)$`, 'im');
  const value = pattern.exec(unfolded)?.[1]?.trim();
  return value ? value : null;
}

/** The address in a From header's value (`Name <a@b>` or `a@b`), lower-cased; null if none. */
export function headerAddress(value: string | null): string | null {
  const address = value
    ? (/<([^<>\s]+@[^<>\s]+)>/.exec(value) ?? /([^<>\s]+@[^<>\s]+)/.exec(value))?.[1]
    : null;
  return address ? address.toLowerCase().slice(0, 320) : null;
}

/** A Message-ID as stored: without angle brackets, at most 500 characters. */
export function normalizeMessageId(value: string | null | undefined): string | null {
  const id = value?.trim().replace(/^<|>$/g, '').trim();
  // No spaces or angle brackets inside: `<<>>` or `no brackets here` name no message (and two
  // broken mailers' `<>` must not thread or de-duplicate each other's mail).
  return id && /^[^\s<>]+$/.test(id) ? id.slice(0, 500) : null;
}
