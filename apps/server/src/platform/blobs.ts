import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from './errors.js';

export interface StoredBlob {
  /** sha256 of the content, hex: the same bytes always get the same key. */
  key: string;
  size: number;
}

/**
 * Content-addressed storage for attachments and raw emails. The file store below is the
 * default; an S3-compatible store implements the same four calls.
 */
export interface BlobStore {
  put(source: Readable | Buffer, options?: { maxBytes?: number }): Promise<StoredBlob>;
  get(key: string): Promise<Readable>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Removes what puts left half-written (a process killed mid-write) once older than
   * `olderThanMs`: a put still running elsewhere is younger. Returns how many.
   */
  sweepTemporary(olderThanMs: number): Promise<number>;
}

const KEY = /^[0-9a-f]{64}$/;

export class FileBlobStore implements BlobStore {
  constructor(
    private readonly root: string,
    private readonly defaultMaxBytes: number,
  ) {}

  /** Folders known to exist: each is made once per process, not once per blob. */
  private readonly folders = new Set<string>();

  /**
   * Streams `source` to a temporary file while hashing it, fsyncs it, renames it to its
   * hash and fsyncs the folder, so the name survives a crash too: a blob is either
   * complete and durable or absent. Over `maxBytes` it throws `payload_too_large` and
   * leaves nothing behind. One file handle does the writes and the fsync. Bytes already
   * stored under their hash are not written again.
   */
  async put(source: Readable | Buffer, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const maxBytes = options.maxBytes ?? this.defaultMaxBytes;
    if (Buffer.isBuffer(source)) {
      // Bytes in hand (an attachment, an upload): when the same bytes are stored already (a
      // logo in every signature, a file sent twice), only their folder is synced, for a name
      // another put may have just renamed into it.
      if (source.length > maxBytes)
        throw new AppError('payload_too_large', `The file is larger than ${maxBytes} bytes`);
      const key = createHash('sha256').update(source).digest('hex');
      const target = this.path(key);
      if (await this.has(key)) {
        await syncFolder(dirname(target));
        return { key, size: source.length };
      }
    }
    const tmp = join(await this.folder(join(this.root, 'tmp')), randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    try {
      const file = await open(tmp, 'wx', 0o640);
      try {
        for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
          const bytes = chunk as Buffer;
          size += bytes.length;
          if (size > maxBytes) {
            throw new AppError('payload_too_large', `The file is larger than ${maxBytes} bytes`);
          }
          hash.update(bytes);
          await file.write(bytes);
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const key = hash.digest('hex');
      const target = this.path(key);
      const folder = await this.folder(dirname(target));
      await rename(tmp, target);
      await syncFolder(folder);
      return { key, size };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  private async folder(path: string): Promise<string> {
    if (!this.folders.has(path)) {
      await mkdir(path, { recursive: true });
      this.folders.add(path);
    }
    return path;
  }

  async get(key: string): Promise<Readable> {
    if (!(await this.has(key))) throw new AppError('not_found', 'The file was not found');
    return createReadStream(this.path(key));
  }

  async has(key: string): Promise<boolean> {
    if (!KEY.test(key)) return false;
    return stat(this.path(key)).then(
      () => true,
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    if (KEY.test(key)) await rm(this.path(key), { force: true });
  }

  async sweepTemporary(olderThanMs: number): Promise<number> {
    const folder = join(this.root, 'tmp');
    const names = await readdir(folder).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const file = join(folder, name);
      const info = await stat(file).catch(() => null);
      if (info && Date.now() - info.mtimeMs > olderThanMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  private path(key: string): string {
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }
}

/** Makes the names in a folder durable (a rename into it survives an OS crash). */
async function syncFolder(folder: string): Promise<void> {
  const dir = await open(folder, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** A stored blob's bytes in memory (raw emails, small files: sizes are capped when stored). */
export async function readBlob(store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.get(key)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
