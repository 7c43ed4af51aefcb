import { createHmac } from 'node:crypto';
import { deriveKey, hmac, randomToken, safeEqual, sha256 } from '../../platform/crypto.js';

/**
 * A visitor is whoever holds a visitor token: `<workspaceId>.<key>.<signature>`, where the
 * key is a random id (an anonymous visitor, 128 bits) or `u:<sha256 of the user id>` (a
 * user the host site vouched for with an HMAC of their id: the same key on every device), and the signature is an HMAC with a key derived
 * from the installation secret for that workspace. Nothing is stored until they write; the
 * key is their contact's `chat` identity, so their conversations are theirs alone.
 */
export interface Visitor {
  workspaceId: string;
  /** The contact's `chat` identity value. */
  key: string;
  verified: boolean;
}

const signingKey = (secretKey: string, workspaceId: string) =>
  deriveKey(secretKey, `widget-visitor:${workspaceId}`);

export function newVisitorKey(): string {
  return `v:${randomToken(16)}`;
}

/** The key of a user the host site vouched for. */
export function verifiedVisitorKey(userId: string): string {
  return `u:${sha256(userId).toString('base64url')}`;
}

export function visitorToken(secretKey: string, workspaceId: string, key: string): string {
  const encoded = Buffer.from(key, 'utf8').toString('base64url');
  return `${workspaceId}.${encoded}.${hmac(signingKey(secretKey, workspaceId), key)}`;
}

export function readVisitorToken(secretKey: string, token: string): Visitor | null {
  const [workspaceId, encoded, signature, extra] = token.split('.');
  if (!workspaceId || !encoded || !signature || extra !== undefined) return null;
  if (!/^[0-9a-f-]{36}$/.test(workspaceId)) return null;
  const key = Buffer.from(encoded, 'base64url').toString('utf8');
  if (!safeEqual(signature, hmac(signingKey(secretKey, workspaceId), key))) return null;
  return { workspaceId, key, verified: key.startsWith('u:') };
}

/** What the host site computes on its server: hex(HMAC-SHA256(secret, userId)). */
export function userHash(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex');
}

export function verifyUserHash(secret: string, userId: string, hash: string): boolean {
  return safeEqual(userHash(secret, userId), hash.toLowerCase());
}

/** A file a visitor uploaded, before a message names it. */
export interface Upload {
  blobKey: string;
  filename: string;
  contentType: string;
  size: number;
}

const uploadKey = (secretKey: string, workspaceId: string) =>
  deriveKey(secretKey, `widget-upload:${workspaceId}`);

/** Names an uploaded file for the visitor who uploaded it, and nobody else. */
export function uploadToken(secretKey: string, visitor: Visitor, upload: Upload): string {
  const body = Buffer.from(JSON.stringify(upload), 'utf8').toString('base64url');
  return `${body}.${hmac(uploadKey(secretKey, visitor.workspaceId), `${visitor.key}.${body}`)}`;
}

export function readUploadToken(secretKey: string, visitor: Visitor, token: string): Upload | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = hmac(uploadKey(secretKey, visitor.workspaceId), `${visitor.key}.${body}`);
  if (!safeEqual(signature, expected)) return null;
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Upload;
}

/** The signature in a visitor's link to a file of their conversation (no login in an <img>). */
export function fileSignature(
  secretKey: string,
  workspaceId: string,
  conversationId: string,
  blobKey: string,
): string {
  return hmac(deriveKey(secretKey, `widget-file:${workspaceId}`), `${conversationId}.${blobKey}`);
}
