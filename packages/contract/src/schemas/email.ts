import { Type, type Static } from '@sinclair/typebox';
import { Id, Locale, Timestamp } from './common.js';

const Address = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'An email address; stored lower-case',
});

export const SmtpTransport = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    secure: Type.Optional(
      Type.Boolean({
        description: 'TLS from the start (port 465); otherwise STARTTLS when offered',
      }),
    ),
    user: Type.Optional(Type.String({ maxLength: 255 })),
    password: Type.Optional(Type.String({ maxLength: 1000, description: 'Never returned' })),
  },
  { additionalProperties: false },
);
export type SmtpTransport = Static<typeof SmtpTransport>;

export const DkimSettings = Type.Object(
  {
    domainName: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern:
        '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$',
      description: 'The signing domain (d=), e.g. acme.com',
    }),
    keySelector: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$',
      description:
        'The selector (s=): the public key is published at <selector>._domainkey.<domain>',
    }),
    privateKey: Type.String({
      minLength: 1,
      maxLength: 10_000,
      description: 'PEM private key (RSA or Ed25519); never returned',
    }),
  },
  { additionalProperties: false },
);
export type DkimSettings = Static<typeof DkimSettings>;

export const ImapSettings = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    secure: Type.Optional(
      Type.Boolean({
        description: 'TLS from the start (port 993); otherwise STARTTLS when offered',
      }),
    ),
    user: Type.String({ minLength: 1, maxLength: 255 }),
    password: Type.String({ minLength: 1, maxLength: 1000, description: 'Never returned' }),
    folder: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'The folder to read; INBOX by default',
      }),
    ),
    moveTo: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()], {
        description:
          'After a mail is filed: move it to this (existing) folder; null or absent: mark it \\Seen',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ImapSettings = Static<typeof ImapSettings>;

export const Mailbox = Type.Object(
  {
    id: Id,
    name: Type.String(),
    address: Type.String({ description: 'Where customers write; replies are sent from it' }),
    aliases: Type.Array(Type.String(), { description: 'Other addresses this mailbox receives' }),
    displayName: Type.Union([Type.String(), Type.Null()]),
    teamId: Type.Union([Id, Type.Null()]),
    signature: Type.Union([Type.String(), Type.Null()]),
    language: Type.Union([Locale, Type.Null()]),
    transport: Type.Union(
      [
        Type.Object({
          host: Type.String(),
          port: Type.Integer(),
          secure: Type.Boolean(),
          user: Type.Union([Type.String(), Type.Null()]),
          hasPassword: Type.Boolean(),
        }),
        Type.Null(),
      ],
      { description: 'Outbound SMTP; null: the server-wide SMTP_RELAY_URL' },
    ),
    imap: Type.Union(
      [
        Type.Object({
          host: Type.String(),
          port: Type.Integer(),
          secure: Type.Boolean(),
          user: Type.String(),
          hasPassword: Type.Boolean(),
          folder: Type.String(),
          moveTo: Type.Union([Type.String(), Type.Null()]),
          lastPolledAt: Type.Union([Timestamp, Type.Null()]),
          lastError: Type.Union([Type.String(), Type.Null()]),
        }),
        Type.Null(),
      ],
      { description: 'Inbound IMAP polling of an existing mailbox; null: none' },
    ),
    dkim: Type.Union(
      [Type.Object({ domainName: Type.String(), keySelector: Type.String() }), Type.Null()],
      { description: 'DKIM signing of outbound mail; null: none' },
    ),
    hasDkimKey: Type.Boolean({ description: 'A DKIM private key is stored (never returned)' }),
    hasWebhookSecret: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Mailbox = Static<typeof Mailbox>;

export const MailboxCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    address: Address,
    aliases: Type.Optional(Type.Array(Address, { maxItems: 20, uniqueItems: true })),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    signature: Type.Optional(Type.String({ maxLength: 5000 })),
    language: Type.Optional(Locale),
    teamId: Type.Optional(
      Type.Union([Id, Type.Null()], {
        description: 'The team this mailbox belongs to (for people; routing uses its rules)',
      }),
    ),
    transport: Type.Optional(SmtpTransport),
    imap: Type.Optional(ImapSettings),
    dkim: Type.Optional(DkimSettings),
  },
  { additionalProperties: false },
);
export type MailboxCreateBody = Static<typeof MailboxCreateBody>;

export const MailboxUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    aliases: Type.Optional(Type.Array(Address, { maxItems: 20, uniqueItems: true })),
    displayName: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
    ),
    signature: Type.Optional(Type.Union([Type.String({ maxLength: 5000 }), Type.Null()])),
    language: Type.Optional(Type.Union([Locale, Type.Null()])),
    teamId: Type.Optional(Type.Union([Id, Type.Null()])),
    transport: Type.Optional(
      Type.Union([SmtpTransport, Type.Null()], {
        description:
          'Replaces the outbound SMTP settings; without `password` the stored password is kept (secrets are never shown, so they cannot be sent back), `password: ""` removes it; null: the server-wide relay',
      }),
    ),
    imap: Type.Optional(
      Type.Union([ImapSettings, Type.Null()], {
        description: 'Replaces the IMAP settings (password included); null stops polling',
      }),
    ),
    dkim: Type.Optional(
      Type.Union([DkimSettings, Type.Null()], {
        description: 'Replaces the DKIM settings (private key included); null stops signing',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The main address never changes: create another mailbox (or add an alias)',
  },
);
export type MailboxUpdateBody = Static<typeof MailboxUpdateBody>;

export const InboundEmailStatus = Type.Union([
  Type.Literal('received'),
  Type.Literal('processed'),
  Type.Literal('duplicate'),
  Type.Literal('ignored'),
  Type.Literal('failed'),
]);

export const InboundEmail = Type.Object(
  {
    id: Id,
    mailboxId: Id,
    source: Type.Union([Type.Literal('smtp'), Type.Literal('imap'), Type.Literal('webhook')]),
    size: Type.Integer(),
    envelopeFrom: Type.Union([Type.String(), Type.Null()]),
    messageId: Type.Union([Type.String(), Type.Null()]),
    status: InboundEmailStatus,
    error: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer(),
    conversationId: Type.Union([Id, Type.Null()]),
    receivedAt: Timestamp,
    processedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type InboundEmail = Static<typeof InboundEmail>;

export const InboundEmailListQuery = Type.Object(
  {
    status: Type.Optional(InboundEmailStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type InboundEmailListQuery = Static<typeof InboundEmailListQuery>;
