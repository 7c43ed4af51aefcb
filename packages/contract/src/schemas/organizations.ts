import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';
import { Contact, CustomAttributes } from './contacts.js';

export const Domain = Type.String({
  minLength: 1,
  maxLength: 253,
  description: 'An email domain such as example.com; stored lower-case (IDN as punycode)',
});

export const Organization = Type.Object({
  id: Id,
  name: Type.String(),
  domains: Type.Array(Type.String(), {
    description: 'Email domains of its people; a domain belongs to at most one organization',
  }),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  notes: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Organization = Static<typeof Organization>;

/** How many of an organization's contacts its detail shows; the rest via `GET /contacts?organizationId=`. */
export const ORGANIZATION_CONTACTS_SHOWN = 20;

export const OrganizationDetail = Type.Composite([
  Organization,
  Type.Object({
    contactCount: Type.Integer({ description: 'Its contacts (merged ones not counted)' }),
    contacts: Type.Array(Contact, {
      description: `The newest ${ORGANIZATION_CONTACTS_SHOWN}; page through all with GET /api/v1/contacts?organizationId=`,
    }),
  }),
]);
export type OrganizationDetail = Static<typeof OrganizationDetail>;

const name = Type.String({ minLength: 1, maxLength: 200 });
const domains = Type.Array(Domain, { maxItems: 50 });
const notes = Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()]);

export const OrganizationCreateBody = Type.Object(
  {
    name,
    domains: Type.Optional(domains),
    attributes: Type.Optional(CustomAttributes),
    notes: Type.Optional(notes),
  },
  { additionalProperties: false },
);
export type OrganizationCreateBody = Static<typeof OrganizationCreateBody>;

export const OrganizationUpdateBody = Type.Object(
  {
    name: Type.Optional(name),
    domains: Type.Optional(domains),
    attributes: Type.Optional(CustomAttributes),
    notes: Type.Optional(notes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type OrganizationUpdateBody = Static<typeof OrganizationUpdateBody>;

export const OrganizationListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Names starting with this (case-insensitive)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type OrganizationListQuery = Static<typeof OrganizationListQuery>;
