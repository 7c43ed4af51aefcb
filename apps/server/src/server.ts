import { performance } from 'node:perf_hooks';
import { buildApp } from './app.js';
import { seedDemo, demoLogin } from './modules/demo/demo.seed.js';
import { ConfigError, type Config } from './platform/config.js';
import { readFile } from 'node:fs/promises';
import type { Worker } from './platform/jobs.js';
import type { Logger } from './platform/logger.js';
import { openRuntime, startJobs } from './runtime.js';
import { startSmtpListener, type SmtpListener } from './modules/email/smtp.listener.js';

/**
 * `parley start`: HTTP + WebSockets + jobs + event dispatch in one process. Ctrl-C (or
 * SIGTERM) stops accepting, drains requests, lets running jobs finish, then stops the
 * embedded PostgreSQL. A second Ctrl-C exits at once.
 */
export async function startServer(
  config: Config,
  log: Logger,
  options: { worker: boolean; demo: boolean },
): Promise<void> {
  const runtime = await openRuntime(config, log);
  const { services } = runtime;
  let worker: Worker | null = null;
  let smtp: SmtpListener | null = null;
  const app = await buildApp(services);

  const stop = onShutdown(log, async () => {
    await smtp?.close();
    await app.close();
    await worker?.stop();
    await runtime.close({ stopEmbedded: true });
  });

  try {
    const seeded =
      options.demo && config.nodeEnv !== 'production'
        ? await seedDemo(services, { ifEmpty: true })
        : null;
    await services.outbox.start();
    if (options.worker) worker = await startJobs(services, config.workerConcurrency);
    const address = await app.listen({ host: config.host, port: config.port });
    const port = app.server.address();
    const url = config.publicUrl.replace(
      /:\d+$/,
      `:${typeof port === 'object' && port ? port.port : config.port}`,
    );
    smtp = await startSmtpListener(services, {
      host: config.host,
      port: config.smtpPort,
      maxBytes: config.maxUploadBytes,
      tls: await smtpTls(config),
    });
    const login = seeded?.created ? seeded.login : await demoLogin(services);
    const lines = [
      '',
      `  Parley is ready in ${Math.round(performance.now())} ms`,
      `  Open        ${url}   (API docs: ${url}/api/docs)`,
      ...(login
        ? [
            `  Email       ${login.email}`,
            `  Password    ${login.password}`,
            `  Workspace   ${login.workspace}`,
          ]
        : []),
      `  SMTP        ${String(smtp.port)}${login?.mailbox ? `   (mail to ${login.mailbox} becomes a ticket)` : ''}`,
      ...(login?.widgetKey
        ? [
            `  Chat        ${url}/widget-demo/${login.widgetKey}   (the chat widget on a sample page)`,
          ]
        : []),
      `  Database    ${runtime.embedded ? `embedded PostgreSQL in ${config.dataDir}/postgres` : 'DATABASE_URL'}`,
      `  Jobs        ${options.worker ? 'in this process' : 'off (--no-worker)'}`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    log.info({ address }, 'listening');
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `parley worker`: jobs and event dispatch only. */
export async function startWorkerProcess(config: Config, log: Logger): Promise<void> {
  const runtime = await openRuntime(config, log);
  await runtime.services.outbox.start();
  const worker = await startJobs(runtime.services, config.workerConcurrency);
  onShutdown(log, async () => {
    await worker.stop();
    await runtime.close();
  });
  log.info('worker running');
}

function onShutdown(log: Logger, shutdown: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= shutdown();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop;
}

/** The listener's STARTTLS certificate, when configured (both files or neither). */
async function smtpTls(config: Config): Promise<{ cert: string; key: string } | null> {
  if (!config.smtpTlsCert && !config.smtpTlsKey) return null;
  if (!config.smtpTlsCert || !config.smtpTlsKey)
    throw new ConfigError('SMTP_TLS_CERT and SMTP_TLS_KEY go together: set both or neither');
  return {
    cert: await readFile(config.smtpTlsCert, 'utf8'),
    key: await readFile(config.smtpTlsKey, 'utf8'),
  };
}
