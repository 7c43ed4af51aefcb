import type { Composing, Message, RealtimeEvent, ServerFrame, Viewer } from '@parley/contract';
import { RealtimeClose } from '@parley/contract';
import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Page } from './api.js';

export type RealtimeStatus = 'connecting' | 'open' | 'offline';

/** Jittered exponential backoff ("full jitter"): a random wait up to 1 s, 2 s, 4 s … 30 s. */
export function reconnectDelay(attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(30_000, 1000 * 2 ** attempt));
}

/**
 * The app's one WebSocket. It reconnects by itself (jittered backoff) and, on every
 * (re)connection, follows again the conversations on screen from the last sequence it has,
 * so messages missed while away arrive once, in order.
 */
export class RealtimeClient {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  /** conversation id → how many screens follow it, and the last sequence seen. */
  private readonly follows = new Map<string, { count: number; lastSeq: number }>();
  private readonly frameListeners = new Set<(frame: ServerFrame) => void>();
  private readonly statusListeners = new Set<() => void>();
  private composingNow = new Map<string, Composing>();
  status: RealtimeStatus = 'offline';
  /** The session ended (signed out elsewhere, deactivated): no reconnecting. */
  onSessionEnded: (() => void) | null = null;

  constructor(private readonly url: string) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000, 'bye');
    this.socket = null;
    this.setStatus('offline');
  }

  onFrame(listener: (frame: ServerFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Follows a conversation whose messages the screen has up to `lastSeq`. */
  follow(conversationId: string, lastSeq: number): () => void {
    const entry = this.follows.get(conversationId);
    if (entry) {
      entry.count++;
      entry.lastSeq = Math.max(entry.lastSeq, lastSeq);
    } else {
      this.follows.set(conversationId, { count: 1, lastSeq });
      this.send({ type: 'subscribe', conversationId, afterSeq: lastSeq });
    }
    return () => {
      const current = this.follows.get(conversationId);
      if (!current) return;
      if (--current.count > 0) return;
      this.follows.delete(conversationId);
      this.composingNow.delete(conversationId);
      this.send({ type: 'unsubscribe', conversationId });
    };
  }

  composing(conversationId: string, composing: Composing): void {
    if ((this.composingNow.get(conversationId) ?? null) === composing) return;
    this.composingNow.set(conversationId, composing);
    this.send({ type: 'composing', conversationId, composing });
  }

  /** The conversation is on screen up to `seq` (chat customers then see theirs read). */
  seen(conversationId: string, seq: number): void {
    this.send({ type: 'seen', conversationId, seq });
  }

  presence(presence: 'online' | 'away'): void {
    this.send({ type: 'presence', presence });
  }

  private send(frame: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private setStatus(status: RealtimeStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener();
  }

  private connect(): void {
    this.setStatus('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      for (const [conversationId, { lastSeq }] of this.follows) {
        socket.send(JSON.stringify({ type: 'subscribe', conversationId, afterSeq: lastSeq }));
        const composing = this.composingNow.get(conversationId);
        if (composing)
          socket.send(JSON.stringify({ type: 'composing', conversationId, composing }));
      }
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const frame = JSON.parse(event.data) as ServerFrame;
      if (frame.type === 'message') {
        const entry = this.follows.get(frame.conversationId);
        if (entry) entry.lastSeq = Math.max(entry.lastSeq, frame.message.seq);
      }
      for (const listener of this.frameListeners) listener(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setStatus('offline');
      if (event.code === RealtimeClose.sessionEnded) {
        this.stopped = true;
        this.onSessionEnded?.();
        return;
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), reconnectDelay(this.attempt++));
    };
  }
}

let client: RealtimeClient | null = null;

/** The app's client (one per page). */
export function realtime(): RealtimeClient {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return (client ??= new RealtimeClient(`${scheme}//${location.host}/api/v1/realtime`));
}

export function useRealtimeStatus(): RealtimeStatus {
  const rt = realtime();
  return useSyncExternalStore(
    (listener) => rt.onStatus(listener),
    () => rt.status,
  );
}

/** Adds a message to the cached page of a conversation's messages, once, in order. */
export function mergeMessage(page: Page<Message> | undefined, message: Message) {
  if (!page) return page;
  if (page.data.some((m) => m.id === message.id || m.seq === message.seq)) return page;
  const data = [...page.data, message].sort((a, b) => a.seq - b.seq);
  return { ...page, data };
}

/**
 * Keeps the app's cached server state current from the socket: new messages go straight
 * into the open conversation; any other event marks the affected lists, counts and
 * conversation stale (batched, so a burst of events costs one refetch).
 */
export function connectQueries(queryClient: QueryClient): () => void {
  const rt = realtime();
  const stale = new Set<string>();
  let flush: ReturnType<typeof setTimeout> | null = null;
  const invalidate = (key: string) => {
    stale.add(key);
    flush ??= setTimeout(() => {
      flush = null;
      for (const k of stale)
        void queryClient.invalidateQueries({ queryKey: JSON.parse(k) as unknown[] });
      stale.clear();
    }, 250);
  };
  const offFrame = rt.onFrame((frame) => {
    if (frame.type === 'message') {
      queryClient.setQueryData<Page<Message>>(['messages', frame.conversationId], (page) =>
        mergeMessage(page, frame.message),
      );
    } else if (frame.type === 'message_status') {
      queryClient.setQueryData<Page<Message>>(['messages', frame.conversationId], (page) =>
        page
          ? {
              ...page,
              data: page.data.map((m) =>
                m.id === frame.messageId
                  ? {
                      ...m,
                      deliveryStatus: frame.deliveryStatus,
                      ...(frame.deliveryError ? { deliveryError: frame.deliveryError } : {}),
                    }
                  : m,
              ),
            }
          : page,
      );
    } else if (frame.type === 'event') {
      for (const key of keysFor(frame.event)) invalidate(JSON.stringify(key));
    }
  });
  // Back from an outage: what changed meanwhile is unknown, so everything is refetched.
  let wasOpen = rt.status === 'open';
  const offStatus = rt.onStatus(() => {
    if (rt.status === 'open' && !wasOpen) void queryClient.invalidateQueries();
    wasOpen = rt.status === 'open';
  });
  return () => {
    offFrame();
    offStatus();
    if (flush) clearTimeout(flush);
  };
}

export function keysFor(event: RealtimeEvent): unknown[][] {
  if (event.aggregateType === 'conversation') {
    return [
      ['conversations'],
      ['view-counts'],
      ['conversation', event.aggregateId],
      ['events', event.aggregateId],
      // The manager views: queues and the SLA forecast move with every conversation.
      ['queues'],
      ['sla-forecast'],
    ];
  }
  if (event.type === 'notification.created') return [['notifications']];
  // A user's events include presence, hours and capacity: the queues show them.
  if (event.aggregateType === 'user') return [['users'], ['me'], ['queues']];
  if (event.aggregateType === 'team') return [['queues']];
  if (event.aggregateType === 'contact') return [['contact', event.aggregateId], ['conversations']];
  return [];
}

/** Who else is on this conversation right now, and whether they are writing. */
export function useViewers(conversationId: string, meId: string): Viewer[] {
  const [viewers, setViewers] = useState<Viewer[]>([]);
  useEffect(() => {
    setViewers([]);
    return realtime().onFrame((frame) => {
      if (frame.type === 'viewers' && frame.conversationId === conversationId)
        setViewers(frame.viewers.filter((v) => v.userId !== meId));
    });
  }, [conversationId, meId]);
  return viewers;
}
