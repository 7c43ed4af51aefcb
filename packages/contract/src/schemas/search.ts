import { Type, type Static } from '@sinclair/typebox';
import { Conversation, ConversationStatus } from './conversations.js';
import { Id } from './common.js';

export const SearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Words, "a phrase", or a ticket number (#1042)',
    }),
    status: Type.Optional(ConversationStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

export const SearchResults = Type.Object({
  conversations: Type.Array(
    Type.Object({
      conversation: Conversation,
      matchedIn: Type.Union([
        Type.Literal('number'),
        Type.Literal('subject'),
        Type.Literal('message'),
        Type.Literal('contact'),
      ]),
      snippet: Type.String({ description: 'HTML-escaped excerpt with matches in <mark>' }),
    }),
  ),
  contacts: Type.Array(
    Type.Object({
      id: Id,
      name: Type.Union([Type.String(), Type.Null()]),
      email: Type.Union([Type.String(), Type.Null()]),
      phone: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  /** Candidates were capped: the most relevant of the first matches are shown. */
  capped: Type.Boolean(),
});
export type SearchResults = Static<typeof SearchResults>;
