import { Type, type Static } from '@sinclair/typebox';
import {
  Conversation,
  conversationFilterProperties,
  fieldFilterPatterns,
} from './conversations.js';
import { Id } from './common.js';

export const SearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Words, "a phrase", or a ticket number (#1042)',
    }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,3}$', description: 'nextCursor of the previous page' }),
    ),
    ...conversationFilterProperties,
  },
  {
    additionalProperties: false,
    description:
      'The words, and the same filters as the conversation list (`field.<key>=value` included)',
    patternProperties: fieldFilterPatterns,
  },
);
export type SearchQuery = Static<typeof SearchQuery> & {
  [key: `field.${string}`]: string | undefined;
};

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
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'The next page of conversations (contacts come on the first page only)',
  }),
});
export type SearchResults = Static<typeof SearchResults>;
