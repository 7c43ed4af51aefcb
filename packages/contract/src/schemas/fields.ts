import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';

export const FieldKey = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,39}$',
  description: 'Lower-case letters, digits and _, starting with a letter',
});

export const FieldEntity = Type.Union([Type.Literal('conversation'), Type.Literal('contact')]);
export type FieldEntity = Static<typeof FieldEntity>;

export const FieldType = Type.Union(
  [
    Type.Literal('text'),
    Type.Literal('number'),
    Type.Literal('boolean'),
    Type.Literal('date'),
    Type.Literal('select'),
    Type.Literal('multiselect'),
  ],
  {
    description:
      'text (≤ 500 characters), number, boolean, date (YYYY-MM-DD), select (one of the options), multiselect (several)',
  },
);
export type FieldType = Static<typeof FieldType>;

/** A value as stored and sent: null removes it. */
export const FieldValue = Type.Union([
  Type.String({ maxLength: 500 }),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50, uniqueItems: true }),
  Type.Null(),
]);
export type FieldValue = Static<typeof FieldValue>;

export const FieldValues = Type.Record(FieldKey, FieldValue, {
  maxProperties: 50,
  additionalProperties: false,
  description: 'Typed custom field values by key (see /api/v1/custom-fields); null removes one',
});
export type FieldValues = Static<typeof FieldValues>;

const FieldOption = Type.String({ minLength: 1, maxLength: 100 });

export const CustomField = Type.Object(
  {
    id: Id,
    entity: FieldEntity,
    key: Type.String(),
    label: Type.String(),
    type: FieldType,
    options: Type.Array(Type.String()),
    description: Type.Union([Type.String(), Type.Null()]),
    position: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type CustomField = Static<typeof CustomField>;

export const CustomFieldCreateBody = Type.Object(
  {
    entity: FieldEntity,
    key: FieldKey,
    label: Type.String({ minLength: 1, maxLength: 100 }),
    type: FieldType,
    options: Type.Optional(Type.Array(FieldOption, { maxItems: 200, uniqueItems: true })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export type CustomFieldCreateBody = Static<typeof CustomFieldCreateBody>;

export const CustomFieldUpdateBody = Type.Object(
  {
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    options: Type.Optional(Type.Array(FieldOption, { maxItems: 200, uniqueItems: true })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The key, entity and type never change: define a new field instead',
  },
);
export type CustomFieldUpdateBody = Static<typeof CustomFieldUpdateBody>;

export const CustomFieldListQuery = Type.Object(
  { entity: Type.Optional(FieldEntity) },
  { additionalProperties: false },
);
export type CustomFieldListQuery = Static<typeof CustomFieldListQuery>;
