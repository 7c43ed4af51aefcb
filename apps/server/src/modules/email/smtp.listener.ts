import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { Services } from '../../context.js';
import { ConfigError } from '../../platform/config.js';
import { AppError } from '../../platform/errors.js';
import { storeInboundEmail } from './inbound.service.js';
import { mailboxForAddress } from './mailboxes.service.js';

type Recipient = { workspaceId: string; mailboxId: string; address: string };

/** An SMTP reply: smtp-server answers with `responseCode` and the message. */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Parley's inbound MX: accepts RCPT only for configured mailbox addresses (550 otherwise:
 * never an open relay), enforces the size limit (552), and answers `250` to DATA only after
 * the raw bytes are stored and the email is filed in a committed transaction. Anything in
 * doubt (database down, disk full) is `451`: the sender keeps the message and retries.
 */
/** Mails one sender may send one mailbox in a window before being told to come back later. */
export const SENDER_LIMIT = { points: 60, windowSeconds: 300 };

export async function startSmtpListener(
  services: Services,
  options: {
    host: string;
    port: number;
    maxBytes: number;
    senderLimit?: { points: number; windowSeconds: number };
    /** PEM certificate and key: STARTTLS is offered (never required: MTAs may not have it). */
    tls?: { cert: string; key: string } | null;
  },
): Promise<SmtpListener> {
  const senderLimit = options.senderLimit ?? SENDER_LIMIT;
  const { log } = services;
  const recipients = new WeakMap<SMTPServerSession, Recipient[]>();
  const server = new SMTPServer({
    name: 'parley',
    banner: 'Parley ESMTP',
    size: options.maxBytes,
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    maxClients: 200,
    socketTimeout: 60_000,
    onRcptTo(address: SMTPServerAddress, session, callback) {
      mailboxForAddress(services.db, address.address)
        .then(async (mailbox) => {
          if (!mailbox) {
            callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`));
            return;
          }
          // A burst from one sender (a loop, a flood) is slowed with a temporary error: a
          // real MTA keeps the mail and retries, nothing is lost.
          const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '<>';
          await services.limits.consume(
            'smtp-sender',
            `${mailbox.mailboxId}:${sender.toLowerCase()}`,
            senderLimit,
          );
          // Every address is kept for the envelope (a notification reply address among
          // them); the mail is filed once per mailbox.
          const list = recipients.get(session) ?? [];
          list.push({ ...mailbox, address: address.address.toLowerCase() });
          recipients.set(session, list);
          callback();
        })
        .catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'rate_limited') {
            callback(smtpError(451, '4.7.1 Too many messages from you; try again later'));
            return;
          }
          log.warn({ err: error }, 'smtp: recipient lookup failed');
          callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
        });
    },
    onData(stream, session, callback) {
      const addressed = recipients.get(session) ?? [];
      const mailboxes = addressed.filter(
        (r, i) => addressed.findIndex((o) => o.mailboxId === r.mailboxId) === i,
      );
      const from = session.envelope.mailFrom;
      storeInboundEmail(services, {
        mailboxes,
        raw: stream,
        maxBytes: options.maxBytes,
        envelope: {
          source: 'smtp',
          from: from ? from.address.toLowerCase() : null,
          to: [...new Set(addressed.map((m) => m.address))],
          remoteAddress: session.remoteAddress,
        },
      })
        .then(() => {
          recipients.delete(session);
          callback(null, 'Queued');
        })
        .catch((error: unknown) => {
          recipients.delete(session);
          stream.resume(); // drain whatever is left, so the reply can be read
          if (error instanceof AppError && error.code === 'payload_too_large') {
            callback(smtpError(552, '5.3.4 Message too big'));
            return;
          }
          log.warn({ err: error }, 'smtp: message not stored');
          callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(
              `SMTP port ${String(options.port)} is taken (set SMTP_PORT to another port)`,
            )
          : error,
      );
    });
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  server.on('error', (error) => {
    log.warn({ err: error }, 'smtp: connection error');
  });
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
