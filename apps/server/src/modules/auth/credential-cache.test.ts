import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../platform/http.js';
import { CredentialCache } from './credential-cache.js';

const actor = (userId: string): Actor => ({
  workspaceId: 'w',
  userId,
  role: 'agent',
  via: 'token',
  scopes: ['read'],
  csrfToken: null,
  credentialId: `token:${userId}`,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('credential cache', () => {
  it('answers within its lifetime, forgets after it, and on clear', () => {
    vi.useFakeTimers();
    const cache = new CredentialCache(5_000, 10);
    cache.set('a', actor('u1'));
    expect(cache.get('a')?.userId).toBe('u1');
    vi.advanceTimersByTime(4_999);
    expect(cache.get('a')?.userId).toBe('u1');
    vi.advanceTimersByTime(2);
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', actor('u2'));
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });

  it('holds at most `max` entries, dropping the oldest', () => {
    const cache = new CredentialCache(60_000, 2);
    cache.set('a', actor('u1'));
    cache.set('b', actor('u2'));
    cache.set('c', actor('u3'));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.userId).toBe('u2');
    expect(cache.get('c')?.userId).toBe('u3');
  });
});
