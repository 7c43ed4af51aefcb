import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export interface BroadcastMessage {
  type: string;
  workspaceId: string;
  [key: string]: unknown;
}

export type BroadcastListener = (message: BroadcastMessage) => void;

/**
 * Fan-out of realtime messages to every node. In one process it is an in-memory emitter;
 * with REDIS_URL it is Redis pub/sub, so a message published on one node reaches sockets
 * on all of them. ioredis reconnects and re-subscribes by itself when Redis returns.
 */
export interface Broadcaster {
  publish(message: BroadcastMessage): Promise<void>;
  subscribe(listener: BroadcastListener): () => void;
  /** For /readyz: false while the shared bus is unreachable. */
  healthy(): Promise<boolean>;
  /**
   * Listeners are in this process only (no Redis): a publish reaches them at once and cannot
   * fail on the way, and no other node listens.
   */
  readonly inProcess: boolean;
  close(): Promise<void>;
}

/** `namespace` keeps installations (or test runs) sharing one Redis apart. */
export function createBroadcaster(
  redisUrl: string | null,
  log: Logger,
  namespace = 'parley',
): Broadcaster {
  return redisUrl
    ? new RedisBroadcaster(redisUrl, log, `${namespace}:broadcast`)
    : new LocalBroadcaster();
}

class LocalBroadcaster implements Broadcaster {
  readonly inProcess = true;
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(message: BroadcastMessage): Promise<void> {
    this.emitter.emit('message', message);
    return Promise.resolve();
  }

  subscribe(listener: BroadcastListener): () => void {
    this.emitter.on('message', listener);
    return () => this.emitter.off('message', listener);
  }

  healthy(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}

class RedisBroadcaster implements Broadcaster {
  readonly inProcess = false;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly local = new LocalBroadcaster();

  constructor(
    url: string,
    private readonly log: Logger,
    private readonly channel: string,
  ) {
    const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false };
    this.pub = new Redis(url, { ...options, connectionName: 'parley-pub' });
    this.sub = new Redis(url, {
      ...options,
      enableOfflineQueue: true,
      connectionName: 'parley-sub',
    });
    for (const client of [this.pub, this.sub]) {
      client.on('error', (error: Error) =>
        this.log.debug({ err: error }, 'redis connection error'),
      );
    }
    this.sub.on('message', (_channel: string, raw: string) => {
      try {
        void this.local.publish(JSON.parse(raw) as BroadcastMessage);
      } catch (error) {
        this.log.warn({ err: error }, 'ignored malformed broadcast message');
      }
    });
    this.sub
      .subscribe(this.channel)
      .catch((error: unknown) => this.log.warn({ err: error }, 'redis subscribe failed'));
  }

  async publish(message: BroadcastMessage): Promise<void> {
    await this.pub.publish(this.channel, JSON.stringify(message));
  }

  subscribe(listener: BroadcastListener): () => void {
    return this.local.subscribe(listener);
  }

  async healthy(): Promise<boolean> {
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') return false;
    try {
      await this.pub.ping();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.local.close();
    this.pub.disconnect();
    this.sub.disconnect();
    return Promise.resolve();
  }
}
