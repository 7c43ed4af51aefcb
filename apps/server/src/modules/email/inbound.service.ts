import { Readable, Transform } from 'node:stream';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Services } from '../../context.js';
import { addJobSql } from '../../platform/jobs.js';
import { headerSection, headerValue, normalizeMessageId } from './headers.js';
import { processEmailJob, processInboundEmail } from './process.job.js';

const HEAD_BYTES = 256 * 1024;

export interface InboundEnvelope {
  source: 'smtp' | 'imap' | 'webhook';
  from: string | null;
  to: string[];
  remoteAddress: string | null;
}

/**
 * Files one received email for every mailbox it was addressed to: the raw bytes go to the
 * blob store (fsynced), then, in one transaction, an `inbound_emails` row per mailbox and
 * the job that will process it. Only when this returns may the sender be told `250`. The
 * same Message-ID (or source ref) to the same mailbox again is recorded once (`duplicate`
 * counts those).
 */
export async function storeInboundEmail(
  services: Services,
  props: {
    mailboxes: { workspaceId: string; mailboxId: string }[];
    raw: Readable | Buffer;
    envelope: InboundEnvelope;
    maxBytes: number;
    /**
     * Where the mail sits in its source (IMAP: folder, UIDVALIDITY, UID): the same one again
     * is a duplicate even without a Message-ID.
     */
    sourceRef?: string;
  },
): Promise<{ stored: string[]; duplicates: number }> {
  // The first bytes are kept on the way to the store: the headers are read from them.
  const headChunks: Buffer[] = [];
  let headSize = 0;
  const keepHead = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (headSize < HEAD_BYTES) {
        headChunks.push(chunk);
        headSize += chunk.length;
      }
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(props.raw) ? Readable.from([props.raw]) : props.raw;
  source.once('error', (error) => keepHead.destroy(error));
  const blob = await services.blobs.put(source.pipe(keepHead), { maxBytes: props.maxBytes });
  const head = headerSection(Buffer.concat(headChunks));
  const messageId = normalizeMessageId(headerValue(head, 'message-id'));
  if (props.mailboxes.length === 0) return { stored: [], duplicates: 0 };
  // Processed in this process right after the commit while it has room (the job waits as
  // the backstop), else by the workers at once.
  const inline = !services.inline.saturated;
  const runAt = inline ? new Date(Date.now() + services.inline.backstopMs) : undefined;
  // One statement: a row per mailbox (either unique key, Message-ID or source ref per
  // mailbox, makes it a duplicate: no row) and the processing job of each row filed.
  const filed = await services.db
    .with('filed', (db) =>
      db
        .insertInto('inboundEmails')
        .values(
          props.mailboxes.map((mailbox) => ({
            workspaceId: mailbox.workspaceId,
            id: uuidv7(),
            mailboxId: mailbox.mailboxId,
            source: props.envelope.source,
            blobKey: blob.key,
            size: blob.size,
            envelopeFrom: props.envelope.from,
            envelopeTo: props.envelope.to,
            messageId,
            sourceRef: props.sourceRef ?? null,
            remoteAddress: props.envelope.remoteAddress,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .returningAll(),
    )
    .selectFrom('filed')
    .selectAll('filed')
    .select([
      addJobSql(
        processEmailJob,
        sql`json_build_object('workspaceId', filed.workspace_id, 'inboundEmailId', filed.id)`,
        { jobKey: sql`'email:' || filed.id`, ...(runAt ? { runAt } : {}) },
      ).as('job'),
    ])
    .execute();
  if (inline)
    for (const row of filed)
      services.inline.run(`email:${row.id}`, () =>
        // The row as filed: the inline run need not read it back.
        processInboundEmail(
          services,
          { workspaceId: row.workspaceId, inboundEmailId: row.id },
          undefined,
          row,
        ),
      );
  return {
    stored: filed.map((row) => row.id),
    duplicates: props.mailboxes.length - filed.length,
  };
}
