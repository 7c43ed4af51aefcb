import type {
  BulkChanges,
  BulkUpdateResult,
  ContactUpdateBody,
  ConversationLink,
  IdentityCreateBody,
  LinkCreateBody,
  Organization,
  SplitBody,
  UserUpdateBody,
  ContactDetail,
  Conversation,
  ConversationUpdateBody,
  ErrorBody,
  ErrorCode,
  Agent,
  CannedResponse,
  EscalateBody,
  Me,
  NotificationPage,
  NotificationReadBody,
  Presence,
  Message,
  MessageCreateBody,
  TimelineEvent,
  TwoFactorChallenge,
  TwoFactorSetup,
  TwoFactorStatus,
  User,
  ViewCounts,
  SavedView,
  SearchResults,
  Team,
  CustomField,
  FieldEntity,
} from '@parley/contract';

/** An error answer from the API: its stable code (shown translated), message and status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error',
    message: string,
  ) {
    super(message);
  }
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** The CSRF token for cookie-authenticated writes, from the login or /me answer. */
let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ApiError(0, 'network_error', error instanceof Error ? error.message : 'offline');
  }
  if (response.status === 204) return undefined as T;
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (json as Partial<ErrorBody> | null)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'internal_error',
      error?.message ?? response.statusText,
    );
  }
  return json as T;
}

/** A query string of the parameters that have a value (`?a=1&b=x`, or nothing). */
export const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

export type ConversationFilter = Record<string, string | undefined>;

/**
 * Every page of a cursor-paged list, as one page: for pickers of a workspace's people (a few
 * hundred at most, 200 a request), so nobody past the first page is missing.
 */
export async function allPages<T>(path: string, params: Record<string, string>): Promise<Page<T>> {
  const data: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await request<Page<T>>(
      'GET',
      `${path}${query({ ...params, limit: 200, cursor })}`,
    );
    data.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { data, nextCursor: null };
}

export const api = {
  me: () => request<Me>('GET', '/me'),
  /** A session (`Me`), or for a user with two-factor sign-in on, the challenge for a code. */
  login: (body: { email: string; password: string; workspace?: string }) =>
    request<Me | TwoFactorChallenge>('POST', '/auth/login', body),
  loginTwoFactor: (body: { challengeToken: string; code: string }) =>
    request<Me>('POST', '/auth/login/two-factor', body),
  logout: () => request<undefined>('POST', '/auth/logout'),
  /** Everyone in the workspace, by name. */
  users: () => allPages<User>('/users', { sort: 'name' }),
  agent: (userId: string) => request<Agent>('GET', `/agents/${userId}`),
  setPresence: (presence: Presence) => request<Agent>('PUT', '/me/presence', { presence }),
  teams: () => request<{ data: Team[] }>('GET', '/teams'),
  customFields: (entity: FieldEntity) =>
    request<{ data: CustomField[] }>('GET', `/custom-fields${query({ entity })}`),
  viewCounts: () => request<ViewCounts>('GET', '/views/counts'),
  views: () => request<Page<SavedView>>('GET', '/views'),
  conversations: (filter: ConversationFilter, cursor?: string) =>
    request<Page<Conversation>>('GET', `/conversations${query({ ...filter, cursor, limit: 50 })}`),
  viewConversations: (viewId: string, cursor?: string) =>
    request<Page<Conversation>>(
      'GET',
      `/views/${viewId}/conversations${query({ cursor, limit: 50 })}`,
    ),
  contact: (id: string) => request<ContactDetail>('GET', `/contacts/${id}`),
  conversation: (id: string) => request<Conversation>('GET', `/conversations/${id}`),
  messages: (id: string) =>
    request<Page<Message>>('GET', `/conversations/${id}/messages?limit=200`),
  events: (id: string) =>
    request<Page<TimelineEvent>>('GET', `/conversations/${id}/events?limit=500`),
  send: (id: string, body: MessageCreateBody) =>
    request<Message>('POST', `/conversations/${id}/messages`, body),
  escalate: (id: string, body: EscalateBody) =>
    request<Conversation>('POST', `/conversations/${id}/escalate`, body),
  update: (id: string, body: ConversationUpdateBody) =>
    request<Conversation>('PATCH', `/conversations/${id}`, body),
  search: (q: string) => request<SearchResults>('GET', `/search${query({ q, limit: 10 })}`),
  canned: (q: string, language: string) =>
    request<{ data: CannedResponse[] }>('GET', `/canned-responses${query({ q, language })}`),
  renderCanned: (id: string, conversationId: string) =>
    request<{ text: string }>('POST', `/canned-responses/${id}/render`, { conversationId }),
  notifications: () => request<NotificationPage>('GET', '/notifications?limit=30'),
  markNotificationsRead: (body: NotificationReadBody) =>
    request<{ updated: number }>('POST', '/notifications/read', body),
  bulk: (ids: string[], changes: BulkChanges) =>
    request<BulkUpdateResult>('POST', '/conversations/bulk', { ids, changes }),

  // Account: password reset, invitations, profile.
  requestPasswordReset: (body: { email: string; workspace?: string }) =>
    request<null>('POST', '/auth/password-reset', body),
  confirmPasswordReset: (body: { token: string; password: string }) =>
    request<undefined>('POST', '/auth/password-reset/confirm', body),
  acceptInvitation: (body: { token: string; name: string; password: string; locale: string }) =>
    request<Me>('POST', '/invitations/accept', body),
  updateUser: (id: string, body: UserUpdateBody) => request<User>('PATCH', `/users/${id}`, body),
  setAvatar: (id: string, dataUrl: string) =>
    request<User>('PUT', `/users/${id}/avatar`, { dataUrl }),
  removeAvatar: (id: string) => request<User>('DELETE', `/users/${id}/avatar`),
  changePassword: (body: { currentPassword: string; newPassword: string }) =>
    request<undefined>('POST', '/auth/password', body),
  twoFactor: () => request<TwoFactorStatus>('GET', '/auth/two-factor'),
  twoFactorSetup: () => request<TwoFactorSetup>('POST', '/auth/two-factor/setup'),
  twoFactorEnable: (body: { password: string; code: string }) =>
    request<{ recoveryCodes: string[] }>('POST', '/auth/two-factor/enable', body),
  twoFactorDisable: (body: { password: string; code: string }) =>
    request<undefined>('POST', '/auth/two-factor/disable', body),
  newRecoveryCodes: (code: string) =>
    request<{ recoveryCodes: string[] }>('POST', '/auth/two-factor/recovery-codes', { code }),

  // The customer panel's quick edit.
  updateContact: (id: string, body: ContactUpdateBody) =>
    request<ContactDetail>('PATCH', `/contacts/${id}`, body),
  addIdentity: (id: string, body: IdentityCreateBody) =>
    request<unknown>('POST', `/contacts/${id}/identities`, body),
  removeIdentity: (id: string, kind: string, value: string) =>
    request<unknown>('DELETE', `/contacts/${id}/identities/${kind}/${encodeURIComponent(value)}`),
  organizations: (q?: string) =>
    request<Page<Organization>>('GET', `/organizations${query({ q, limit: 100 })}`),

  // Merge, split, link.
  merge: (id: string, into: string) =>
    request<Conversation>('POST', `/conversations/${id}/merge`, { into }),
  split: (id: string, body: SplitBody) =>
    request<Conversation>('POST', `/conversations/${id}/split`, body),
  links: (id: string) => request<{ data: ConversationLink[] }>('GET', `/conversations/${id}/links`),
  addLink: (id: string, body: LinkCreateBody) =>
    request<unknown>('POST', `/conversations/${id}/links`, body),
  removeLink: (id: string, linkedId: string) =>
    request<undefined>('DELETE', `/conversations/${id}/links/${linkedId}`),
};
