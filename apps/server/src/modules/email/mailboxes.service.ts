import type {
  DkimSettings,
  ImapSettings,
  Locale,
  Mailbox,
  MailboxCreateBody,
  MailboxUpdateBody,
  SmtpTransport,
} from '@parley/contract';
import type { Selectable } from 'kysely';
import { createPrivateKey } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { decrypt, encrypt, randomToken, safeEqual, workspaceKey } from '../../platform/crypto.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { assertTeam } from '../teams/teams.service.js';
import type { ImapStateTable, MailboxesTable } from './email.tables.js';
import { withoutPlusTag } from './reply-address.js';

type MailboxRow = Selectable<MailboxesTable>;
type ImapStateRow = Pick<Selectable<ImapStateTable>, 'lastPolledAt' | 'lastError'>;

export function openTransport(
  secretKey: string,
  row: Pick<MailboxRow, 'workspaceId' | 'transportSealed'>,
): SmtpTransport | null {
  if (!row.transportSealed) return null;
  return JSON.parse(
    decrypt(workspaceKey(secretKey, row.workspaceId), row.transportSealed),
  ) as SmtpTransport;
}

export function openImap(
  secretKey: string,
  row: Pick<MailboxRow, 'workspaceId' | 'imapSealed'>,
): ImapSettings | null {
  if (!row.imapSealed) return null;
  return JSON.parse(
    decrypt(workspaceKey(secretKey, row.workspaceId), row.imapSealed),
  ) as ImapSettings;
}

const sealImap = (key: Buffer, imap: ImapSettings | null) =>
  imap ? encrypt(key, JSON.stringify({ ...imap, folder: imap.folder ?? 'INBOX' })) : null;

export function openDkim(
  secretKey: string,
  row: Pick<MailboxRow, 'workspaceId' | 'dkimSealed'>,
): DkimSettings | null {
  if (!row.dkimSealed) return null;
  return JSON.parse(
    decrypt(workspaceKey(secretKey, row.workspaceId), row.dkimSealed),
  ) as DkimSettings;
}

/** DKIM settings sealed, after checking the key is a private key Node can sign with. */
function sealDkim(key: Buffer, dkim: DkimSettings | null): string | null {
  if (!dkim) return null;
  try {
    const parsed = createPrivateKey(dkim.privateKey);
    if (parsed.asymmetricKeyType !== 'rsa' && parsed.asymmetricKeyType !== 'ed25519')
      throw new Error('unsupported key type');
  } catch {
    throw new AppError(
      'validation_failed',
      'dkim.privateKey must be a PEM RSA or Ed25519 private key',
      { details: { field: 'dkim.privateKey' } },
    );
  }
  return encrypt(key, JSON.stringify({ ...dkim, domainName: dkim.domainName.toLowerCase() }));
}

function present(
  secretKey: string,
  row: MailboxRow,
  aliases: string[],
  imapState?: ImapStateRow,
): Mailbox {
  const transport = openTransport(secretKey, row);
  const imap = openImap(secretKey, row);
  const dkim = openDkim(secretKey, row);
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    aliases,
    displayName: row.displayName,
    teamId: row.teamId,
    signature: row.signature,
    language: row.language as Locale | null,
    transport: transport
      ? {
          host: transport.host,
          port: transport.port,
          secure: transport.secure ?? false,
          user: transport.user ?? null,
          hasPassword: Boolean(transport.password),
        }
      : null,
    imap: imap
      ? {
          host: imap.host,
          port: imap.port,
          secure: imap.secure ?? false,
          user: imap.user,
          hasPassword: Boolean(imap.password),
          folder: imap.folder ?? 'INBOX',
          moveTo: imap.moveTo ?? null,
          lastPolledAt: imapState?.lastPolledAt?.toISOString() ?? null,
          lastError: imapState?.lastError ?? null,
        }
      : null,
    dkim: dkim ? { domainName: dkim.domainName, keySelector: dkim.keySelector } : null,
    hasDkimKey: Boolean(dkim?.privateKey),
    hasWebhookSecret: row.webhookSecretSealed !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function aliasesOf(db: Db | Tx, row: MailboxRow): Promise<string[]> {
  const rows = await db
    .selectFrom('mailboxAddresses')
    .select('address')
    .where('workspaceId', '=', row.workspaceId)
    .where('mailboxId', '=', row.id)
    .where('address', '!=', row.address)
    .orderBy('address')
    .execute();
  return rows.map((r) => r.address);
}

/** The poll state of the folder a mailbox's IMAP settings name. */
async function imapStateOf(
  db: Db | Tx,
  secretKey: string,
  row: MailboxRow,
): Promise<ImapStateRow | undefined> {
  const imap = openImap(secretKey, row);
  if (!imap) return undefined;
  return db
    .selectFrom('imapState')
    .select(['lastPolledAt', 'lastError'])
    .where('workspaceId', '=', row.workspaceId)
    .where('mailboxId', '=', row.id)
    .where('folder', '=', imap.folder ?? 'INBOX')
    .executeTakeFirst();
}

async function mailboxRow(db: Db | Tx, workspaceId: string, id: string): Promise<MailboxRow> {
  const row = await db
    .selectFrom('mailboxes')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('The mailbox', 'mailbox_not_found');
  return row;
}

/** Claims addresses for a mailbox; one another mailbox (of any workspace) has is a 409. */
async function claimAddresses(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  addresses: string[],
): Promise<void> {
  if (addresses.length === 0) return;
  try {
    await trx
      .insertInto('mailboxAddresses')
      .values(addresses.map((address) => ({ address, workspaceId, mailboxId })))
      .execute();
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION) {
      throw new AppError('address_taken', 'One of these addresses already belongs to a mailbox', {
        details: { addresses },
      });
    }
    throw error;
  }
}

export async function findMailboxes(props: { db: Db; secretKey: string; workspaceId: string }) {
  const rows = await props.db
    .selectFrom('mailboxes')
    .selectAll()
    .where('workspaceId', '=', props.workspaceId)
    .orderBy('name')
    .orderBy('id')
    .execute();
  return Promise.all(
    rows.map(async (r) =>
      present(
        props.secretKey,
        r,
        await aliasesOf(props.db, r),
        await imapStateOf(props.db, props.secretKey, r),
      ),
    ),
  );
}

export async function getMailbox(props: {
  db: Db;
  secretKey: string;
  workspaceId: string;
  mailboxId: string;
}): Promise<Mailbox> {
  const row = await mailboxRow(props.db, props.workspaceId, props.mailboxId);
  return present(
    props.secretKey,
    row,
    await aliasesOf(props.db, row),
    await imapStateOf(props.db, props.secretKey, row),
  );
}

export async function createMailbox(props: {
  db: Db;
  secretKey: string;
  /** userId null: the system (demo seed, create-admin). */
  actor: { workspaceId: string; userId: string | null };
  body: MailboxCreateBody;
}): Promise<Mailbox> {
  const { actor, body } = props;
  const address = body.address.toLowerCase();
  const aliases = [...new Set((body.aliases ?? []).map((a) => a.toLowerCase()))].filter(
    (a) => a !== address,
  );
  const key = workspaceKey(props.secretKey, actor.workspaceId);
  return props.db.transaction().execute(async (trx) => {
    if (body.teamId) await assertTeam(trx, actor.workspaceId, body.teamId);
    const row = await trx
      .insertInto('mailboxes')
      .values({
        workspaceId: actor.workspaceId,
        id: uuidv7(),
        name: body.name,
        address,
        displayName: body.displayName ?? null,
        teamId: body.teamId ?? null,
        signature: body.signature ?? null,
        language: body.language ?? null,
        transportSealed: body.transport ? encrypt(key, JSON.stringify(body.transport)) : null,
        webhookSecretSealed: null,
        imapSealed: sealImap(key, body.imap ?? null),
        dkimSealed: sealDkim(key, body.dkim ?? null),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await claimAddresses(trx, actor.workspaceId, row.id, [address, ...aliases]);
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'mailbox',
      aggregateId: row.id,
      type: 'mailbox.created',
      data: { address, actorId: actor.userId },
    });
    return present(props.secretKey, row, aliases.sort());
  });
}

const keptPassword = (stored: SmtpTransport | null) =>
  stored?.password ? { password: stored.password } : {};

/** `password: ""` means none. */
function withoutEmptyPassword(transport: SmtpTransport): SmtpTransport {
  const { password, ...rest } = transport;
  return password ? { ...rest, password } : rest;
}

export async function updateMailbox(props: {
  db: Db;
  secretKey: string;
  actor: Actor;
  mailboxId: string;
  changes: MailboxUpdateBody;
}): Promise<Mailbox> {
  const { actor, changes } = props;
  const key = workspaceKey(props.secretKey, actor.workspaceId);
  return props.db.transaction().execute(async (trx) => {
    const before = await mailboxRow(trx, actor.workspaceId, props.mailboxId);
    const { aliases, transport, imap, dkim, ...rest } = changes;
    if (changes.teamId) await assertTeam(trx, actor.workspaceId, changes.teamId);
    // Secrets are write-only: a transport sent back without its password keeps the stored one.
    const kept =
      transport && transport.password === undefined
        ? { ...transport, ...keptPassword(openTransport(props.secretKey, before)) }
        : transport;
    const row = await trx
      .updateTable('mailboxes')
      .set({
        ...rest,
        ...(transport !== undefined
          ? {
              transportSealed: kept
                ? encrypt(key, JSON.stringify(withoutEmptyPassword(kept)))
                : null,
            }
          : {}),
        ...(imap !== undefined ? { imapSealed: sealImap(key, imap) } : {}),
        ...(dkim !== undefined ? { dkimSealed: sealDkim(key, dkim) } : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (aliases) {
      const wanted = [...new Set(aliases.map((a) => a.toLowerCase()))].filter(
        (a) => a !== row.address,
      );
      await trx
        .deleteFrom('mailboxAddresses')
        .where('workspaceId', '=', actor.workspaceId)
        .where('mailboxId', '=', row.id)
        .where('address', '!=', row.address)
        .execute();
      await claimAddresses(trx, actor.workspaceId, row.id, wanted);
    }
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'mailbox',
      aggregateId: row.id,
      type: 'mailbox.updated',
      data: { changes: Object.keys(changes), actorId: actor.userId },
    });
    return present(
      props.secretKey,
      row,
      await aliasesOf(trx, row),
      await imapStateOf(trx, props.secretKey, row),
    );
  });
}

export async function deleteMailbox(props: { db: Db; actor: Actor; mailboxId: string }) {
  const result = await props.db
    .deleteFrom('mailboxes')
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.mailboxId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound('The mailbox', 'mailbox_not_found');
}

/**
 * The mailbox an address (an RCPT TO) belongs to, in any workspace. A plus-addressed variant
 * of a configured address (`support+n-…@acme.com`: notification replies, or any tag a
 * customer adds) belongs to that address's mailbox.
 */
export async function mailboxForAddress(
  db: Db,
  address: string,
): Promise<{ workspaceId: string; mailboxId: string } | undefined> {
  const lookup = (value: string) =>
    db
      .selectFrom('mailboxAddresses')
      .select(['workspaceId', 'mailboxId'])
      .where('address', '=', value)
      .executeTakeFirst();
  const exact = address.toLowerCase();
  const found = await lookup(exact);
  if (found) return found;
  const base = withoutPlusTag(exact);
  return base ? lookup(base) : undefined;
}

/** A new secret for the provider webhook (shown once; stored sealed). */
export async function rotateWebhookSecret(props: {
  db: Db;
  secretKey: string;
  actor: Actor;
  mailboxId: string;
}): Promise<string> {
  const secret = `whsec_${randomToken(32)}`;
  const sealed = encrypt(workspaceKey(props.secretKey, props.actor.workspaceId), secret);
  const result = await props.db
    .updateTable('mailboxes')
    .set({ webhookSecretSealed: sealed, updatedAt: new Date() })
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.mailboxId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound('The mailbox', 'mailbox_not_found');
  return secret;
}

/**
 * The mailbox a provider webhook posts to, if `secret` is its webhook secret. Unknown
 * mailbox, no secret set or a wrong one: null (the caller answers 403 to all alike).
 */
export async function mailboxForWebhook(
  db: Db,
  secretKey: string,
  mailboxId: string,
  secret: string,
): Promise<{ workspaceId: string; mailboxId: string; address: string } | null> {
  const row = await db
    .selectFrom('mailboxes')
    .select(['workspaceId', 'id', 'address', 'webhookSecretSealed'])
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  if (!row?.webhookSecretSealed) return null;
  const expected = decrypt(workspaceKey(secretKey, row.workspaceId), row.webhookSecretSealed);
  return safeEqual(expected, secret)
    ? { workspaceId: row.workspaceId, mailboxId: row.id, address: row.address }
    : null;
}
