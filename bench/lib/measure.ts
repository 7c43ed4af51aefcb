import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';

export interface Stats {
  /** Requests (or operations) per second over the run. */
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  count: number;
  errors: number;
  seconds: number;
}

function histogram() {
  // Microsecond resolution, up to 60 s.
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

function summarize(
  h: ReturnType<typeof histogram>,
  count: number,
  errors: number,
  seconds: number,
): Stats {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    throughput: Math.round((count / seconds) * 10) / 10,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    count,
    errors,
    seconds: Math.round(seconds * 100) / 100,
  };
}

/**
 * HTTP load with autocannon (closed loop: `connections` requests in flight), latencies
 * recorded per response. Non-2xx answers count as errors.
 */
export async function httpLoad(options: {
  url: string;
  connections: number;
  duration: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Builds each request's body (for creates that must differ). */
  body?: () => string;
  /** Rotates per-request headers (different agents, say). */
  requestHeaders?: () => Record<string, string>;
  /** Rotates the path and query (different searches, say). */
  path?: () => string;
}): Promise<Stats> {
  const h = histogram();
  let count = 0;
  let errors = 0;
  const started = performance.now();
  let finish: (error: Error | null) => void = () => undefined;
  const finished = new Promise<void>(
    (done, fail) => (finish = (error) => (error ? fail(error) : done())),
  );
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.duration,
      method: options.method ?? 'GET',
      headers: {
        ...options.headers,
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            ...(options.body ? { body: options.body() } : {}),
            ...(options.path ? { path: options.path() } : {}),
            headers: { ...request.headers, ...options.requestHeaders?.() },
          }),
        },
      ],
    },
    (error: Error | null) => finish(error),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    count++;
    if (statusCode >= 200 && statusCode < 300)
      h.recordValue(Math.max(1, Math.round(responseTime * 1000)));
    else errors++;
  });
  await finished;
  return summarize(h, count - errors, errors, (performance.now() - started) / 1000);
}

/** The same closed loop for work that is not HTTP (raw SQL baselines): `concurrency` loops for `duration` s. */
export async function loop(options: {
  concurrency: number;
  duration: number;
  run: (i: number) => Promise<void>;
}): Promise<Stats> {
  const h = histogram();
  let count = 0;
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + options.duration * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await options.run(next++);
          h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          count++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return summarize(h, count, errors, (performance.now() - started) / 1000);
}
