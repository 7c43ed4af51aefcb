import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
}

const KEY = /^[0-9a-f]{64}$/;

export class FileBlobStore implements BlobStore {
  constructor(
    private readonly root: string,
    private readonly defaultMaxBytes: number,
  ) {}

  /**
   * Streams `source` to a temporary file while hashing it, fsyncs, then renames it to its
   * hash: a blob is either complete and durable or absent. Over `maxBytes` it throws
   * `payload_too_large` and leaves nothing behind.
   */
  async put(source: Readable | Buffer, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const maxBytes = options.maxBytes ?? this.defaultMaxBytes;
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          callback(new AppError('payload_too_large', `The file is larger than ${maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
      await pipeline(input, meter, createWriteStream(tmp, { mode: 0o640 }));
      const handle = await open(tmp, 'r');
      await handle.sync();
      await handle.close();
      const key = hash.digest('hex');
      const target = this.path(key);
      await mkdir(join(target, '..'), { recursive: true });
      await rename(tmp, target);
      return { key, size };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
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

  private path(key: string): string {
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }
}

/** A stored blob's bytes in memory (raw emails, small files: sizes are capped when stored). */
export async function readBlob(store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.get(key)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
