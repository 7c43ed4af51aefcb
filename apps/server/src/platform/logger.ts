import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** Paths never written to logs, wherever they appear in a logged object. */
const redact = [
  'password',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
  '*.*.privateKey',
  'secretKey',
  // Two-factor sign-in: the TOTP secret and its URI, recovery codes, the challenge token.
  'secret',
  '*.secret',
  'uri',
  '*.uri',
  'recoveryCodes',
  '*.recoveryCodes',
  'challengeToken',
  '*.challengeToken',
  'smtpRelayUrl',
  '*.smtpRelayUrl',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** The process logger: JSON lines in production, readable lines on a terminal in development. */
export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>): Logger {
  const pretty = config.nodeEnv === 'development' && process.stdout.isTTY;
  return pino({
    level: config.logLevel,
    redact: { paths: redact, censor: '[redacted]' },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
