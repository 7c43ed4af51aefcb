import { Type } from '@sinclair/typebox';
import { ImapFlow } from 'imapflow';
import type { Services } from '../../context.js';
import { defineJob, enqueue, type JobDefinition } from '../../platform/jobs.js';
import { storeInboundEmail } from './inbound.service.js';
import { openImap } from './mailboxes.service.js';

const PollMailbox = Type.Object({ workspaceId: Type.String(), mailboxId: Type.String() });

export const imapPollJob = {
  name: 'email.imap_poll',
  payload: PollMailbox,
  // A failed poll is recorded in imap_state; the next minute's poll is the retry.
  maxAttempts: 1,
};

/** Mails fetched and filed per IMAP round trip. */
const BATCH = 50;

export interface PollResult {
  /** New inbound_emails rows. */
  filed: number;
  /** Mails already filed (same Message-ID or source ref), flagged or moved again. */
  duplicates: number;
  /** Mails too large to file, left unflagged in the folder. */
  skipped: number;
  /** Why the poll stopped early (also in imap_state.last_error); null when it finished. */
  error: string | null;
  /** false: another poll of this mailbox was running, nothing was done. */
  ran: boolean;
}

export interface PollHooks {
  /** Called after a mail is filed (committed) and before it is flagged or moved. Tests crash here. */
  afterStore?(uid: number): void | Promise<void>;
}

/** Enqueues a poll of one mailbox now (at most one pending per mailbox). */
export async function enqueuePoll(
  services: Services,
  mailbox: { workspaceId: string; mailboxId: string },
): Promise<void> {
  await enqueue(services.db, imapPollJob, mailbox, { jobKey: `imap:${mailbox.mailboxId}` });
}

/**
 * Reads new mail from a mailbox's IMAP folder. Per mail, in this order: download the raw
 * source, file it (`storeInboundEmail`: blob + row + processing job, committed), mark it
 * `\Seen` or move it, then advance `last_uid`. A poll that dies anywhere loses nothing (what
 * was not yet flagged is fetched again) and files nothing twice (Message-ID, else
 * folder+UIDVALIDITY+UID, is unique per mailbox). When the folder's UIDVALIDITY changed, its
 * UIDs mean other mails: reading restarts at UID 1. The first look at a folder files only its
 * unseen mails (what was read before Parley was connected is history, not new tickets).
 * One poll per mailbox at a time (a session advisory lock); errors end up in
 * `imap_state.last_error` and the next poll tries again.
 */
export async function pollMailbox(
  services: Services,
  props: { workspaceId: string; mailboxId: string; hooks?: PollHooks },
): Promise<PollResult> {
  const result: PollResult = { filed: 0, duplicates: 0, skipped: 0, error: null, ran: false };
  const { workspaceId, mailboxId } = props;
  const row = await services.db
    .selectFrom('mailboxes')
    .select(['workspaceId', 'id', 'address', 'imapSealed'])
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  const settings = row ? openImap(services.config.secretKey, row) : null;
  if (!row || !settings) return result;
  const folder = settings.folder ?? 'INBOX';

  const lockClient = await services.pool.connect();
  try {
    const lockKey = `parley_imap:${mailboxId}`;
    const locked = await lockClient.query<{ ok: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as ok',
      [lockKey],
    );
    if (!locked.rows[0]?.ok) return result;
    try {
      result.ran = true;
      const key = { workspaceId, mailboxId, folder };
      const saveState = async (values: {
        uidvalidity?: number | null;
        lastUid?: number;
        lastPolledAt?: Date;
        lastError?: string | null;
      }) => {
        await services.db
          .insertInto('imapState')
          .values({ ...key, uidvalidity: null, ...values })
          .onConflict((oc) =>
            oc
              .columns(['workspaceId', 'mailboxId', 'folder'])
              .doUpdateSet({ ...values, updatedAt: new Date() }),
          )
          .execute();
      };
      const state = await services.db
        .selectFrom('imapState')
        .select(['uidvalidity', 'lastUid'])
        .where('workspaceId', '=', workspaceId)
        .where('mailboxId', '=', mailboxId)
        .where('folder', '=', folder)
        .executeTakeFirst();

      const client = new ImapFlow({
        host: settings.host,
        port: settings.port,
        secure: settings.secure ?? false,
        auth: { user: settings.user, pass: settings.password },
        logger: false,
        connectionTimeout: 30_000,
        greetingTimeout: 15_000,
        socketTimeout: 120_000,
      });
      // A dropped connection is reported by the command that was running; this only keeps
      // the event from being unhandled.
      client.on('error', (error: unknown) => {
        services.log.debug({ err: error, mailboxId }, 'imap connection error');
      });
      const notes: string[] = [];
      try {
        await client.connect();
        const lock = await client.getMailboxLock(folder);
        try {
          const opened = client.mailbox;
          if (!opened) throw new Error(`the folder ${folder} could not be opened`);
          const uidValidity = Number(opened.uidValidity);
          const firstLook = state?.uidvalidity === null || state === undefined;
          let lastUid = !firstLook && state.uidvalidity === uidValidity ? state.lastUid : 0;
          if (!firstLook && state.uidvalidity !== uidValidity) {
            services.log.info(
              { mailboxId, folder, was: state.uidvalidity, now: uidValidity },
              'imap UIDVALIDITY changed: reading the folder again from UID 1',
            );
            await saveState({ uidvalidity: uidValidity, lastUid: 0 });
          }
          // UIDs below this existed when the folder was opened.
          const uidNext = opened.uidNext;
          const found =
            opened.exists === 0
              ? []
              : ((await client.search(
                  firstLook ? { uid: '1:*', seen: false } : { uid: `${String(lastUid + 1)}:*` },
                  { uid: true },
                )) ?? []);
          // `n:*` includes the highest UID even when it is below n.
          const uids = (found === false ? [] : found)
            .filter((uid) => uid > lastUid)
            .sort((a, b) => a - b);

          for (let i = 0; i < uids.length; i += BATCH) {
            const batch = uids.slice(i, i + BATCH);
            const sizes = new Map<number, number>();
            for (const message of await client.fetchAll(
              batch.join(','),
              { uid: true, size: true },
              { uid: true },
            )) {
              sizes.set(message.uid, message.size ?? 0);
            }
            for (const uid of batch) {
              const size = sizes.get(uid);
              if (size === undefined) continue; // expunged meanwhile
              if (size > services.config.maxUploadBytes) {
                // Left in the folder, unflagged, for a person to handle; not fetched again.
                result.skipped++;
                notes.push(
                  `UID ${String(uid)} is too large (${String(size)} bytes); left in ${folder}`,
                );
              } else {
                const message = await client.fetchOne(
                  String(uid),
                  { uid: true, source: true },
                  { uid: true },
                );
                if (message && message.source) {
                  const stored = await storeInboundEmail(services, {
                    mailboxes: [{ workspaceId, mailboxId }],
                    raw: message.source,
                    envelope: {
                      source: 'imap',
                      from: null,
                      to: [row.address],
                      remoteAddress: null,
                    },
                    maxBytes: services.config.maxUploadBytes,
                    sourceRef: `imap:${folder}:${String(uidValidity)}:${String(uid)}`,
                  });
                  result.filed += stored.stored.length;
                  result.duplicates += stored.duplicates;
                  await props.hooks?.afterStore?.(uid);
                  if (settings.moveTo) {
                    await client.messageMove(String(uid), settings.moveTo, { uid: true });
                  } else {
                    await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
                  }
                }
              }
              lastUid = uid;
              if (!firstLook) await saveState({ lastUid: uid });
            }
          }
          if (firstLook) {
            await saveState({ uidvalidity: uidValidity, lastUid: Math.max(lastUid, uidNext - 1) });
          }
        } finally {
          lock.release();
        }
        await saveState({ lastPolledAt: new Date(), lastError: notes.join('; ') || null });
      } catch (error) {
        result.error = describe(error);
        services.log.warn({ err: error, mailboxId, folder }, 'imap poll failed');
        await saveState({ lastPolledAt: new Date(), lastError: result.error });
      } finally {
        if (client.usable) await client.logout().catch(() => client.close());
        else client.close();
      }
      return result;
    } finally {
      await lockClient.query('select pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } finally {
    lockClient.release();
  }
}

/** An IMAP error as one line for admins (the server's own words when it gave some). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 1000);
  const detail = error as Error & {
    responseText?: string;
    authenticationFailed?: boolean;
    code?: string;
  };
  const parts = [detail.authenticationFailed ? 'IMAP login failed' : error.message];
  if (detail.responseText && !parts[0]?.includes(detail.responseText))
    parts.push(detail.responseText);
  if (detail.code && !detail.authenticationFailed) parts.push(`(${detail.code})`);
  return parts.join(': ').slice(0, 1000);
}

/** The poll job, and every minute a poll of each mailbox that has IMAP settings. */
export function imapJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...imapPollJob,
      async handler(payload) {
        await pollMailbox(services, payload);
      },
    }),
    defineJob({
      name: 'email.imap_poll_all',
      payload: Type.Object({}),
      maxAttempts: 1,
      cron: { pattern: '* * * * *', payload: {} },
      async handler() {
        const rows = await services.db
          .selectFrom('mailboxes')
          .select(['workspaceId', 'id'])
          .where('imapSealed', 'is not', null)
          .execute();
        for (const row of rows) {
          await enqueuePoll(services, { workspaceId: row.workspaceId, mailboxId: row.id });
        }
      },
    }),
  ];
}
