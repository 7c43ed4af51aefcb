import { Type, type Static } from '@sinclair/typebox';
import { Email } from './auth.js';
import { Id, Timestamp } from './common.js';
import { FieldKey, FieldValues } from './fields.js';
import { RequiredSkill } from './teams.js';

export const Channel = Type.Union(
  ['email', 'chat', 'sms', 'whatsapp', 'telegram', 'webform', 'phone', 'api'].map((c) =>
    Type.Literal(c),
  ),
  { description: 'Where a conversation or message came from' },
);
export type Channel =
  'email' | 'chat' | 'sms' | 'whatsapp' | 'telegram' | 'webform' | 'phone' | 'api';

export const ConversationStatus = Type.Union(
  [
    Type.Literal('new'),
    Type.Literal('open'),
    Type.Literal('pending'),
    Type.Literal('on_hold'),
    Type.Literal('resolved'),
    Type.Literal('closed'),
  ],
  { description: 'pending: waiting on the customer; on_hold: waiting on a third party' },
);
export type ConversationStatus = Static<typeof ConversationStatus>;

export const Priority = Type.Union([
  Type.Literal('low'),
  Type.Literal('normal'),
  Type.Literal('high'),
  Type.Literal('urgent'),
]);
export type Priority = Static<typeof Priority>;

export const IdentityKind = Type.Union([
  Type.Literal('email'),
  Type.Literal('phone'),
  Type.Literal('whatsapp'),
  Type.Literal('telegram'),
  Type.Literal('chat'),
]);
export type IdentityKind = Static<typeof IdentityKind>;

export const ContactSummary = Type.Object(
  {
    id: Id,
    name: Type.Union([Type.String(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ContactSummary = Static<typeof ContactSummary>;

export const Conversation = Type.Object(
  {
    id: Id,
    number: Type.Integer({ description: 'Per-workspace ticket number' }),
    displayNumber: Type.String({ description: 'The number with the workspace prefix, e.g. #1042' }),
    subject: Type.String(),
    status: ConversationStatus,
    priority: Priority,
    channel: Channel,
    language: Type.Union([Type.String(), Type.Null()]),
    category: Type.Union([Type.String(), Type.Null()]),
    tags: Type.Array(Type.String()),
    customFields: Type.Record(Type.String(), Type.Unknown()),
    contact: ContactSummary,
    teamId: Type.Union([Id, Type.Null()]),
    assigneeId: Type.Union([Id, Type.Null()]),
    requiredSkills: Type.Array(Id, {
      description: 'Skills an agent needs for this conversation (set by routing rules or the API)',
    }),
    followUpOfId: Type.Union([Id, Type.Null()]),
    mergedIntoId: Type.Union([Id, Type.Null()], {
      description: 'Set when merged: the conversation that now holds its messages',
    }),
    messageCount: Type.Integer(),
    preview: Type.String({ description: 'The start of the latest message' }),
    lastActivityAt: Timestamp,
    firstCustomerMessageAt: Type.Union([Timestamp, Type.Null()], {
      description: "The customer's first message (null for a conversation an agent started)",
    }),
    firstResponseAt: Type.Union([Timestamp, Type.Null()]),
    resolvedAt: Type.Union([Timestamp, Type.Null()]),
    closedAt: Type.Union([Timestamp, Type.Null()]),
    reopenedCount: Type.Integer(),
    slaPolicyId: Type.Union([Id, Type.Null()], { description: 'The SLA policy that applies' }),
    slaDueAt: Type.Union([Timestamp, Type.Null()], {
      description: 'The earliest running SLA due time (time to breach); null when none runs',
    }),
    slaBreachedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When a target of its SLA was first breached',
    }),
    firstResponseDueAt: Type.Union([Timestamp, Type.Null()]),
    nextResponseDueAt: Type.Union([Timestamp, Type.Null()]),
    resolutionDueAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Conversation = Static<typeof Conversation>;

export const Attachment = Type.Object(
  {
    blobKey: Type.String(),
    filename: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
    contentId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Attachment = Static<typeof Attachment>;

/** Who wrote a message or made a change: a contact, a user, the bot or the system. */
export const Author = Type.Object({
  type: Type.Union([
    Type.Literal('contact'),
    Type.Literal('user'),
    Type.Literal('bot'),
    Type.Literal('system'),
  ]),
  id: Type.Union([Id, Type.Null()]),
});

export const Message = Type.Object(
  {
    id: Id,
    conversationId: Id,
    seq: Type.Integer({ description: 'Order within the conversation, from 1' }),
    kind: Type.Union([Type.Literal('inbound'), Type.Literal('outbound'), Type.Literal('note')]),
    author: Author,
    channel: Channel,
    text: Type.String(),
    html: Type.Union([Type.String(), Type.Null()], { description: 'Sanitized HTML' }),
    attachments: Type.Array(Attachment),
    deliveryStatus: Type.Union([Type.String(), Type.Null()], {
      description: 'Outbound messages: queued, sent, delivered, read or failed',
    }),
    deliveryError: Type.Optional(
      Type.String({ description: 'Why a failed outbound message could not be delivered' }),
    ),
    omittedAttachments: Type.Optional(
      Type.Array(Type.Object({ filename: Type.String(), size: Type.Integer() }), {
        description:
          'Attachments over the size limit, not kept (an admin can download the raw email)',
      }),
    ),
    original: Type.Optional(
      Type.Object(
        {
          text: Type.String(),
          html: Type.Union([Type.String(), Type.Null()], { description: 'Sanitized HTML' }),
        },
        {
          additionalProperties: false,
          description:
            'The whole message as received, when quoted history or a signature was trimmed from `text` and `html` (emails)',
        },
      ),
    ),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Message = Static<typeof Message>;

export const MAX_SUBJECT = 500;
export const MAX_TEXT = 100_000;
/** A conversation carries at most this many tags, each at most `MAX_TAG_LENGTH` long. */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;
const Tag = Type.String({ minLength: 1, maxLength: MAX_TAG_LENGTH });

export const ConversationCreateBody = Type.Object(
  {
    contact: Type.Object(
      {
        email: Type.Optional(Email),
        phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
        name: Type.Optional(Type.String({ maxLength: 200 })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    subject: Type.String({ minLength: 1, maxLength: MAX_SUBJECT }),
    text: Type.String({ minLength: 1, maxLength: MAX_TEXT }),
    html: Type.Optional(Type.String({ maxLength: MAX_TEXT * 2 })),
    priority: Type.Optional(Priority),
    tags: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS, uniqueItems: true })),
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 10 })),
    customFields: Type.Optional(FieldValues),
  },
  { additionalProperties: false },
);
export type ConversationCreateBody = Static<typeof ConversationCreateBody>;

export const ConversationCreated = Type.Object({ conversation: Conversation, message: Message });
export type ConversationCreated = Static<typeof ConversationCreated>;

export const ConversationSort = Type.Union(
  [
    Type.Literal('-lastActivityAt'),
    Type.Literal('lastActivityAt'),
    Type.Literal('-createdAt'),
    Type.Literal('createdAt'),
    Type.Literal('-priority'),
    Type.Literal('slaDueAt'),
  ],
  {
    description:
      'Newest activity first by default; -priority: most urgent first, then oldest; slaDueAt: nearest SLA breach first (none last)',
  },
);
export type ConversationSort = Static<typeof ConversationSort>;

/** One of `values`, or several separated by commas: any of them (`status=new,open,pending`). */
function anyOf(values: readonly string[], what: string) {
  const one = `(?:${values.join('|')})`;
  return Type.String({
    pattern: `^${one}(?:,${one}){0,${String(values.length - 1)}}$`,
    description: `One ${what}, or several separated by commas (any of them)`,
  });
}
const statuses = ['new', 'open', 'pending', 'on_hold', 'resolved', 'closed'] as const;
const priorities = ['low', 'normal', 'high', 'urgent'] as const;

/** The filters a list or a saved view applies (every one optional, all must hold). */
/** The filters of a conversation list, shared by search (`field.<key>=` pairs come on top). */
export const conversationFilterProperties = {
  status: Type.Optional(anyOf(statuses, 'status')),
  assignee: Type.Optional(Type.Union([Id, Type.Literal('me'), Type.Literal('unassigned')])),
  contactId: Type.Optional(Id),
  priority: Type.Optional(anyOf(priorities, 'priority')),
  channel: Type.Optional(Channel),
  language: Type.Optional(Type.String({ minLength: 2, maxLength: 10 })),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  teamId: Type.Optional(Id),
  createdAfter: Type.Optional(Type.String({ format: 'date-time' })),
  createdBefore: Type.Optional(Type.String({ format: 'date-time' })),
  updatedAfter: Type.Optional(Type.String({ format: 'date-time' })),
  updatedBefore: Type.Optional(Type.String({ format: 'date-time' })),
  slaBreached: Type.Optional(
    Type.Boolean({ description: 'true: an SLA target was breached; false: none was' }),
  ),
  slaDueBefore: Type.Optional(
    Type.String({ format: 'date-time', description: 'A running SLA target is due before then' }),
  ),
};

const FieldFilter = Type.String({ minLength: 1, maxLength: 200 });
/** `field.plan=enterprise`: custom field filters in a query string. */
export const fieldFilterPatterns = { '^field\\.[a-z][a-z0-9_]{0,39}$': FieldFilter };

export const ConversationFilters = Type.Object(
  {
    ...conversationFilterProperties,
    fields: Type.Optional(
      Type.Record(FieldKey, FieldFilter, {
        maxProperties: 10,
        additionalProperties: false,
        description:
          'Custom field equals this value (a multiselect field: contains it); typed by the field',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ConversationFilters = Static<typeof ConversationFilters>;

export const ConversationListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    ...conversationFilterProperties,
    sort: Type.Optional(ConversationSort),
  },
  {
    additionalProperties: false,
    patternProperties: fieldFilterPatterns,
  },
);
export type ConversationListQuery = Static<typeof ConversationListQuery> & {
  [key: `field.${string}`]: string | undefined;
};

/** What a PATCH may change (each optional); the bulk change adds `addTags`/`removeTags`. */
const conversationChanges = {
  status: Type.Optional(ConversationStatus),
  priority: Type.Optional(Priority),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_SUBJECT })),
  assigneeId: Type.Optional(Type.Union([Id, Type.Null()])),
  teamId: Type.Optional(
    Type.Union([Id, Type.Null()], { description: 'A team of this workspace, or null for none' }),
  ),
  requiredSkills: Type.Optional(
    Type.Array(RequiredSkill, {
      maxItems: 20,
      description: 'Replaces the required skills: skill ids, or { type, value } of defined skills',
    }),
  ),
  tags: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS, uniqueItems: true })),
  category: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
  language: Type.Optional(Type.Union([Type.String({ minLength: 2, maxLength: 10 }), Type.Null()])),
  customFields: Type.Optional(FieldValues),
};

export const ConversationUpdateBody = Type.Object(conversationChanges, {
  additionalProperties: false,
  minProperties: 1,
});
export type ConversationUpdateBody = Static<typeof ConversationUpdateBody>;

/** Files one reply or note may carry. */
export const MAX_NEW_ATTACHMENTS = 10;

/** A file sent with a reply: its bytes as base64 in the JSON body. */
export const NewAttachment = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    contentType: Type.Optional(
      Type.String({
        pattern: '^[\\w.+-]+/[\\w.+-]+$',
        maxLength: 255,
        default: 'application/octet-stream',
      }),
    ),
    content: Type.String({
      minLength: 1,
      pattern: '^[A-Za-z0-9+/]+={0,2}$',
      contentEncoding: 'base64',
      description: 'The bytes, base64',
    }),
  },
  { additionalProperties: false },
);
export type NewAttachment = Static<typeof NewAttachment>;

export const MessageCreateBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('reply'), Type.Literal('note')]),
    text: Type.String({ minLength: 1, maxLength: MAX_TEXT }),
    html: Type.Optional(Type.String({ maxLength: MAX_TEXT * 2 })),
    status: Type.Optional(ConversationStatus),
    mentions: Type.Optional(
      Type.Array(Id, {
        maxItems: 20,
        uniqueItems: true,
        description: 'Colleagues a note mentions (@name): each is notified',
      }),
    ),
    attachments: Type.Optional(
      Type.Array(NewAttachment, {
        maxItems: MAX_NEW_ATTACHMENTS,
        description:
          'Files sent with the reply (or kept with the note); together at most the upload limit (MAX_UPLOAD_BYTES)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MessageCreateBody = Static<typeof MessageCreateBody>;

export const MessageListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    afterSeq: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Messages after this sequence number' }),
    ),
  },
  { additionalProperties: false },
);
export type MessageListQuery = Static<typeof MessageListQuery>;

export const BULK_LIMIT = 1000;

/**
 * A bulk change: anything a PATCH takes, plus tags added to and removed from each
 * conversation's own set (`tags` replaces the set instead, so it goes with neither).
 */
export const BulkChanges = Type.Object(
  {
    ...conversationChanges,
    addTags: Type.Optional(
      Type.Array(Tag, {
        minItems: 1,
        maxItems: MAX_TAGS,
        description:
          'Added to each conversation that lacks them (trimmed; compared ignoring case); a conversation that would end up with more than 20 tags fails with too_many_tags',
      }),
    ),
    removeTags: Type.Optional(
      Type.Array(Tag, {
        minItems: 1,
        maxItems: MAX_TAGS,
        description: 'Removed from each conversation that has them (compared ignoring case)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type BulkChanges = Static<typeof BulkChanges>;

export const BulkUpdateBody = Type.Object(
  {
    ids: Type.Array(Id, { minItems: 1, maxItems: BULK_LIMIT, uniqueItems: true }),
    changes: BulkChanges,
  },
  { additionalProperties: false },
);
export type BulkUpdateBody = Static<typeof BulkUpdateBody>;

export const BulkUpdateResult = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Id,
      ok: Type.Boolean(),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    }),
  ),
  updated: Type.Integer(),
  failed: Type.Integer(),
});
export type BulkUpdateResult = Static<typeof BulkUpdateResult>;

export const MergeBody = Type.Object(
  { into: Id },
  { additionalProperties: false, description: 'Merge this conversation into `into`' },
);
export type MergeBody = Static<typeof MergeBody>;

export const SplitBody = Type.Object(
  {
    messageId: Id,
    withFollowing: Type.Optional(
      Type.Boolean({ description: 'Also move every later message (default: only this one)' }),
    ),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_SUBJECT })),
  },
  {
    additionalProperties: false,
    description:
      'Move a message (and optionally the ones after it) out into a new conversation of the same customer, linked as related',
  },
);
export type SplitBody = Static<typeof SplitBody>;

export const TimelineEvent = Type.Object({
  id: Type.Integer(),
  type: Type.String({
    description: 'conversation.created, conversation.assigned, conversation.status_changed...',
  }),
  actor: Author,
  data: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});
export type TimelineEvent = Static<typeof TimelineEvent>;

export const TimelineQuery = Type.Object(
  {
    afterId: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

export const LinkKind = Type.Union(
  [Type.Literal('related'), Type.Literal('parent'), Type.Literal('child')],
  {
    description: 'What the linked conversation is to this one',
  },
);
export const LinkCreateBody = Type.Object(
  { conversationId: Id, kind: LinkKind },
  { additionalProperties: false },
);
export type LinkCreateBody = Static<typeof LinkCreateBody>;
export const ConversationLink = Type.Object({
  conversationId: Id,
  number: Type.Integer(),
  subject: Type.String(),
  status: ConversationStatus,
  kind: LinkKind,
  createdAt: Timestamp,
});
export type ConversationLink = Static<typeof ConversationLink>;
export const LinkParams = Type.Object({ id: Id, linkedId: Id }, { additionalProperties: false });

export const AttachmentParams = Type.Object(
  { id: Id, key: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'The blob key (sha256)' }) },
  { additionalProperties: false },
);
export type AttachmentParams = Static<typeof AttachmentParams>;
