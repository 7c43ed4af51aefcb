import {
  cannedPlaceholders,
  type CannedResponse,
  type CannedResponseCreateBody,
  type CannedResponseListQuery,
  type CannedResponseUpdateBody,
} from '@parley/contract';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../../database.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { render } from '../conversations/acknowledgements.js';
import type { CannedResponsesTable } from './canned.tables.js';
import { containsPattern } from '../../platform/like.js';

function present(row: Selectable<CannedResponsesTable>): CannedResponse {
  return {
    id: row.id,
    title: row.title,
    shortcut: row.shortcut,
    language: row.language,
    body: row.body,
    shared: row.ownerId === null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Only the known placeholders: a typo must not reach a customer as `{custmer}`. */
function assertPlaceholders(body: string): void {
  const unknown = [...body.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(cannedPlaceholders as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new AppError('validation_failed', `Unknown placeholder {${unknown[0] ?? ''}}`, {
      details: { field: 'body.body', known: cannedPlaceholders, unknown },
    });
}

async function uniqueShortcut<T>(shortcut: string | null | undefined, run: () => Promise<T>) {
  try {
    return await run();
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION)
      throw new AppError('shortcut_taken', `The shortcut "${shortcut ?? ''}" is already used`);
    throw error;
  }
}

/** Visible to the actor: shared ones and their own. */
function visible(db: Db, actor: Actor) {
  return db
    .selectFrom('cannedResponses')
    .selectAll()
    .where('workspaceId', '=', actor.workspaceId)
    .where((eb) => eb.or([eb('ownerId', 'is', null), eb('ownerId', '=', actor.userId)]));
}

export async function listCanned(props: {
  db: Db;
  actor: Actor;
  query: CannedResponseListQuery;
}): Promise<{ data: CannedResponse[] }> {
  let q = visible(props.db, props.actor);
  const text = props.query.q?.trim();
  if (text) {
    const like = containsPattern(text);
    q = q.where((eb) =>
      eb.or([eb('title', 'ilike', like), eb('shortcut', 'ilike', like), eb('body', 'ilike', like)]),
    );
  }
  if (props.query.language)
    q = q.where((eb) =>
      eb.or([eb('language', 'is', null), eb('language', '=', props.query.language ?? '')]),
    );
  const rows = await q.orderBy('title').limit(200).execute();
  return { data: rows.map(present) };
}

async function editable(db: Db, actor: Actor, id: string) {
  const row = await visible(db, actor).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('The canned response', 'canned_response_not_found');
  if (row.ownerId === null && !roleAtLeast(actor.role, 'manager'))
    throw forbidden('Only managers and above change shared canned responses');
  return row;
}

export async function createCanned(props: {
  db: Db;
  actor: Actor;
  body: CannedResponseCreateBody;
}): Promise<CannedResponse> {
  const { actor, body } = props;
  if (body.shared && !roleAtLeast(actor.role, 'manager'))
    throw forbidden('Only managers and above share canned responses');
  if (actor.role === 'collaborator') throw forbidden('Collaborators write notes, not replies');
  assertPlaceholders(body.body);
  const row = await uniqueShortcut(body.shortcut, () =>
    props.db
      .insertInto('cannedResponses')
      .values({
        workspaceId: actor.workspaceId,
        id: uuidv7(),
        ownerId: body.shared ? null : actor.userId,
        title: body.title,
        shortcut: body.shortcut ?? null,
        language: body.language ?? null,
        body: body.body,
        createdBy: actor.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return present(row);
}

export async function updateCanned(props: {
  db: Db;
  actor: Actor;
  id: string;
  body: CannedResponseUpdateBody;
}): Promise<CannedResponse> {
  const { actor, body } = props;
  await editable(props.db, actor, props.id);
  if (body.body !== undefined) assertPlaceholders(body.body);
  const row = await uniqueShortcut(body.shortcut, () =>
    props.db
      .updateTable('cannedResponses')
      .set({ ...body, updatedAt: new Date() })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.id)
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return present(row);
}

export async function deleteCanned(props: { db: Db; actor: Actor; id: string }): Promise<void> {
  await editable(props.db, props.actor, props.id);
  await props.db
    .deleteFrom('cannedResponses')
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.id)
    .execute();
}

/** The response's text for one conversation, placeholders filled (empty when unknown). */
export async function renderCanned(props: {
  db: Db;
  actor: Actor;
  id: string;
  conversationId: string;
}): Promise<{ text: string }> {
  const { actor } = props;
  const row = await visible(props.db, actor).where('id', '=', props.id).executeTakeFirst();
  if (!row) throw notFound('The canned response', 'canned_response_not_found');
  const context = await props.db
    .selectFrom('conversations as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspaceId')
    .innerJoin('users as u', (j) => j.onRef('u.workspaceId', '=', 'c.workspaceId'))
    .select([
      'c.number',
      'c.subject',
      'c.contactName',
      'c.contactEmail',
      'w.name as workspace',
      'w.ticketPrefix',
      'u.name as agent',
    ])
    .where('c.workspaceId', '=', actor.workspaceId)
    .where('c.id', '=', props.conversationId)
    .where('u.id', '=', actor.userId)
    .executeTakeFirst();
  if (!context) throw notFound('The conversation', 'conversation_not_found');
  const first = (name: string | null) => (name ?? '').trim().split(/\s+/)[0] ?? '';
  return {
    text: render(row.body, {
      customer: context.contactName ?? '',
      customerFirstName: first(context.contactName),
      email: context.contactEmail ?? '',
      number: `${context.ticketPrefix}${String(context.number)}`,
      subject: context.subject,
      agent: context.agent,
      agentFirstName: first(context.agent),
      workspace: context.workspace,
    }),
  };
}
