// Baseline: the least any helpdesk must do before answering 250 to a new customer's mail,
// by hand: keep the raw bytes durably (a file, fsynced, renamed into place, its folder
// synced) and write the rows of a new ticket (raw-ticket.ts) with the mail's filing row in
// one transaction. Nothing is parsed, routed or acknowledged: a floor, not a helpdesk.
// Run by the email scenario with DATABASE_URL, WORKSPACE_ID, MAILBOX_ID, BLOB_DIR and RUN.
import { createHash } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { uuidv7 } from 'uuidv7';
import { BODY } from './mail-body.js';
import { inRawTransaction, insertTicketRaw } from './raw-ticket.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const workspaceId = env('WORKSPACE_ID');
const mailboxId = env('MAILBOX_ID');
const dir = env('BLOB_DIR');
const run = env('RUN');
await mkdir(dir, { recursive: true });
const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 8 });

async function keep(bytes: Buffer): Promise<string> {
  const key = createHash('sha256').update(bytes).digest('hex');
  const temporary = join(dir, `${key}.${uuidv7()}.tmp`);
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, join(dir, key));
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
  return key;
}

async function file(bytes: Buffer, from: string, to: string[]): Promise<void> {
  const key = await keep(bytes);
  const messageId = /^message-id:\s*(\S+)/im.exec(bytes.subarray(0, 4096).toString('latin1'))?.[1];
  await inRawTransaction(pool, async (client) => {
    await client.query(
      `insert into inbound_emails (workspace_id, id, mailbox_id, source, blob_key, size,
                                   envelope_from, envelope_to, message_id, status, processed_at)
       values ($1, $2, $3, 'smtp', $4, $5, $6, $7, $8, 'processed', now())`,
      [workspaceId, uuidv7(), mailboxId, key, bytes.length, from, to, messageId ?? null],
    );
    await insertTicketRaw(client, {
      workspaceId,
      email: `floor-${run}-${uuidv7()}@bench.example.com`,
      name: 'Bench Customer',
      subject: 'Zamówienie',
      text: BODY,
      channel: 'email',
      metadata: { mailboxId, messageId },
    });
  });
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  size: 50 * 1024 * 1024,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const to = session.envelope.rcptTo.map((r) => r.address);
      file(Buffer.concat(chunks), from, to).then(
        () => callback(),
        (error: unknown) =>
          callback(Object.assign(new Error(String(error)), { responseCode: 451 })),
      );
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
