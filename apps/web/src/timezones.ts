/** Every IANA time zone this browser knows, and the current one should it be missing. */
export function timeZones(current?: string): string[] {
  const known = Intl.supportedValuesOf('timeZone');
  return !current || known.includes(current) ? known : [current, ...known];
}

/** Whether the browser knows the zone (the server checks again; this catches typos early). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}
