import type { DkimSettings, SmtpTransport } from '@parley/contract';
import { createHash } from 'node:crypto';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

type PooledMailer = Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;

/**
 * Outgoing SMTP connections, kept open and reused: one pool per distinct route (server,
 * credentials, DKIM key), so a burst of replies and acknowledgements pays the connection,
 * greeting and EHLO (and TLS) once per connection instead of once per mail. A pool unused
 * for `idleMs` is closed, and so is the least recently used one beyond `maxPools` (a
 * workspace that changed its transport leaves its old pool to these two). Passwords and
 * keys never reach a log: transports are built without a logger.
 */
export class Mailers {
  private readonly pools = new Map<
    string,
    { mailer: PooledMailer; usedAt: number; sending: number }
  >();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly options: { idleMs?: number; maxPools?: number; connections?: number } = {},
  ) {
    this.sweeper = setInterval(() => this.sweep(), this.idleMs);
    this.sweeper.unref();
  }

  private get idleMs(): number {
    return this.options.idleMs ?? 60_000;
  }

  /** Sends one mail over the route's pool; rejects with nodemailer's error (responseCode...). */
  send(
    route: { transport: SmtpTransport; dkim: DkimSettings | null },
    mail: SendMailOptions,
  ): Promise<SMTPPool.SentMessageInfo> {
    const { transport, dkim } = route;
    // The key holds the secrets only hashed: the same route finds the same pool.
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          transport.host,
          transport.port,
          transport.secure ?? false,
          transport.user ?? null,
          transport.password ?? null,
          dkim ? [dkim.domainName, dkim.keySelector, dkim.privateKey] : null,
        ]),
      )
      .digest('hex');
    let entry = this.pools.get(key);
    if (entry) {
      // Map order is use order: the first entry is the least recently used.
      this.pools.delete(key);
    } else {
      entry = { mailer: this.open(route), usedAt: 0, sending: 0 };
      const [oldestKey, oldest] = this.pools.entries().next().value ?? [];
      // The least recently used goes, unless it is still sending (then there are a few more
      // pools than the limit for a while).
      if (oldestKey && oldest?.sending === 0 && this.pools.size >= (this.options.maxPools ?? 100)) {
        oldest.mailer.close();
        this.pools.delete(oldestKey);
      }
    }
    entry.usedAt = Date.now();
    entry.sending++;
    this.pools.set(key, entry);
    const sending = entry;
    return entry.mailer.sendMail(mail).finally(() => {
      sending.sending--;
      sending.usedAt = Date.now();
    });
  }

  private open(route: { transport: SmtpTransport; dkim: DkimSettings | null }): PooledMailer {
    const { transport, dkim } = route;
    return createTransport({
      pool: true,
      maxConnections: this.options.connections ?? 4,
      // A server may cap the mail per connection; a fresh one after 100 is cheap.
      maxMessages: 100,
      // A connection that closed before the server answered the mail (it had dropped an
      // idle one): tried once more on a new connection; the send job retries the rest.
      maxRequeues: 1,
      host: transport.host,
      port: transport.port,
      secure: transport.secure ?? false,
      ...(transport.user ? { auth: { user: transport.user, pass: transport.password ?? '' } } : {}),
      ...(dkim
        ? {
            dkim: {
              domainName: dkim.domainName,
              keySelector: dkim.keySelector,
              privateKey: dkim.privateKey,
            },
          }
        : {}),
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      logger: false,
      debug: false,
    });
  }

  /** Closes the pools nobody used for `idleMs` (a slow send in progress counts as use). */
  private sweep(): void {
    const before = Date.now() - this.idleMs;
    for (const [key, entry] of this.pools) {
      if (entry.usedAt >= before || entry.sending > 0) continue;
      entry.mailer.close();
      this.pools.delete(key);
    }
  }

  /** Closes every pool (at shutdown, after the jobs that send have stopped). */
  close(): void {
    clearInterval(this.sweeper);
    for (const entry of this.pools.values()) entry.mailer.close();
    this.pools.clear();
  }
}
