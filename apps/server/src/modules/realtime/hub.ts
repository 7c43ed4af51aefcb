import { randomUUID } from 'node:crypto';
import type {
  Composing,
  Message,
  RealtimeEvent,
  ServerFrame,
  Viewer,
  VisitorServerFrame,
} from '@parley/contract';
import type { Db } from '../../database.js';
import type { BroadcastMessage, Broadcaster } from '../../platform/broadcast.js';
import { executePrepared } from '../../platform/db.js';
import type { Logger } from '../../platform/logger.js';
import type { DomainEvent } from '../../platform/outbox.js';
import { messagesWithAuthors, presentMessage } from '../conversations/conversations.service.js';
import { presentVisitorMessage } from '../widget/widget.service.js';

/** Who is on the other end of a socket. */
export type Principal =
  | { kind: 'agent'; workspaceId: string; userId: string; name: string }
  | { kind: 'visitor'; workspaceId: string; contactId: string; name: string };

/** What the hub needs of a socket (the `ws` WebSocket has it; tests may pass their own). */
export interface Peer {
  send(data: string): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

export class Connection {
  readonly id = randomUUID();
  /** conversation id → the last message sequence this client has been sent (or had). */
  readonly rooms = new Map<string, number>();
  readonly composing = new Map<string, Composing>();
  /** Visitors: the agent last shown typing, per conversation (to send only changes). */
  readonly typingShown = new Map<string, string | null>();

  constructor(
    readonly principal: Principal,
    private readonly peer: Peer,
  ) {}

  send(frame: ServerFrame | VisitorServerFrame): void {
    this.sendSerialized(JSON.stringify(frame));
  }

  /** A frame already serialized (one event going to many sockets is serialized once). */
  sendSerialized(text: string): void {
    // A client that stops reading is cut off rather than buffered without bound.
    if (this.peer.bufferedAmount > MAX_BUFFERED) {
      this.peer.close(1008, 'too slow: the client is not reading');
      return;
    }
    this.peer.send(text);
  }

  close(code: number, reason: string): void {
    this.peer.close(code, reason);
  }
}

const MAX_BUFFERED = 4 * 1024 * 1024;
/** Each node re-announces its viewers this often; an entry not refreshed in 3× this is gone. */
export const VIEWER_REFRESH_MS = 15_000;
const VIEWER_TTL_MS = 3 * VIEWER_REFRESH_MS;
/** Catch-up reads at most this many messages at once (a longer gap takes several reads). */
const CATCH_UP_BATCH = 200;

interface ViewerEntry extends Viewer {
  workspaceId: string;
  at: number;
}

/** Ephemeral "who is looking" announcements between nodes; never stored. */
interface ViewerAnnouncement extends BroadcastMessage {
  type: 'realtime.viewer';
  nodeId: string;
  conversationId: string;
  connectionId: string;
  /** null: the connection left the conversation. */
  viewer: Viewer | null;
}

/**
 * One per process: the sockets connected to this node, the conversations they follow, and
 * the fan-out from the realtime bus to them.
 *
 * Messages reach a follower once and in order: each connection remembers, per
 * conversation, the last sequence it was sent; every event on a conversation reads what
 * is newer from the database (one read per event per node, shared by its followers), so
 * a missed event, a merge that renumbers or a reconnect with `afterSeq` all converge on the
 * same rule. Work per conversation runs one at a time (`chains`), so frames never overtake.
 */
export class RealtimeHub {
  readonly nodeId = randomUUID();
  private readonly connections = new Set<Connection>();
  private readonly byWorkspace = new Map<string, Set<Connection>>();
  private readonly rooms = new Map<string, Set<Connection>>();
  private readonly chains = new Map<string, Promise<void>>();
  /** conversation id → `${nodeId}:${connectionId}` → viewer, from every node. */
  private readonly viewers = new Map<string, Map<string, ViewerEntry>>();
  private readonly unsubscribe: () => void;
  private readonly refresher: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly bus: Broadcaster,
    private readonly log: Logger,
    /** Signs the links to files in messages sent to visitors. */
    private readonly secretKey: string,
  ) {
    this.unsubscribe = bus.subscribe((message) => this.onBus(message));
    this.refresher = setInterval(() => this.refreshViewers(), VIEWER_REFRESH_MS);
    this.refresher.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  add(connection: Connection): void {
    this.connections.add(connection);
    const { workspaceId } = connection.principal;
    let set = this.byWorkspace.get(workspaceId);
    if (!set) this.byWorkspace.set(workspaceId, (set = new Set()));
    set.add(connection);
  }

  remove(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    for (const conversationId of [...connection.rooms.keys()])
      this.leave(connection, conversationId);
    const set = this.byWorkspace.get(connection.principal.workspaceId);
    set?.delete(connection);
    if (set?.size === 0) this.byWorkspace.delete(connection.principal.workspaceId);
  }

  /** Connections of one user on this node (agents). */
  connectionsOf(workspaceId: string, userId: string): Connection[] {
    return [...(this.byWorkspace.get(workspaceId) ?? [])].filter(
      (c) => c.principal.kind === 'agent' && c.principal.userId === userId,
    );
  }

  /**
   * Follows a conversation the caller may see (checked by the caller). With `afterSeq`,
   * every later message is sent first, in order; without it, only messages from now on.
   */
  join(
    connection: Connection,
    conversationId: string,
    afterSeq: number | undefined,
  ): Promise<void> {
    return this.serial(conversationId, async () => {
      if (!this.connections.has(connection)) return;
      let lastSeq = afterSeq;
      if (lastSeq === undefined) {
        const row = await this.db
          .selectFrom('conversations')
          .select('lastSeq')
          .where('workspaceId', '=', connection.principal.workspaceId)
          .where('id', '=', conversationId)
          .executeTakeFirst();
        lastSeq = row?.lastSeq ?? 0;
      }
      const already = connection.rooms.has(conversationId);
      connection.rooms.set(conversationId, lastSeq);
      let room = this.rooms.get(conversationId);
      if (!room) this.rooms.set(conversationId, (room = new Set()));
      room.add(connection);
      await this.catchUp(conversationId, [connection]);
      connection.send({
        type: 'subscribed',
        conversationId,
        lastSeq: connection.rooms.get(conversationId) ?? lastSeq,
      });
      if (connection.principal.kind === 'agent') {
        // Colleagues see who has it open; a customer shows only while typing.
        if (!already) this.announce(connection, conversationId, null);
        connection.send({
          type: 'viewers',
          conversationId,
          viewers: this.viewersOf(conversationId, connection.principal.workspaceId),
        });
      }
    });
  }

  leave(connection: Connection, conversationId: string): void {
    if (!connection.rooms.delete(conversationId)) return;
    connection.composing.delete(conversationId);
    connection.typingShown.delete(conversationId);
    const room = this.rooms.get(conversationId);
    room?.delete(connection);
    if (room?.size === 0) this.rooms.delete(conversationId);
    this.publishViewer(connection, conversationId, null);
  }

  /** Someone started or stopped writing in a conversation they follow (a visitor: replies only). */
  setComposing(connection: Connection, conversationId: string, composing: Composing): boolean {
    if (!connection.rooms.has(conversationId)) return false;
    if (connection.principal.kind === 'visitor' && composing === 'note') return false;
    if ((connection.composing.get(conversationId) ?? null) === composing) return true;
    connection.composing.set(conversationId, composing);
    if (connection.principal.kind === 'visitor' && composing === null)
      this.publishViewer(connection, conversationId, null);
    else this.announce(connection, conversationId, composing);
    return true;
  }

  /** Delivers a committed, broadcast domain event to the sockets on this node. */
  deliver(event: DomainEvent): void {
    const workspace = this.byWorkspace.get(event.workspaceId);
    if (!workspace) return;
    const frame: ServerFrame = { type: 'event', event: toRealtimeEvent(event) };
    const text = JSON.stringify(frame);
    for (const connection of workspace) {
      if (connection.principal.kind === 'agent') connection.sendSerialized(text);
    }
    if (event.aggregateType === 'user' && event.type === 'user.updated') {
      // A role change or deactivation: the gateway re-checks those users' credentials.
      this.onUserChanged?.(event.workspaceId, event.aggregateId);
    }
    if (event.aggregateType !== 'conversation' || !this.rooms.has(event.aggregateId)) return;
    const conversationId = event.aggregateId;
    // `conversation.updated` carries the new values: `{ changes: { status: 'resolved' } }`.
    const status = (event.data as { changes?: { status?: unknown } } | null)?.changes?.status;
    if (event.type === 'conversation.updated' && typeof status === 'string') {
      for (const connection of this.rooms.get(conversationId) ?? []) {
        if (connection.principal.kind === 'visitor')
          connection.send({ type: 'status', conversationId, status });
      }
    }
    if (event.type === 'message.delivery_changed') {
      const data = event.data as {
        messageId: string;
        seq: number;
        deliveryStatus: string;
        deliveryError?: string;
      };
      void this.serial(conversationId, () => {
        // Agents see their replies delivered and read; a chat customer sees theirs read.
        for (const connection of this.rooms.get(conversationId) ?? []) {
          connection.send({
            type: 'message_status',
            conversationId,
            messageId: data.messageId,
            seq: data.seq,
            deliveryStatus: data.deliveryStatus,
            ...(data.deliveryError !== undefined ? { deliveryError: data.deliveryError } : {}),
          });
        }
        return Promise.resolve();
      });
      return;
    }
    // A new message, a merge that brought messages, any change: send what is newer.
    void this.serial(conversationId, () =>
      this.catchUp(conversationId, [...(this.rooms.get(conversationId) ?? [])]),
    );
  }

  /** Set by the gateway: a user's role or status changed. */
  onUserChanged: ((workspaceId: string, userId: string) => void) | null = null;

  /** Closes every socket (shutdown: clients reconnect elsewhere with backoff). */
  close(): void {
    this.unsubscribe();
    clearInterval(this.refresher);
    for (const connection of [...this.connections]) {
      connection.close(1001, 'server shutting down');
      this.remove(connection);
    }
  }

  /** Resolves when everything queued so far has been sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private async catchUp(conversationId: string, followers: Connection[]): Promise<void> {
    const live = followers.filter((c) => this.connections.has(c) && c.rooms.has(conversationId));
    const workspaceId = live[0]?.principal.workspaceId;
    if (workspaceId === undefined) return;
    for (;;) {
      const from = Math.min(...live.map((c) => c.rooms.get(conversationId) ?? 0));
      // Kept prepared: every message event on every node runs it.
      const rows = await executePrepared(
        this.db,
        messagesWithAuthors(this.db)
          .select([
            'm.id',
            'm.conversationId',
            'm.seq',
            'm.kind',
            'm.authorType',
            'm.authorId',
            'm.channel',
            'm.text',
            'm.html',
            'm.attachments',
            'm.deliveryStatus',
            'm.metadata',
            'm.createdAt',
            'u.name as authorName',
          ])
          .where('m.workspaceId', '=', workspaceId)
          .where('m.conversationId', '=', conversationId)
          .where('m.seq', '>', from)
          .orderBy('m.seq')
          .limit(CATCH_UP_BATCH),
      );
      if (rows.length === 0) return;
      const messages = rows.map((row) => ({ row, message: presentMessage(row) }));
      const serialized = new Map<Message, string>();
      for (const connection of live)
        this.sendNewer(connection, conversationId, messages, serialized);
      if (rows.length < CATCH_UP_BATCH) return;
    }
  }

  private sendNewer(
    connection: Connection,
    conversationId: string,
    messages: { row: Parameters<typeof presentVisitorMessage>[0]; message: Message }[],
    serialized = new Map<Message, string>(),
  ): void {
    let last = connection.rooms.get(conversationId);
    if (last === undefined) return;
    // Several agents following one conversation get the same frame, serialized once.
    const serializedFor = (message: Message) => {
      let text = serialized.get(message);
      if (text === undefined) {
        text = JSON.stringify({ type: 'message', conversationId, message } satisfies ServerFrame);
        serialized.set(message, text);
      }
      return text;
    };
    for (const { row, message } of messages) {
      if (message.seq <= last) continue;
      last = message.seq;
      if (connection.principal.kind === 'agent') {
        connection.sendSerialized(serializedFor(message));
      } else if (message.kind !== 'note') {
        // Visitors never see internal notes; their sequence still moves past them.
        connection.send({
          type: 'message',
          conversationId,
          message: presentVisitorMessage(row, {
            secretKey: this.secretKey,
            workspaceId: connection.principal.workspaceId,
          }),
        });
      }
    }
    connection.rooms.set(conversationId, last);
  }

  /** Runs `work` after everything queued before it for the same conversation. */
  private serial(conversationId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error: unknown) =>
        this.log.warn({ err: error, conversationId }, 'realtime delivery failed'),
      );
    this.chains.set(conversationId, next);
    void next.then(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
    return next;
  }

  private announce(connection: Connection, conversationId: string, composing: Composing): void {
    const p = connection.principal;
    this.publishViewer(connection, conversationId, {
      userId: p.kind === 'agent' ? p.userId : p.contactId,
      kind: p.kind === 'agent' ? 'agent' : 'customer',
      name: p.name,
      composing,
    });
  }

  private publishViewer(connection: Connection, conversationId: string, viewer: Viewer | null) {
    const announcement: ViewerAnnouncement = {
      type: 'realtime.viewer',
      workspaceId: connection.principal.workspaceId,
      nodeId: this.nodeId,
      conversationId,
      connectionId: connection.id,
      viewer,
    };
    // Applied here at once; other nodes hear it through the bus (this node ignores its echo).
    this.applyViewer(announcement);
    this.bus.publish(announcement).catch((error: unknown) => {
      this.log.debug({ err: error }, 'viewer announcement not published');
    });
  }

  private refreshViewers(): void {
    const now = Date.now();
    for (const [conversationId, entries] of this.viewers) {
      let changed = false;
      for (const [key, entry] of entries) {
        if (!key.startsWith(`${this.nodeId}:`) && now - entry.at > VIEWER_TTL_MS) {
          entries.delete(key);
          changed = true;
        }
      }
      if (entries.size === 0) this.viewers.delete(conversationId);
      if (changed) this.pushViewers(conversationId);
    }
    for (const connection of this.connections) {
      for (const conversationId of connection.rooms.keys()) {
        const composing = connection.composing.get(conversationId) ?? null;
        // Visitors are announced only while typing.
        if (connection.principal.kind === 'agent' || composing !== null)
          this.announce(connection, conversationId, composing);
      }
    }
  }

  private onBus(message: BroadcastMessage): void {
    if (message.type === 'realtime.viewer') {
      const announcement = message as ViewerAnnouncement;
      if (announcement.nodeId !== this.nodeId) this.applyViewer(announcement);
      return;
    }
    const event = (message as { event?: DomainEvent }).event;
    if (event && typeof event.type === 'string') this.deliver(event);
  }

  private applyViewer(a: ViewerAnnouncement): void {
    const key = `${a.nodeId}:${a.connectionId}`;
    let entries = this.viewers.get(a.conversationId);
    const before = entries?.get(key);
    if (a.viewer === null) {
      if (!entries?.delete(key)) return;
      if (entries.size === 0) this.viewers.delete(a.conversationId);
    } else {
      if (!entries) this.viewers.set(a.conversationId, (entries = new Map<string, ViewerEntry>()));
      entries.set(key, { ...a.viewer, workspaceId: a.workspaceId, at: Date.now() });
      // A refresh that changes nothing is not worth a frame.
      if (before && before.composing === a.viewer.composing && before.name === a.viewer.name)
        return;
    }
    this.pushViewers(a.conversationId);
  }

  private pushViewers(conversationId: string): void {
    const room = this.rooms.get(conversationId);
    if (!room) return;
    for (const connection of room) {
      const viewers = this.viewersOf(conversationId, connection.principal.workspaceId);
      if (connection.principal.kind === 'agent') {
        connection.send({ type: 'viewers', conversationId, viewers });
        continue;
      }
      // The customer sees an agent typing a reply (never a note), by name, and nothing else.
      const typing =
        viewers.find((v) => v.kind === 'agent' && v.composing === 'reply')?.name ?? null;
      if ((connection.typingShown.get(conversationId) ?? null) === typing) continue;
      connection.typingShown.set(conversationId, typing);
      connection.send({ type: 'typing', conversationId, name: typing });
    }
  }

  /** Everyone following the conversation, one entry per person (composing wins). */
  viewersOf(conversationId: string, workspaceId: string): Viewer[] {
    const people = new Map<string, Viewer>();
    for (const entry of this.viewers.get(conversationId)?.values() ?? []) {
      if (entry.workspaceId !== workspaceId) continue;
      const seen = people.get(entry.userId);
      if (!seen || (seen.composing === null && entry.composing !== null)) {
        people.set(entry.userId, {
          userId: entry.userId,
          kind: entry.kind,
          name: entry.name,
          composing: entry.composing,
        });
      }
    }
    return [...people.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

function toRealtimeEvent(event: DomainEvent): RealtimeEvent {
  return {
    id: event.id,
    type: event.type,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    data: event.data,
    createdAt: event.createdAt,
  };
}
