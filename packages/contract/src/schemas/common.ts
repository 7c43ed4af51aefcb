import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { errorStatus } from '../errors.js';

/** Opaque id (UUIDv7 on the wire). */
export const Id = Type.String({ format: 'uuid', description: 'Opaque identifier' });
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(
        Object.keys(errorStatus).map((code) => Type.Literal(code)),
        {
          description: 'Stable machine-readable code',
        },
      ),
      message: Type.String({ description: 'Readable explanation' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: 'Every error has this shape' },
);

/** The error answers every API route documents (any of them can meet bad input, a missing login, a limit). */
export const ErrorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
  429: ErrorResponse,
};

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

/** `{ data: [...], nextCursor }`, the envelope of every list. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export const Locale = Type.Union(
  [
    Type.Literal('en'),
    Type.Literal('pl'),
    Type.Literal('sv'),
    Type.Literal('fa'),
    Type.Literal('zh'),
  ],
  { description: 'Interface language' },
);
export type Locale = Static<typeof Locale>;
export const locales = ['en', 'pl', 'sv', 'fa', 'zh'] as const;
