import type {
  OfflineBody,
  OfflineResult,
  Prechat,
  VisitorConversation,
  VisitorMessage,
  VisitorServerFrame,
  VisitorUpload,
  WidgetConfig,
} from '@parley/contract';

/** The `send` frame for a pending message (the file names stay here). */
const sendFrame = ({ files: _files, ...message }: Pending) => ({ type: 'send', message });

/** A message the visitor wrote that the server has not acknowledged yet (kept across reloads). */
export interface Pending {
  clientMessageId: string;
  conversationId?: string;
  text: string;
  attachments?: string[];
  /** The attached files' names, shown until the server has the message. */
  files?: string[];
  prechat?: Prechat;
  locale?: string;
}

export interface ChatState {
  config: WidgetConfig | null;
  conversation: VisitorConversation | null;
  pending: Pending[];
  typing: string | null;
  connected: boolean;
  unread: number;
  error: string | null;
}

/** A random id for a message, made here so a resend is recognised (128 bits). */
export function clientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Full-jitter backoff: up to 1 s, 2 s, 4 s … 30 s. */
export const backoff = (attempt: number) => Math.random() * Math.min(30_000, 1000 * 2 ** attempt);

/** Adds messages once (by id and sequence), in order. */
export function mergeMessages(list: VisitorMessage[], more: VisitorMessage[]): VisitorMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, m);
  const seen = new Set<number>();
  return [...byId.values()]
    .sort((a, b) => a.seq - b.seq)
    .filter((m) => (seen.has(m.seq) ? false : (seen.add(m.seq), true)));
}

/**
 * The widget's connection to Parley: HTTP for setup and the offline form, one WebSocket for
 * the conversation. A message is kept (in local storage) until the server acknowledges it,
 * and resent with the same id after a reconnect or a reload: stored once, never lost.
 */
export class ChatClient {
  state: ChatState = {
    config: null,
    conversation: null,
    pending: [],
    typing: null,
    connected: false,
    unread: 0,
    error: null,
  };
  private socket: WebSocket | null = null;
  private attempt = 0;
  private token: string | null;
  private listeners = new Set<() => void>();
  open = false;

  constructor(
    private readonly base: string,
    private readonly key: string,
    private readonly identity: { userId?: string; userHash?: string },
    readonly locale: string,
  ) {
    this.token = this.read('token');
    this.state.pending = JSON.parse(this.read('pending') ?? '[]') as Pending[];
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private storageKey = (name: string) => `parley:${this.key}:${name}`;
  private read(name: string): string | null {
    try {
      return localStorage.getItem(this.storageKey(name));
    } catch {
      return null;
    }
  }
  private write(name: string, value: string | null): void {
    try {
      if (value === null) localStorage.removeItem(this.storageKey(name));
      else localStorage.setItem(this.storageKey(name), value);
    } catch {
      // Private mode: the chat works for this page.
    }
  }

  private async http<T>(method: string, path: string, body?: unknown, auth = false): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.base}/api/v1/widget${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json().catch(() => null)) as
      (T & { error?: { code: string; message: string } }) | null;
    if (!response.ok) throw new Error(json?.error?.code ?? `http_${response.status}`);
    return json as T;
  }

  async start(): Promise<void> {
    const config = await this.http<WidgetConfig>('GET', `/${this.key}/config`);
    this.set({ config });
    // A signed-in customer (the host vouches for them) gets their own token on every device.
    const wantsIdentity = this.identity.userId !== undefined;
    if (!this.token || (wantsIdentity && this.read('user') !== this.identity.userId)) {
      const session = await this.http<{ visitorToken: string }>(
        'POST',
        `/${this.key}/visitors`,
        wantsIdentity ? this.identity : {},
      );
      this.token = session.visitorToken;
      this.write('token', this.token);
      this.write('user', this.identity.userId ?? null);
    }
    await this.loadHistory();
    this.connect();
  }

  private async loadHistory(): Promise<void> {
    try {
      const { data } = await this.http<{ data: VisitorConversation[] }>(
        'GET',
        '/conversations',
        undefined,
        true,
      );
      const current = data.find((c) => c.status !== 'closed') ?? null;
      this.set({ conversation: current });
    } catch (error) {
      if (error instanceof Error && error.message === 'visitor_token_invalid') {
        // The installation's secret changed: start afresh (start() is tried again).
        this.write('token', null);
        this.token = null;
      }
      throw error;
    }
  }

  private connect(): void {
    const url = `${this.base.replace(/^http/, 'ws')}/api/v1/widget/realtime`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: this.token }));
    };
    socket.onmessage = (event: MessageEvent<string>) =>
      this.onFrame(JSON.parse(event.data) as VisitorServerFrame);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.set({ connected: false, typing: null });
      setTimeout(() => this.connect(), backoff(this.attempt++));
    };
  }

  private frame(frame: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private onFrame(frame: VisitorServerFrame): void {
    const conversation = this.state.conversation;
    switch (frame.type) {
      case 'ready': {
        this.attempt = 0;
        this.set({ connected: true });
        if (conversation) {
          const lastSeq = conversation.messages.at(-1)?.seq ?? 0;
          this.frame({ type: 'subscribe', conversationId: conversation.id, afterSeq: lastSeq });
        }
        for (const pending of this.state.pending) this.frame(sendFrame(pending));
        return;
      }
      case 'message': {
        if (!conversation || conversation.id !== frame.conversationId) return;
        const messages = mergeMessages(conversation.messages, [frame.message]);
        if (messages.length === conversation.messages.length) return;
        const fromAgent = frame.message.from !== 'visitor';
        this.set({
          conversation: { ...conversation, messages },
          unread: fromAgent && !this.open ? this.state.unread + 1 : this.state.unread,
          ...(fromAgent ? { typing: null } : {}),
        });
        if (fromAgent) this.seen();
        return;
      }
      case 'ack': {
        const { result } = frame;
        const pending = this.state.pending.filter(
          (p) => p.clientMessageId !== frame.clientMessageId,
        );
        this.write('pending', JSON.stringify(pending));
        const base =
          conversation?.id === result.conversationId
            ? conversation
            : {
                id: result.conversationId,
                displayNumber: result.displayNumber,
                status: 'new' as const,
                messages: [],
              };
        this.set({
          pending,
          conversation: { ...base, messages: mergeMessages(base.messages, [result.message]) },
        });
        return;
      }
      case 'message_status': {
        if (!conversation || frame.conversationId !== conversation.id) return;
        const messages = conversation.messages.map((m) =>
          m.id === frame.messageId ? { ...m, deliveryStatus: frame.deliveryStatus } : m,
        );
        this.set({ conversation: { ...conversation, messages } });
        return;
      }
      case 'typing':
        if (frame.conversationId === conversation?.id) this.set({ typing: frame.name });
        return;
      case 'status':
        if (conversation && frame.conversationId === conversation.id) {
          this.set({ conversation: { ...conversation, status: frame.status as never } });
          // The hook for a satisfaction survey: the host page (or Parley's surveys) listens.
          if (frame.status === 'resolved')
            window.dispatchEvent(
              new CustomEvent('parley:resolved', {
                detail: { conversationId: conversation.id, number: conversation.displayNumber },
              }),
            );
        }
        return;
      case 'error':
        if (frame.clientMessageId) this.set({ error: frame.code });
        return;
      default:
        return;
    }
  }

  /** Uploads a file for the next message (rejected by type or size with a readable code). */
  async upload(file: File): Promise<VisitorUpload> {
    const response = await fetch(
      `${this.base}/api/v1/widget/attachments?name=${encodeURIComponent(file.name)}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token ?? ''}`, 'content-type': file.type },
        body: file,
      },
    );
    if (!response.ok) throw new Error(`http_${String(response.status)}`);
    return (await response.json()) as VisitorUpload;
  }

  /** The full address of a file link the server gave. */
  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Sends a message: kept until acknowledged, resent on reconnect with the same id. */
  send(text: string, prechat?: Prechat, uploads: VisitorUpload[] = []): void {
    const pending: Pending = {
      clientMessageId: clientId(),
      text,
      locale: this.locale,
      ...(uploads.length > 0
        ? { attachments: uploads.map((u) => u.upload), files: uploads.map((u) => u.filename) }
        : {}),
      ...(this.state.conversation ? { conversationId: this.state.conversation.id } : {}),
      ...(prechat ? { prechat } : {}),
    };
    const all = [...this.state.pending, pending];
    this.write('pending', JSON.stringify(all));
    this.set({ pending: all, error: null });
    this.frame(sendFrame(pending));
  }

  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private typingNow = false;
  /** Tells the agent the visitor is typing (stops after 3 s without a keystroke). */
  typing(): void {
    const conversation = this.state.conversation;
    if (!conversation) return;
    if (!this.typingNow) {
      this.typingNow = true;
      this.frame({ type: 'typing', conversationId: conversation.id, typing: true });
    }
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.typingNow = false;
      this.frame({ type: 'typing', conversationId: conversation.id, typing: false });
    }, 3000);
  }

  setOpen(open: boolean): void {
    this.open = open;
    if (open) {
      this.set({ unread: 0 });
      this.seen();
    }
  }

  /** Receipts: read when shown (the panel open, the page visible), else delivered. */
  private seen(): void {
    const conversation = this.state.conversation;
    const last = conversation?.messages.at(-1);
    if (!conversation || !last) return;
    const read = this.open && document.visibilityState === 'visible';
    this.frame({ type: 'seen', conversationId: conversation.id, seq: last.seq, read });
  }

  async offline(body: Omit<OfflineBody, 'clientMessageId' | 'locale'>): Promise<OfflineResult> {
    return this.http<OfflineResult>('POST', `/${this.key}/offline`, {
      ...body,
      clientMessageId: clientId(),
      locale: this.locale,
    });
  }

  /** The conversation, or the new one the first pending message will open. */
  get messages(): (VisitorMessage | (Pending & { pending: true }))[] {
    const sent = this.state.conversation?.messages ?? [];
    return [...sent, ...this.state.pending.map((p) => ({ ...p, pending: true as const }))];
  }

  /** After a resolved chat: the next message starts a new conversation. */
  newConversation(): void {
    this.set({ conversation: null });
  }
}
