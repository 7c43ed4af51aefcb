import { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { AppError } from './errors.js';

export interface Limit {
  /** Attempts allowed per window. */
  points: number;
  windowSeconds: number;
}

/**
 * Named counters (login per IP, login per account...). Shared through Redis when it is
 * configured, so every node counts the same attempts; in process memory otherwise.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis: Redis | null;

  constructor(
    redisUrl: string | null,
    private readonly namespace = 'parley',
  ) {
    this.redis = redisUrl
      ? new Redis(redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectionName: 'parley-limits',
        })
      : null;
    this.redis?.on('error', () => undefined);
  }

  private limiter(name: string, limit: Limit): RateLimiterAbstract {
    const id = `${name}:${limit.points}:${limit.windowSeconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const options = {
        keyPrefix: `${this.namespace}:rl:${name}`,
        points: limit.points,
        duration: limit.windowSeconds,
      };
      limiter = this.redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: this.redis,
            // When Redis is away, fall back to counting in this process rather than failing open.
            insuranceLimiter: new RateLimiterMemory(options),
          })
        : new RateLimiterMemory(options);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /** Counts one attempt for `key`; throws `rate_limited` (429, Retry-After) past the limit. */
  async consume(name: string, key: string, limit: Limit): Promise<void> {
    try {
      await this.limiter(name, limit).consume(key);
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      const retryAfter = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
      throw new AppError('rate_limited', `Too many attempts; try again in ${retryAfter} seconds`, {
        details: { retryAfter },
        headers: { 'retry-after': String(retryAfter) },
      });
    }
  }

  /** Forgets the attempts of `key` (after a successful login, say). */
  async reset(name: string, key: string, limit: Limit): Promise<void> {
    await this.limiter(name, limit).delete(key);
  }

  close(): void {
    this.redis?.disconnect();
  }
}
