import { createTransport } from 'nodemailer';
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
