import { randomInt } from 'node:crypto';
import type { PortalAccessBody, PortalVerifyBody, ErrorCode } from '@parley/contract';
import { Type, type Static } from '@sinclair/typebox';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { deriveKey, hmac, randomToken, safeEqual, sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { enqueue } from '../../platform/jobs.js';
import { recordEvent } from '../../platform/outbox.js';
import type { RateLimits } from '../../platform/rate-limit.js';
import { normalizeIdentity, type Identity } from '../contacts/identities.js';
import { chooseLocale, render } from '../conversations/acknowledgements.js';
import type { PortalIdentityKind } from './portal.tables.js';
import { accessTemplates } from './portal.templates.js';
import { parseTicketNumber, resolveTicket, ticketKey } from './tickets.js';

export const CHALLENGE_MINUTES = 15;
export const MAX_CODE_ATTEMPTS = 5;
export const PORTAL_SESSION_DAYS = 7;
export const PORTAL_COOKIE = 'parley_portal';

export const portalLimits = {
  /** Any portal access or verification attempt from one address. */
  perIp: { points: 20, windowSeconds: 3600 },
  /** Attempts at one ticket from one address. */
  perTicketIp: { points: 5, windowSeconds: 15 * 60 },
  /** Access requests for one ticket from anywhere: a customer is not flooded with codes. */
  accessPerTicket: { points: 10, windowSeconds: 3600 },
  /** Replies through one portal session. */
  replies: { points: 30, windowSeconds: 10 * 60 },
};

const PortalAccessJob = Type.Object({
  slug: Type.String(),
  ticket: Type.String(),
  identity: Type.Object({
    kind: Type.Union([Type.Literal('email'), Type.Literal('phone')]),
    value: Type.String(),
  }),
  locale: Type.Union([Type.String(), Type.Null()]),
});
export type PortalAccessJob = Static<typeof PortalAccessJob>;

export const portalAccessJob = {
  name: 'portal.access',
  payload: PortalAccessJob,
  maxAttempts: 5,
};

/** What the contact typed: an email address (it has an @) or a phone number, normalised. */
export function contactIdentity(contact: string): Identity & { kind: 'email' | 'phone' } {
  const kind = contact.includes('@') ? 'email' : 'phone';
  const identity = normalizeIdentity({ kind, value: contact });
  return { kind, value: identity.value };
}

/**
 * A customer asks for access to a ticket. The request only counts the attempt and queues
 * a job with what was typed; the job decides whether ticket and contact match. So every
 * request does the same work and gets the same answer, match or not: typing an email
 * reveals nothing, not even through timing.
 */
export async function requestAccess(props: {
  db: Db;
  limits: RateLimits;
  ip: string;
  slug: string;
  body: PortalAccessBody;
}): Promise<void> {
  const key = `${props.slug}:${ticketKey(props.body.ticket)}`;
  await props.limits.consume('portal-ip', props.ip, portalLimits.perIp);
  await props.limits.consume(
    'portal-access-ticket-ip',
    `${key}:${props.ip}`,
    portalLimits.perTicketIp,
  );
  await props.limits.consume('portal-access-ticket', key, portalLimits.accessPerTicket);
  const identity = contactIdentity(props.body.contact);
  await enqueue(props.db, portalAccessJob, {
    slug: props.slug,
    ticket: String(props.body.ticket),
    identity,
    locale: props.body.locale ?? null,
  });
}

const codeKey = (secretKey: string) => deriveKey(secretKey, 'portal-access-code');
const codeHash = (secretKey: string, challengeId: string, code: string) =>
  hmac(codeKey(secretKey), `${challengeId}:${code}`);

/** The channel that reaches an identity. */
const channelFor: Record<PortalIdentityKind, 'email' | 'sms' | 'whatsapp'> = {
  email: 'email',
  phone: 'sms',
  whatsapp: 'whatsapp',
};

/**
 * The job behind `requestAccess`: when the ticket exists and the identity belongs to the
 * ticket's contact, creates a challenge (6-digit code + magic-link token, kept only as
 * hashes) and records `portal.access_requested` with the rendered message for the channel
 * to deliver. Otherwise does nothing. Returns the challenge id, if one was made.
 */
export async function createChallenge(props: {
  db: Db;
  secretKey: string;
  publicUrl: string;
  request: PortalAccessJob;
}): Promise<string | null> {
  const { request } = props;
  return props.db.transaction().execute(async (trx) => {
    const workspace = await trx
      .selectFrom('workspaces')
      .select(['id', 'name', 'slug', 'ticketPrefix', 'defaultLocale'])
      .where('slug', '=', request.slug)
      .executeTakeFirst();
    if (!workspace) return null;
    const number = parseTicketNumber(request.ticket, workspace.ticketPrefix);
    if (number === null) return null;
    const ticket = await resolveTicket(trx, workspace.id, number);
    if (!ticket) return null;
    const kinds: PortalIdentityKind[] =
      request.identity.kind === 'email' ? ['email'] : ['phone', 'whatsapp'];
    const identity = await trx
      .selectFrom('contactIdentities as i')
      .innerJoin('contacts as p', (j) =>
        j.onRef('p.workspaceId', '=', 'i.workspaceId').onRef('p.id', '=', 'i.contactId'),
      )
      .select(['i.kind', 'i.value', 'p.language'])
      .where('i.workspaceId', '=', workspace.id)
      .where('i.kind', 'in', kinds)
      .where('i.value', '=', request.identity.value)
      .where('i.contactId', '=', ticket.contactId)
      // A number known both as phone and WhatsApp: the conversation's own channel first.
      .orderBy(sql`i.kind = ${ticket.channel === 'whatsapp' ? 'whatsapp' : 'phone'}`, 'desc')
      .executeTakeFirst();
    if (!identity) return null;
    const kind = identity.kind as PortalIdentityKind;

    const id = uuidv7();
    const token = randomToken(32);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(Date.now() + CHALLENGE_MINUTES * 60_000);
    await trx
      .insertInto('portalChallenges')
      .values({
        workspaceId: workspace.id,
        id,
        conversationId: ticket.id,
        contactId: ticket.contactId,
        identityKind: kind,
        identityValue: identity.value,
        tokenHash: sha256(token),
        codeHash: codeHash(props.secretKey, id, code),
        expiresAt,
      })
      .execute();

    const locale = chooseLocale(
      request.locale,
      ticket.language,
      identity.language,
      workspace.defaultLocale,
    );
    const template = accessTemplates[locale];
    const link = `${props.publicUrl}/portal/${workspace.slug}/verify#token=${token}`;
    const values = {
      number: `${workspace.ticketPrefix}${ticket.number}`,
      workspace: workspace.name,
      code,
      link,
      minutes: String(CHALLENGE_MINUTES),
    };
    await recordEvent(trx, {
      workspaceId: workspace.id,
      aggregateType: 'portal_challenge',
      aggregateId: id,
      type: 'portal.access_requested',
      // The message itself, for the channel to deliver. Never broadcast: it holds the secrets.
      data: {
        challengeId: id,
        conversationId: ticket.id,
        contactId: ticket.contactId,
        channel: channelFor[kind],
        recipient: { kind, value: identity.value },
        locale,
        subject: render(template.subject, values),
        text: render(template.body, values),
        link,
        code,
        expiresAt: expiresAt.toISOString(),
      },
      broadcast: false,
    });
    return id;
  });
}

export interface OpenedSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  workspaceId: string;
  conversationId: string;
  number: number;
  displayNumber: string;
}

type Outcome = { session: OpenedSession } | { error: ErrorCode; message: string };

const refusals = {
  invalidCode: {
    error: 'portal_code_invalid',
    message: 'The code is wrong; check it or ask for a new one',
  },
  invalidLink: {
    error: 'portal_link_invalid',
    message: 'This link is not valid; ask for a new one',
  },
  expired: {
    error: 'portal_challenge_expired',
    message: 'The code has expired; ask for a new one',
  },
  used: { error: 'portal_challenge_used', message: 'The code was already used; ask for a new one' },
  locked: {
    error: 'portal_challenge_locked',
    message: 'Too many wrong codes; ask for a new one',
  },
} satisfies Record<string, { error: ErrorCode; message: string }>;

/**
 * Exchanges a magic-link token, or a ticket number and code, for a portal session scoped to
 * that one ticket and contact. The challenge is consumed; a wrong code counts against it
 * and the fifth one kills it.
 */
export async function verifyAccess(props: {
  db: Db;
  limits: RateLimits;
  secretKey: string;
  ip: string;
  userAgent: string | null;
  slug: string;
  body: PortalVerifyBody;
}): Promise<OpenedSession> {
  const { body } = props;
  await props.limits.consume('portal-ip', props.ip, portalLimits.perIp);
  if ('code' in body) {
    await props.limits.consume(
      'portal-verify-ticket-ip',
      `${props.slug}:${ticketKey(body.ticket)}:${props.ip}`,
      portalLimits.perTicketIp,
    );
  }
  const workspace = await props.db
    .selectFrom('workspaces')
    .select(['id', 'ticketPrefix'])
    .where('slug', '=', props.slug)
    .executeTakeFirst();
  const outcome: Outcome = await props.db.transaction().execute(async (trx) => {
    if (!workspace) return 'code' in body ? refusals.invalidCode : refusals.invalidLink;
    let challenge;
    if ('code' in body) {
      const number = parseTicketNumber(body.ticket, workspace.ticketPrefix);
      const ticket = number === null ? null : await resolveTicket(trx, workspace.id, number);
      if (!ticket) return refusals.invalidCode;
      // Only the latest challenge of the ticket takes codes.
      challenge = await challengeQuery(trx, workspace.id)
        .where('conversationId', '=', ticket.id)
        .orderBy('createdAt', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!challenge) return refusals.invalidCode;
    } else {
      challenge = await challengeQuery(trx, workspace.id)
        .where('tokenHash', '=', sha256(body.token))
        .executeTakeFirst();
      if (!challenge) return refusals.invalidLink;
    }
    if (challenge.consumedAt) return refusals.used;
    if (challenge.attempts >= MAX_CODE_ATTEMPTS) return refusals.locked;
    if (challenge.expiresAt.getTime() <= Date.now()) return refusals.expired;
    if (
      'code' in body &&
      !safeEqual(codeHash(props.secretKey, challenge.id, body.code), challenge.codeHash)
    ) {
      await trx
        .updateTable('portalChallenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('workspaceId', '=', workspace.id)
        .where('id', '=', challenge.id)
        .execute();
      return challenge.attempts + 1 >= MAX_CODE_ATTEMPTS ? refusals.locked : refusals.invalidCode;
    }
    await trx
      .updateTable('portalChallenges')
      .set({ consumedAt: new Date() })
      .where('workspaceId', '=', workspace.id)
      .where('id', '=', challenge.id)
      .execute();
    const session = await openPortalSession(trx, {
      workspaceId: workspace.id,
      challenge,
      ip: props.ip,
      userAgent: props.userAgent,
      via: 'code' in body ? 'code' : 'link',
    });
    const ticket = await trx
      .selectFrom('conversations')
      .select('number')
      .where('workspaceId', '=', workspace.id)
      .where('id', '=', challenge.conversationId)
      .executeTakeFirstOrThrow();
    return {
      session: {
        ...session,
        workspaceId: workspace.id,
        conversationId: challenge.conversationId,
        number: ticket.number,
        displayNumber: `${workspace.ticketPrefix}${ticket.number}`,
      },
    };
  });
  if ('error' in outcome) throw new AppError(outcome.error, outcome.message);
  return outcome.session;
}

function challengeQuery(trx: Tx, workspaceId: string) {
  return trx
    .selectFrom('portalChallenges')
    .select([
      'id',
      'conversationId',
      'contactId',
      'identityKind',
      'identityValue',
      'codeHash',
      'attempts',
      'expiresAt',
      'consumedAt',
    ])
    .where('workspaceId', '=', workspaceId)
    .forUpdate();
}

/** Portal session tokens carry their workspace in clear, like every Parley credential. */
export function parsePortalToken(value: string): { workspaceId: string; secret: string } | null {
  const match =
    /^prp_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{32,})$/.exec(
      value,
    );
  return match?.[1] && match[2] ? { workspaceId: match[1], secret: match[2] } : null;
}

/** Opens a portal session on the challenge's ticket (verification, and test factories). */
export async function openPortalSession(
  trx: Db | Tx,
  props: {
    workspaceId: string;
    challenge: {
      id: string;
      conversationId: string;
      contactId: string;
      identityKind: PortalIdentityKind;
      identityValue: string;
    };
    ip: string | null;
    userAgent: string | null;
    via: 'code' | 'link';
  },
) {
  const secret = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(Date.now() + PORTAL_SESSION_DAYS * 86_400_000);
  await trx
    .insertInto('portalSessions')
    .values({
      workspaceId: props.workspaceId,
      tokenHash: sha256(secret),
      id: uuidv7(),
      conversationId: props.challenge.conversationId,
      contactId: props.challenge.contactId,
      identityKind: props.challenge.identityKind,
      identityValue: props.challenge.identityValue,
      challengeId: props.challenge.id,
      csrfToken,
      ip: props.ip,
      userAgent: props.userAgent?.slice(0, 400) ?? null,
      expiresAt,
    })
    .execute();
  await trx
    .insertInto('conversationEvents')
    .values({
      workspaceId: props.workspaceId,
      conversationId: props.challenge.conversationId,
      type: 'portal.accessed',
      actorType: 'contact',
      actorId: props.challenge.contactId,
      data: JSON.stringify({ via: props.via, identityKind: props.challenge.identityKind }),
    })
    .execute();
  return { token: `prp_${props.workspaceId}_${secret}`, csrfToken, expiresAt };
}
