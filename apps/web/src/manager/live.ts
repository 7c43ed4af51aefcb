import { useEffect, useState } from 'react';
import { useRealtimeStatus } from '../realtime.js';

/** The current time, once a second: the waits tick between fetches. */
export function useNow(intervalMs = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

/** Live events mark these stale; polling is the fallback (more often while the socket is down). */
export function useRefetchInterval() {
  return useRealtimeStatus() === 'open' ? 60_000 : 15_000;
}
