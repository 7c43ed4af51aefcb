// Baseline: an SMTP server that accepts every message and keeps nothing.
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  size: 50 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('end', () => callback());
    stream.resume();
  },
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`listening ${server.server.address().port}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
