import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '../../platform/crypto.js';

/**
 * Signed reply addresses for agent notifications: `<local>+n-<token>@<domain>` on the
 * mailbox's own address, so an agent can answer a notification from their mail client.
 *
 * The token is 17 bytes in lower-case base32 (28 characters, so the local part stays near
 * RFC 5321's 64 and survives MTAs that fold case):
 *
 *   conversation number (5 bytes) · day issued (2 bytes, days since 2024-01-01) · MAC (10 bytes)
 *   MAC = HMAC-SHA256(HKDF(SECRET_KEY, "notify-reply:<workspaceId>"),
 *                     "v1|<workspaceId>|<number>|<userId>|<day>") truncated to 80 bits
 *
 * The user is not spelled out in the token: the MAC binds it to one user id, and the reply's
 * From address names the user it is checked against. So a token verifies only for mail
 * From the agent it was sent to — a forwarded notification answered by someone else, a
 * spoofed From with a guessed token, or another workspace's token (another key) all fail.
 * 80 bits cannot be guessed by mail. Tokens expire after REPLY_TOKEN_DAYS, and die with the
 * user's deactivation (checked when a reply arrives).
 */

export const REPLY_TOKEN_DAYS = 90;
const EPOCH = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;
const MAC_BYTES = 10;
const TOKEN_BYTES = 5 + 2 + MAC_BYTES;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** `+n-` and the token's length and alphabet: what marks a notification reply address. */
const TOKEN_ADDRESS = /^(.+)\+n-([a-z2-7]{28})@([^@]+)$/;

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31] ?? '';
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31] ?? '';
  return out;
}

function fromBase32(text: string): Buffer | null {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text) {
    const index = ALPHABET.indexOf(char);
    if (index === -1) return null;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function mac(
  secretKey: string,
  props: { workspaceId: string; number: number; userId: string; day: number },
): Buffer {
  const key = deriveKey(secretKey, `notify-reply:${props.workspaceId}`);
  return createHmac('sha256', key)
    .update(`v1|${props.workspaceId}|${String(props.number)}|${props.userId}|${String(props.day)}`)
    .digest()
    .subarray(0, MAC_BYTES);
}

const dayOf = (at: Date) => Math.floor((at.getTime() - EPOCH) / DAY_MS);

/** The reply address of one notification: to `userId`, about conversation `number`. */
export function replyAddress(
  secretKey: string,
  props: { workspaceId: string; mailboxAddress: string; number: number; userId: string; at?: Date },
): string {
  const day = dayOf(props.at ?? new Date());
  const bytes = Buffer.alloc(TOKEN_BYTES);
  bytes.writeUIntBE(props.number, 0, 5);
  bytes.writeUInt16BE(day, 5);
  mac(secretKey, { ...props, day }).copy(bytes, 7);
  const at = props.mailboxAddress.lastIndexOf('@');
  return `${props.mailboxAddress.slice(0, at)}+n-${base32(bytes)}${props.mailboxAddress.slice(at)}`;
}

/** A reply address found among a mail's recipients: its token (unverified) and base address. */
export interface ReplyToken {
  address: string;
  /** The mailbox address it was made from (the `+n-…` part removed). */
  baseAddress: string;
  token: string;
}

/** The first recipient that has the shape of a notification reply address. */
export function findReplyToken(recipients: string[]): ReplyToken | null {
  for (const recipient of recipients) {
    const address = recipient.trim().toLowerCase();
    const match = TOKEN_ADDRESS.exec(address);
    if (match?.[1] && match[2] && match[3])
      return { address, baseAddress: `${match[1]}@${match[3]}`, token: match[2] };
  }
  return null;
}

export type TokenCheck =
  | { ok: true; number: number; issuedAt: Date }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/**
 * Whether `token` was issued by this installation, in this workspace, to `userId` (the user
 * the reply's From names), within REPLY_TOKEN_DAYS of `now`.
 */
export function checkReplyToken(
  secretKey: string,
  props: { workspaceId: string; userId: string; token: string; now?: Date },
): TokenCheck {
  const bytes = fromBase32(props.token);
  if (bytes?.length !== TOKEN_BYTES) return { ok: false, reason: 'malformed' };
  const number = bytes.readUIntBE(0, 5);
  const day = bytes.readUInt16BE(5);
  const expected = mac(secretKey, { ...props, number, day });
  if (!timingSafeEqual(expected, bytes.subarray(7))) return { ok: false, reason: 'signature' };
  const today = dayOf(props.now ?? new Date());
  if (day > today + 1 || today - day > REPLY_TOKEN_DAYS) return { ok: false, reason: 'expired' };
  return { ok: true, number, issuedAt: new Date(EPOCH + day * DAY_MS) };
}

/**
 * The configured address a plus-addressed recipient belongs to (`support+anything@acme.com`
 * → `support@acme.com`, cut at the last `+`), or null when it has no `+` tag.
 */
export function withoutPlusTag(address: string): string | null {
  const at = address.lastIndexOf('@');
  const plus = address.lastIndexOf('+', at);
  if (at <= 0 || plus <= 0) return null;
  return `${address.slice(0, plus)}${address.slice(at)}`;
}
