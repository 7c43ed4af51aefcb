import type { Actor } from '../../platform/http.js';

/**
 * Resolved credentials (API tokens, sessions) kept for a few seconds, so a busy client
 * costs no database round trip per request. Everything that ends or narrows a credential
 * in this process (revoking a token, signing out, deactivating a user, changing a role or
 * a password) clears the cache at once; every process clears it again when the realtime
 * bus brings the `user.updated` event (role, status), and notices anything else within
 * `ttlMs`.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { actor: Actor; until: number }>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}

  get(key: string): Actor | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.actor;
  }

  set(key: string, actor: Actor): void {
    if (this.entries.size >= this.max) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { actor, until: Date.now() + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The process's cache (one per process: credentials are the same for every app instance). */
export const credentialCache = new CredentialCache();
