import type {
  PortalAccessAccepted,
  PortalAccessBody,
  PortalReplyCreated,
  PortalSession,
  PortalTicket,
  PortalVerifyBody,
} from '@parley/contract';
import { request, setCsrfToken } from '../api.js';

/**
 * The customer portal's calls. The session lives in an httpOnly cookie scoped to one
 * ticket's API paths (set by `verify`); this page never holds the token itself. Writes send
 * the session's CSRF token, which the ticket's own answer carries.
 */
const base = (slug: string) => `/portal/${encodeURIComponent(slug)}`;

export const portalApi = {
  requestAccess: (slug: string, body: PortalAccessBody) =>
    request<PortalAccessAccepted>('POST', `${base(slug)}/access`, body),
  verify: async (slug: string, body: PortalVerifyBody) => {
    const session = await request<PortalSession>('POST', `${base(slug)}/verify`, body);
    setCsrfToken(session.csrfToken);
    return session;
  },
  ticket: async (slug: string, number: number, cursor?: string) => {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const ticket = await request<PortalTicket>(
      'GET',
      `${base(slug)}/tickets/${String(number)}${query}`,
    );
    setCsrfToken(ticket.csrfToken);
    return ticket;
  },
  reply: (slug: string, number: number, text: string) =>
    request<PortalReplyCreated>('POST', `${base(slug)}/tickets/${String(number)}/messages`, {
      text,
    }),
};

/** Where a portal URL points: `/portal/<slug>`, `/portal/<slug>/verify`, `/portal/<slug>/tickets/<n>`. */
export type PortalPlace =
  | { page: 'access'; slug: string }
  | { page: 'verify'; slug: string; token: string | null }
  | { page: 'ticket'; slug: string; number: number }
  | { page: 'unknown' };

export function portalPlace(pathname: string, hash: string): PortalPlace {
  const parts = pathname.split('/').filter(Boolean);
  const slug = parts[1];
  if (parts[0] !== 'portal' || !slug || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug))
    return { page: 'unknown' };
  if (parts.length === 2) return { page: 'access', slug };
  if (parts.length === 3 && parts[2] === 'verify') {
    const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
    return { page: 'verify', slug, token };
  }
  const number = Number(parts[3]);
  if (parts.length === 4 && parts[2] === 'tickets' && Number.isSafeInteger(number) && number > 0)
    return { page: 'ticket', slug, number };
  return { page: 'unknown' };
}

export const ticketPath = (slug: string, number: number) =>
  `/portal/${slug}/tickets/${String(number)}`;
