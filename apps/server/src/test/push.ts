import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll } from 'vitest';

// web-push's own decryption library (no types of its own).
const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(
    buffer: Buffer,
    params: { version: string; privateKey: ECDH; authSecret: string },
  ): Buffer;
};

/** One push the local push service accepted: the VAPID claims and the decrypted payload. */
export interface ReceivedPush {
  path: string;
  claims: { aud: string; exp: number; sub: string };
  vapidKey: string;
  ttl: string | undefined;
  urgency: string | undefined;
  payload: Record<string, unknown>;
}

export interface PushService {
  /** Origin of the service (set before the tests run). */
  origin: string;
  received: ReceivedPush[];
  /** Requests refused, with why. */
  refused: string[];
  /** A browser's subscription at `path` (its own key pair and auth secret, for decryption). */
  subscription(path: string): { endpoint: string; keys: { p256dh: string; auth: string } };
}

const b64url = (buffer: Buffer) => buffer.toString('base64url');

/** The ES256 VAPID JWT checked against the key the request names (RFC 8292). */
function verifyVapid(header: string | undefined): {
  claims: ReceivedPush['claims'];
  key: string;
} {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`no VAPID authorization: ${String(header)}`);
  const [jwtHeader, jwtClaims, signature] = match[1].split('.');
  if (!jwtHeader || !jwtClaims || !signature) throw new Error('malformed JWT');
  const alg = (JSON.parse(Buffer.from(jwtHeader, 'base64url').toString()) as { alg?: string }).alg;
  if (alg !== 'ES256') throw new Error(`JWT alg ${String(alg)}`);
  const point = Buffer.from(match[2], 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 key');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: b64url(point.subarray(1, 33)),
      y: b64url(point.subarray(33)),
    },
    format: 'jwk',
  });
  const valid = verify(
    'sha256',
    Buffer.from(`${jwtHeader}.${jwtClaims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('VAPID signature does not verify');
  return {
    claims: JSON.parse(Buffer.from(jwtClaims, 'base64url').toString()) as ReceivedPush['claims'],
    key: match[2],
  };
}

/**
 * A local push service standing for a browser vendor's: it accepts a push only with a valid
 * VAPID signature whose audience is its origin and whose expiry is within 24 h, decrypts the
 * aes128gcm payload with the subscribing browser's keys, and keeps it. `/gone/…` answers 410.
 */
export function usePushService(): PushService {
  const browsers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const service: PushService = {
    origin: '',
    received: [],
    refused: [],
    subscription(path) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      browsers.set(path, { ecdh, auth });
      return {
        endpoint: `${service.origin}${path}`,
        keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) },
      };
    },
  };
  let server: Server;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        try {
          if (path.startsWith('/gone/')) {
            response.writeHead(410).end();
            return;
          }
          const { claims, key } = verifyVapid(request.headers.authorization);
          if (claims.aud !== service.origin) throw new Error(`aud ${claims.aud}`);
          const now = Date.now() / 1000;
          if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error('exp');
          if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('encoding');
          const browser = browsers.get(path);
          if (!browser) throw new Error(`no subscription at ${path}`);
          const plain = ece.decrypt(Buffer.concat(chunks), {
            version: 'aes128gcm',
            privateKey: browser.ecdh,
            authSecret: b64url(browser.auth),
          });
          service.received.push({
            path,
            claims,
            vapidKey: key,
            ttl: request.headers.ttl as string | undefined,
            urgency: request.headers.urgency as string | undefined,
            payload: JSON.parse(plain.toString('utf8')) as Record<string, unknown>,
          });
          response.writeHead(201).end();
        } catch (error) {
          service.refused.push(`${path}: ${(error as Error).message}`);
          response.writeHead(403).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    service.origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  return service;
}
