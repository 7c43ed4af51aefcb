import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../test/harness.js';
import { FileBlobStore } from './blobs.js';
import { AppError } from './errors.js';

describe('content-addressed blob store', () => {
  it('stores bytes under their sha256 and reads them back; the same bytes are stored once', async () => {
    const root = scratchDir();
    const store = new FileBlobStore(root, 1024 * 1024);
    const content = 'Obsługa klienta — 客户服务 — پشتیبانی مشتریان';
    const first = await store.put(Buffer.from(content));
    const second = await store.put(
      Readable.from([Buffer.from(content.slice(0, 10)), Buffer.from(content.slice(10))]),
    );
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toEqual(first);
    expect(first.size).toBe(Buffer.byteLength(content));
    expect(await text(await store.get(first.key))).toBe(content);
    expect(await store.has(first.key)).toBe(true);
    await store.delete(first.key);
    expect(await store.has(first.key)).toBe(false);
  });

  it('refuses content over the limit and leaves nothing behind', async () => {
    const root = scratchDir();
    const store = new FileBlobStore(root, 100);
    const error = await store.put(Buffer.alloc(101)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('payload_too_large');
    const streamed = await store
      .put(Readable.from([Buffer.alloc(60), Buffer.alloc(60)]))
      .catch((e: unknown) => e);
    expect((streamed as AppError).code).toBe('payload_too_large');
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('does not write bytes it already holds again', async () => {
    const root = scratchDir();
    const store = new FileBlobStore(root, 1024 * 1024);
    const logo = Buffer.from('<svg>Parley — لوگو — 标志</svg>');
    const { key } = await store.put(logo);
    const file = join(root, key.slice(0, 2), key.slice(2, 4), key);
    const before = statSync(file);
    expect(await store.put(Buffer.from(logo))).toEqual({ key, size: logo.length });
    // The same file, not a new copy renamed over it.
    expect(statSync(file).ino).toBe(before.ino);
    expect(await text(await store.get(key))).toBe(logo.toString());
  });

  it('treats keys that are not hashes as absent (no path traversal)', async () => {
    const store = new FileBlobStore(scratchDir(), 100);
    expect(await store.has('../../etc/passwd')).toBe(false);
    await expect(store.get('../secret.key')).rejects.toThrow(/not found/);
  });

  it('sweeps what a killed process left half-written, once it is old, and nothing else', async () => {
    const root = scratchDir();
    const store = new FileBlobStore(root, 1_000);
    const kept = await store.put(Buffer.from('faktura'));
    const tmp = join(root, 'tmp');
    writeFileSync(join(tmp, 'stale'), 'half of a mail');
    writeFileSync(join(tmp, 'writing'), 'a put still running');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(tmp, 'stale'), twoDaysAgo, twoDaysAgo);
    expect(await store.sweepTemporary(86_400_000)).toBe(1);
    expect(readdirSync(tmp)).toEqual(['writing']);
    expect(await store.has(kept.key)).toBe(true);
    // A store that never wrote has nothing to sweep.
    expect(await new FileBlobStore(scratchDir(), 1_000).sweepTemporary(0)).toBe(0);
  });
});
