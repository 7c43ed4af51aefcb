import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { Mailers } from './mailers.js';

/** A loopback MTA that counts its connections and keeps the subjects of what it accepted. */
async function startMta(options: { answerAfterMs?: number } = {}) {
  const seen = { connections: 0, open: 0, subjects: [] as string[] };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onConnect(_session, callback) {
      seen.connections++;
      seen.open++;
      callback();
    },
    onClose() {
      seen.open--;
    },
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        seen.subjects.push(/^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '');
        setTimeout(callback, options.answerAfterMs ?? 0);
      });
    },
  });
  const sockets = new Set<Socket>();
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    seen,
    /** Hangs up on every client, as a server tired of idle connections does. */
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    route: { transport: { host: '127.0.0.1', port, secure: false }, dkim: null },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const mail = (subject: string) => ({
  from: 'support@acme.test',
  to: 'anna@example.com',
  subject,
  text: 'Dziękujemy za wiadomość.',
});

const until = async (ready: () => boolean) => {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('Mailers (pooled outgoing SMTP)', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('sends a burst over a few kept connections instead of one each', async () => {
    const mta = await startMta();
    const mailers = new Mailers({ connections: 2 });
    cleanup.push(mta.close, () => mailers.close());
    const sent = await Promise.all(
      Array.from({ length: 12 }, (_, i) => mailers.send(mta.route, mail(`#${String(i)}`))),
    );
    expect(sent.every((info) => info.response.startsWith('250'))).toBe(true);
    await mailers.send(mta.route, mail('later'));
    expect(mta.seen.subjects).toHaveLength(13);
    expect(mta.seen.connections).toBeLessThanOrEqual(2);
  });

  it('keeps routes apart: another server (or other credentials) gets its own connections', async () => {
    const one = await startMta();
    const two = await startMta();
    const mailers = new Mailers();
    cleanup.push(one.close, two.close, () => mailers.close());
    await mailers.send(one.route, mail('to one'));
    await mailers.send(two.route, mail('to two'));
    expect(one.seen.subjects).toEqual(['to one']);
    expect(two.seen.subjects).toEqual(['to two']);
  });

  it('closes a pool left idle, and opens a new one when mail comes again', async () => {
    const mta = await startMta();
    const mailers = new Mailers({ idleMs: 50 });
    cleanup.push(mta.close, () => mailers.close());
    await mailers.send(mta.route, mail('first'));
    await until(() => mta.seen.open === 0);
    expect(mta.seen.open).toBe(0);
    await mailers.send(mta.route, mail('second'));
    expect(mta.seen.subjects).toEqual(['first', 'second']);
    expect(mta.seen.connections).toBe(2);
  });

  it('never closes a pool while it is sending or has mail waiting, however slow the server', async () => {
    const mta = await startMta({ answerAfterMs: 300 });
    const mailers = new Mailers({ idleMs: 40, connections: 1 });
    cleanup.push(mta.close, () => mailers.close());
    // One connection: the second mail waits in the pool's queue while the first is answered.
    const sent = await Promise.all([
      mailers.send(mta.route, mail('slow 1')),
      mailers.send(mta.route, mail('slow 2')),
    ]);
    expect(sent.map((info) => info.response.slice(0, 3))).toEqual(['250', '250']);
    expect(mta.seen.subjects).toEqual(['slow 1', 'slow 2']);
  });

  it('still delivers after the server dropped an idle connection', async () => {
    const mta = await startMta();
    const mailers = new Mailers();
    cleanup.push(mta.close, () => mailers.close());
    await mailers.send(mta.route, mail('before'));
    mta.dropConnections();
    await until(() => mta.seen.open === 0);
    expect(mta.seen.open).toBe(0);
    await mailers.send(mta.route, mail('after'));
    expect(mta.seen.subjects).toEqual(['before', 'after']);
  });

  it('rejects with the server’s answer', async () => {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    const mailers = new Mailers();
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    cleanup.push(() => mailers.close());
    await expect(
      mailers.send(
        { transport: { host: '127.0.0.1', port, secure: false }, dkim: null },
        mail('x'),
      ),
    ).rejects.toMatchObject({ responseCode: 550 });
  });
});
