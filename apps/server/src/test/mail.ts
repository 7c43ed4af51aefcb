import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll } from 'vitest';
import { startSmtpListener, type SmtpListener } from '../modules/email/smtp.listener.js';
import type { Worker } from '../platform/jobs.js';
import { startJobs } from '../runtime.js';
import type { TestContext } from './harness.js';

export interface MailFlow {
  /** Parley's SMTP listener for this file (a free port). */
  smtp: SmtpListener;
  /** A client for it, as a customer's mail server would connect. */
  mailer(): ReturnType<typeof createTransport>;
}

/**
 * Mail flowing through a test file's app (call after `useTestApp`): the outbox dispatcher,
 * a job worker and the SMTP listener start before the tests and stop after them.
 */
export function useMailFlow(t: TestContext, options: { maxBytes?: number } = {}): MailFlow {
  let worker: Worker | null = null;
  const flow = {
    smtp: null as unknown as SmtpListener, // set in beforeAll, before any test reads it
    mailer: () =>
      createTransport({ host: '127.0.0.1', port: flow.smtp.port, secure: false, ignoreTLS: true }),
  };
  beforeAll(async () => {
    await t.services.outbox.start();
    worker = await startJobs(t.services, 2);
    flow.smtp = await startSmtpListener(t.services, {
      host: '127.0.0.1',
      port: 0,
      maxBytes: options.maxBytes ?? 200_000,
    });
  });
  afterAll(async () => {
    await flow.smtp.close();
    await worker?.stop();
  });
  return flow;
}

/** One mail the recipient MTA accepted: envelope, the SMTP user, the bytes and the parsed mail. */
export interface Received {
  to: string[];
  user: string | null;
  raw: Buffer;
  mail: ParsedMail;
}

export interface RecipientMta {
  /** Its port (set before the tests run). */
  port: number;
  received: Received[];
  /** How often each address was offered at RCPT. */
  rcptAttempts: Map<string, number>;
  mailsTo(address: string): Received[];
}

/** The SMTP credentials the recipient MTA accepts (a mailbox transport in tests). */
export const MTA_LOGIN = { user: 'parley', password: 's3cret p@ss' };

function smtpError(code: number, message: string) {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A real SMTP server on loopback standing for the recipients' MTA: keeps every mail it
 * accepts (raw and parsed). Addresses starting `gone-` are refused (550), `busy-` are
 * greylisted once (451), `full-` always answer 452 (a full mailbox); AUTH works with MTA_LOGIN.
 */
export function useRecipientMta(): RecipientMta {
  const mta: RecipientMta = {
    port: 0,
    received: [],
    rcptAttempts: new Map(),
    mailsTo: (address) => mta.received.filter((r) => r.to.includes(address)),
  };
  let server: SMTPServer;
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // Parley keeps its outgoing connections open (pooled): closing, this MTA drops them
      // at once, as a real one going away would, instead of waiting 30 s for them to quit.
      closeTimeout: 100,
      onAuth(auth, _session, callback) {
        if (auth.username === MTA_LOGIN.user && auth.password === MTA_LOGIN.password)
          callback(null, { user: auth.username });
        else callback(smtpError(535, '5.7.8 Authentication failed'));
      },
      onRcptTo(address, _session, callback) {
        const seen = (mta.rcptAttempts.get(address.address) ?? 0) + 1;
        mta.rcptAttempts.set(address.address, seen);
        if (address.address.startsWith('gone-')) {
          callback(smtpError(550, '5.1.1 <' + address.address + '>: no such user'));
          return;
        }
        if (address.address.startsWith('full-')) {
          callback(smtpError(452, '4.2.2 Mailbox full, try again later'));
          return;
        }
        if (address.address.startsWith('busy-') && seen === 1) {
          callback(smtpError(451, '4.7.1 Greylisted, try again later'));
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((mail) => {
              mta.received.push({
                to: session.envelope.rcptTo.map((r) => r.address),
                user: typeof session.user === 'string' ? session.user : null,
                raw,
                mail,
              });
              callback();
            })
            .catch((error: unknown) => callback(error as Error));
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mta.port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return mta;
}
