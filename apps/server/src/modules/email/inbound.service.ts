import { Readable, Transform } from 'node:stream';

const HEAD_BYTES = 256 * 1024;
import { uuidv7 } from 'uuidv7';
import type { Services } from '../../context.js';
import { enqueue } from '../../platform/jobs.js';
import { headerSection, headerValue, normalizeMessageId } from './headers.js';
import { processEmailJob } from './process.job.js';

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
  return services.db.transaction().execute(async (trx) => {
    const stored: string[] = [];
    let duplicates = 0;
    for (const mailbox of props.mailboxes) {
      const id = uuidv7();
      const inserted = await trx
        .insertInto('inboundEmails')
        .values({
          workspaceId: mailbox.workspaceId,
          id,
          mailboxId: mailbox.mailboxId,
          source: props.envelope.source,
          blobKey: blob.key,
          size: blob.size,
          envelopeFrom: props.envelope.from,
          envelopeTo: props.envelope.to,
          messageId,
          sourceRef: props.sourceRef ?? null,
          remoteAddress: props.envelope.remoteAddress,
        })
        // Either unique key (Message-ID or source ref, per mailbox) makes it a duplicate.
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        duplicates++;
        continue;
      }
      await enqueue(
        trx,
        processEmailJob,
        { workspaceId: mailbox.workspaceId, inboundEmailId: id },
        { jobKey: `email:${id}` },
      );
      stored.push(id);
    }
    return { stored, duplicates };
  });
}
