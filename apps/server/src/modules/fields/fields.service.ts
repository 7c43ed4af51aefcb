import type {
  CustomField,
  CustomFieldCreateBody,
  CustomFieldUpdateBody,
  FieldEntity,
  FieldValue,
  FieldValues,
} from '@parley/contract';
import { sql, type Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import type { CustomFieldDefinitionsTable } from './fields.tables.js';

export type FieldDefinition = Selectable<CustomFieldDefinitionsTable>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function presentField(row: FieldDefinition): CustomField {
  return {
    id: row.id,
    entity: row.entity,
    key: row.key,
    label: row.label,
    type: row.type,
    options: row.options,
    description: row.description,
    position: row.position,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The workspace's field definitions for one kind of record, in display order. */
export async function findFields(
  db: Db | Tx,
  workspaceId: string,
  entity?: FieldEntity,
): Promise<FieldDefinition[]> {
  let q = db
    .selectFrom('customFieldDefinitions')
    .selectAll()
    .where('workspaceId', '=', workspaceId);
  if (entity) q = q.where('entity', '=', entity);
  return q.orderBy('entity').orderBy('position').orderBy('key').execute();
}

const unknownField = (key: string, field: string) =>
  new AppError('unknown_custom_field', `There is no custom field "${key}"`, { details: { field } });

function invalidValue(key: string, message: string): AppError {
  return new AppError('validation_failed', `Custom field "${key}" ${message}`, {
    details: { field: `customFields.${key}` },
  });
}

function isRealDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** One value checked against its definition; returns it as stored. */
function checkValue(def: FieldDefinition, value: Exclude<FieldValue, null>): FieldValue {
  switch (def.type) {
    case 'text':
      if (typeof value !== 'string') throw invalidValue(def.key, 'takes text');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw invalidValue(def.key, 'takes a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidValue(def.key, 'takes true or false');
      return value;
    case 'date':
      if (typeof value !== 'string' || !isRealDate(value))
        throw invalidValue(def.key, 'takes a date as YYYY-MM-DD');
      return value;
    case 'select':
      if (typeof value !== 'string' || !def.options.includes(value))
        throw invalidValue(def.key, `takes one of: ${def.options.join(', ')}`);
      return value;
    case 'multiselect':
      if (!Array.isArray(value) || value.some((v) => !def.options.includes(v)))
        throw invalidValue(def.key, `takes a list of: ${def.options.join(', ')}`);
      return value;
  }
}

/**
 * Checks `values` against the definitions: every key must be defined (`strict`) or, when
 * not strict, keys without a definition pass as they are. Null stays null (it removes).
 */
export function validateFieldValues(
  definitions: FieldDefinition[],
  values: FieldValues,
  options: { strict: boolean },
): FieldValues {
  const out: FieldValues = {};
  for (const [key, value] of Object.entries(values)) {
    const def = definitions.find((d) => d.key === key);
    if (!def) {
      if (options.strict) {
        throw unknownField(key, `customFields.${key}`);
      }
      out[key] = value;
      continue;
    }
    out[key] = value === null ? null : checkValue(def, value);
  }
  return out;
}

/** A list filter's text (`field.plan=enterprise`) as the JSON the field stores, for `@>`. */
export function fieldFilterJson(definitions: FieldDefinition[], key: string, text: string): string {
  const def = definitions.find((d) => d.key === key);
  if (!def) {
    throw unknownField(key, `field.${key}`);
  }
  const bad = (what: string) =>
    new AppError('validation_failed', `Filter field.${key} takes ${what}`, {
      details: { field: `field.${key}` },
    });
  let value: unknown = text;
  if (def.type === 'number') {
    value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw bad('a number');
  } else if (def.type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw bad('true or false');
    value = text === 'true';
  } else if (def.type === 'multiselect') {
    value = [text];
  }
  return JSON.stringify({ [key]: value });
}

export async function createField(props: {
  db: Db;
  actor: Actor;
  body: CustomFieldCreateBody;
}): Promise<CustomField> {
  const { body, actor } = props;
  const options = body.options ?? [];
  const choice = body.type === 'select' || body.type === 'multiselect';
  if (choice && options.length === 0) {
    throw new AppError('validation_failed', `A ${body.type} field needs options`, {
      details: { field: 'options' },
    });
  }
  if (!choice && options.length > 0) {
    throw new AppError('validation_failed', `A ${body.type} field takes no options`, {
      details: { field: 'options' },
    });
  }
  try {
    return await props.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('customFieldDefinitions')
        .values({
          workspaceId: actor.workspaceId,
          id: uuidv7(),
          entity: body.entity,
          key: body.key,
          label: body.label,
          type: body.type,
          options,
          description: body.description ?? null,
          position: body.position ?? 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordFieldEvent(trx, actor, row, 'custom_field.created');
      return presentField(row);
    });
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION) {
      throw new AppError('conflict', `A ${body.entity} field "${body.key}" already exists`);
    }
    throw error;
  }
}

export async function updateField(props: {
  db: Db;
  actor: Actor;
  fieldId: string;
  changes: CustomFieldUpdateBody;
}): Promise<CustomField> {
  const { actor, changes } = props;
  return props.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('customFieldDefinitions')
      .selectAll()
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.fieldId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('The custom field', 'custom_field_not_found');
    const choice = before.type === 'select' || before.type === 'multiselect';
    if (changes.options && (!choice || changes.options.length === 0)) {
      throw new AppError(
        'validation_failed',
        choice ? 'A choice field needs options' : `A ${before.type} field takes no options`,
        { details: { field: 'options' } },
      );
    }
    const row = await trx
      .updateTable('customFieldDefinitions')
      .set({ ...changes, updatedAt: new Date() })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.fieldId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordFieldEvent(trx, actor, row, 'custom_field.updated');
    return presentField(row);
  });
}

/**
 * Removes a definition and its values from every record, in one transaction (values of a
 * field that no longer exists would be invisible and unfilterable).
 */
export async function deleteField(props: { db: Db; actor: Actor; fieldId: string }) {
  const { actor } = props;
  await props.db.transaction().execute(async (trx) => {
    const row = await trx
      .deleteFrom('customFieldDefinitions')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.fieldId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('The custom field', 'custom_field_not_found');
    if (row.entity === 'conversation') {
      await sql`
        update conversations set custom_fields = custom_fields - ${row.key}
         where workspace_id = ${actor.workspaceId} and custom_fields ? ${row.key}`.execute(trx);
    } else {
      await sql`
        update contacts set attributes = attributes - ${row.key}
         where workspace_id = ${actor.workspaceId} and attributes ? ${row.key}`.execute(trx);
    }
    await recordFieldEvent(trx, actor, row, 'custom_field.deleted');
  });
}

async function recordFieldEvent(
  trx: Tx,
  actor: Actor,
  row: FieldDefinition,
  type: string,
): Promise<void> {
  await recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'custom_field',
    aggregateId: row.id,
    type,
    data: { entity: row.entity, key: row.key, actorId: actor.userId },
  });
}
