import type { Attachment } from '@parley/contract';
import EmailReplyParser from 'email-reply-parser';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { BlobStore } from '../../platform/blobs.js';
import type { InboundMessage } from '../conversations/ingest.js';
import { headerSection, headerValue, normalizeMessageId } from './headers.js';
import { htmlToText, sanitize } from '../conversations/sanitize.js';
import { NUMBER_TAG } from './outbound.js';
import { withoutNul } from '../../platform/nul.js';

/** What an email says about itself, beyond the message: for filing and loop protection. */
export interface ParsedEmail {
  message: Omit<InboundMessage, 'workspaceId'>;
  messageId: string | null;
  /** Automatic mail (auto-replies, lists, bulk, bounces): threaded, never acknowledged. */
  automated: boolean;
  /** A delivery status notification about mail we sent: recorded, never a conversation. */
  bounce: Bounce | null;
  /** The whole text when the message's visible text had quotes or a signature trimmed. */
  fullText: string | null;
  /** The whole HTML (sanitized) when quoted history was cut from the visible HTML. */
  fullHtml: string | null;
  /** Attachments over the size limit: not kept (the raw mail still holds them). */
  omittedAttachments: { filename: string; size: number }[];
  /** Every address the mail says it was for: To, Cc, Delivered-To, X-Original-To (lower-case). */
  recipients: string[];
}

const replyParser = new EmailReplyParser();

/**
 * The part of a reply its author wrote: quoted history ("On … wrote:", "W dniu … napisał",
 * "Den … skrev", "在…写道", `>` lines) and signatures cut. Falls back to the whole text
 * when trimming would leave nothing.
 */
export function visibleText(text: string): string {
  const visible = replyParser.parseReply(text).trim();
  return visible ? visible : text;
}

/**
 * Where quoted history starts in an HTML reply: the containers mail programs wrap it in
 * (Gmail, Apple Mail and Thunderbird's `blockquote type=cite`, Thunderbird's cite prefix,
 * Yahoo, Proton) and the marker Outlook puts before its "From: … Sent: …" header, after which
 * everything is the quoted mail.
 */
const QUOTE_TAG = /<(?:div|blockquote|hr)\b([^<>]{0,1000})>/gi;
const QUOTE_ATTRIBUTES =
  /\bclass\s*=\s*["']?[\w\s-]*\b(?:gmail_quote|gmail_attr|yahoo_quoted|moz-cite-prefix|protonmail_quote)\b|\btype\s*=\s*["']?cite\b|\bid\s*=\s*["']?(?:x_)?(?:appendonsend|divRplyFwdMsg|stopSpelling)\b/i;

const QUOTE_SEARCH_CHARS = 256 * 1024;

/**
 * A reply's HTML without its quoted history, when a mail program marked where that starts
 * (the cut is closed by the sanitizer's parser). Null when nothing is marked, or when the
 * cut would leave nothing.
 */
export function htmlWithoutQuotes(html: string): string | null {
  // Looked for near the top, where a reply's quote starts, and within bounded tags: the
  // search stays linear in hostile HTML (a mail of nothing but unclosed `<div` tags).
  let start: number | undefined;
  for (const tag of html.slice(0, QUOTE_SEARCH_CHARS).matchAll(QUOTE_TAG)) {
    if (QUOTE_ATTRIBUTES.test(tag[1] ?? '')) {
      start = tag.index;
      break;
    }
  }
  if (start === undefined) return null;
  const kept = sanitize(html.slice(0, start));
  return htmlToText(kept) ? kept : null;
}

export interface Bounce {
  /** The Message-ID of the mail that could not be delivered (ours). */
  originalMessageId: string | null;
  recipient: string | null;
  /** RFC 3463 status, e.g. 5.1.1. */
  status: string | null;
  /** 5.x.x: the address will not work; 4.x.x: delayed, the remote server keeps trying. */
  permanent: boolean;
  diagnostic: string | null;
}

/** The fields of a message/delivery-status part (RFC 3464), per-recipient fields included. */
function dsnField(text: string, name: string): string | null {
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:[ \t]*(.+)$`, 'im').exec(unfolded)?.[1]?.trim() ?? null;
}

/** A DSN (multipart/report; report-type=delivery-status), read; null for any other mail. */
export function readBounce(parsed: ParsedMail, raw: Buffer): Bounce | null {
  const contentType = parsed.headers.get('content-type');
  const isReport =
    typeof contentType === 'object' &&
    'params' in contentType &&
    contentType.value === 'multipart/report' &&
    // mailparser's structured header: params holds the header's key=value pairs.
    (contentType.params as Record<string, string | undefined>)['report-type']?.toLowerCase() ===
      'delivery-status';
  if (!isReport) return null;
  // mailparser folds the message/delivery-status part into the text: read it from the raw mail.
  const rawText = raw.toString('latin1');
  const at = rawText.search(/^content-type:[ \t]*message\/delivery-status/im);
  const original = parsed.attachments.find(
    (a) => a.contentType === 'text/rfc822-headers' || a.contentType === 'message/rfc822',
  );
  const report = at === -1 ? (parsed.text ?? '') : rawText.slice(at, at + 20_000);
  const code = dsnField(report, 'Status');
  const recipient = dsnField(report, 'Final-Recipient') ?? dsnField(report, 'Original-Recipient');
  const originalHead = original ? headerSection(original.content) : '';
  return {
    originalMessageId: normalizeMessageId(headerValue(originalHead, 'message-id')),
    recipient: recipient ? (recipient.split(';').pop()?.trim().toLowerCase() ?? null) : null,
    status: code,
    permanent: code?.startsWith('5') ?? dsnField(report, 'Action')?.toLowerCase() === 'failed',
    diagnostic: dsnField(report, 'Diagnostic-Code')?.slice(0, 500) ?? null,
  };
}

/** An email no amount of retrying will parse: failed at once, kept for an admin. */
export class UnparseableEmail extends Error {
  override name = 'UnparseableEmail';
}

/**
 * What a sane email stays within. Parsing cost grows with parts, nesting and header size,
 * so hostile mail (thousands of parts, deep nesting, megabytes of headers or encoded words)
 * is refused before the parser sees it: bounded time and memory, whatever arrives.
 */
export const MIME_LIMITS = { parts: 1000, multiparts: 50, headerBytes: 256 * 1024 } as const;

export function assertTractable(raw: Buffer): void {
  const head = raw.subarray(0, MIME_LIMITS.headerBytes + 4).toString('latin1');
  if (!/\r?\n\r?\n/.test(head) && raw.length > MIME_LIMITS.headerBytes)
    throw new UnparseableEmail(`headers larger than ${String(MIME_LIMITS.headerBytes)} bytes`);
  const text = raw.toString('latin1');
  let parts = 0;
  let multiparts = 0;
  for (const match of text.matchAll(/^content-type:[ \t]*(multipart\/)?/gim)) {
    parts++;
    if (match[1]) multiparts++;
    if (parts > MIME_LIMITS.parts)
      throw new UnparseableEmail(`more than ${String(MIME_LIMITS.parts)} MIME parts`);
    if (multiparts > MIME_LIMITS.multiparts)
      throw new UnparseableEmail(`more than ${String(MIME_LIMITS.multiparts)} nested multiparts`);
  }
}

/** What a malformed header makes an "address" of (`<<<not an address>>>`) is not one. */
const MAILBOX = /^[^\s@<>]+@[^\s@<>]+$/;
const isMailbox = (address: string | undefined): address is string =>
  address !== undefined && MAILBOX.test(address);

function firstAddress(value: AddressObject | AddressObject[] | undefined) {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  for (const group of list) {
    for (const entry of group.value) {
      if (isMailbox(entry.address))
        return { address: entry.address.toLowerCase(), name: entry.name || null };
    }
  }
  return null;
}

function allAddresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((group) =>
    group.value.flatMap((entry) => (isMailbox(entry.address) ? [entry.address.toLowerCase()] : [])),
  );
}

/** To, Cc and the headers MTAs add for the envelope recipient, as bare addresses. */
function recipientsOf(parsed: ParsedMail): string[] {
  const traced = ['delivered-to', 'x-original-to'].flatMap((name) =>
    [...headerText(parsed, name).matchAll(/[^\s<>,;"]+@[^\s<>,;"]+/g)].map((m) =>
      m[0].toLowerCase(),
    ),
  );
  return [...new Set([...allAddresses(parsed.to), ...allAddresses(parsed.cc), ...traced])].slice(
    0,
    100,
  );
}

function headerText(parsed: ParsedMail, name: string): string {
  const value = parsed.headers.get(name);
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'value' in value && typeof value.value === 'string')
    return value.value;
  return JSON.stringify(value);
}

/** RFC 3834 and the headers mailers actually use for machine-sent mail. */
export function isAutomated(parsed: ParsedMail, envelopeFrom: string | null): boolean {
  const autoSubmitted = headerText(parsed, 'auto-submitted').toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (/^(bulk|list|junk|auto_reply)$/i.test(headerText(parsed, 'precedence').trim())) return true;
  for (const name of [
    'x-autoreply',
    'x-autorespond',
    'list-id',
    'list-unsubscribe',
    'x-auto-response-suppress',
  ])
    // The raw header lines: mailparser folds List-* headers into one parsed `list` header.
    if (parsed.headerLines.some((line) => line.key === name)) return true;
  if (envelopeFrom === '' || envelopeFrom === '<>') return true; // null sender: bounces
  const contentType = headerText(parsed, 'content-type').toLowerCase();
  return contentType.includes('multipart/report');
}

/**
 * A raw email as the one inbound path wants it: the sender (From, else the envelope
 * sender), thread keys (In-Reply-To and References), its own Message-ID, a `[#1042]`
 * number in the subject, text and HTML (sanitized later by ingest), attachments stored in
 * the blob store under their content hash (the original name is metadata only).
 */
export async function parseEmail(
  raw: Buffer,
  options: { blobs: BlobStore; envelopeFrom: string | null; maxAttachmentBytes: number },
): Promise<ParsedEmail> {
  assertTractable(raw);
  const parsed = await simpleParser(raw, {
    skipImageLinks: true,
    skipTextLinks: true,
    maxHtmlLengthToParse: 2 * 1024 * 1024,
  });
  const from = firstAddress(parsed.from) ??
    firstAddress(parsed.replyTo) ?? {
      address:
        options.envelopeFrom && options.envelopeFrom.includes('@')
          ? options.envelopeFrom.toLowerCase()
          : 'unknown-sender@invalid',
      name: null,
    };
  const messageId = normalizeMessageId(parsed.messageId);
  const references = Array.isArray(parsed.references)
    ? parsed.references
    : parsed.references
      ? parsed.references.split(/\s+/)
      : [];
  const threadKeys = [
    ...new Set(
      [parsed.inReplyTo, ...references]
        .flatMap((v) => (v ? v.split(/\s+/) : []))
        .map((v) => normalizeMessageId(v))
        .filter((v): v is string => v !== null && v !== messageId),
    ),
  ].slice(0, 100);
  const subject = (parsed.subject ?? '').trim();
  const number = NUMBER_TAG.exec(subject)?.[1];
  const bounce = readBounce(parsed, raw);
  const attachments: Attachment[] = [];
  const omittedAttachments: ParsedEmail['omittedAttachments'] = [];
  for (const part of bounce ? [] : parsed.attachments) {
    if (part.size > options.maxAttachmentBytes) {
      omittedAttachments.push({
        filename: (part.filename ?? 'attachment').slice(0, 255),
        size: part.size,
      });
      continue;
    }
    const stored = await options.blobs.put(part.content, { maxBytes: options.maxAttachmentBytes });
    attachments.push({
      blobKey: stored.key,
      filename: (part.filename ?? 'attachment').slice(0, 255),
      contentType: part.contentType.slice(0, 255),
      size: stored.size,
      ...(part.cid ? { contentId: part.cid.slice(0, 255) } : {}),
    });
  }
  const automated = isAutomated(parsed, options.envelopeFrom);
  const fullHtml = typeof parsed.html === 'string' ? parsed.html : null;
  const fullText = parsed.text ?? null;
  const visible = fullText === null ? null : visibleText(fullText);
  const textTrimmed = fullText !== null && visible !== null && visible !== fullText.trim();
  // The HTML loses its quoted history where the mail program marked it; where it did not but
  // the text lost some, the trimmed text is shown instead (the whole HTML stays at hand).
  const trimmedHtml = fullHtml === null ? null : htmlWithoutQuotes(fullHtml);
  const html = trimmedHtml ?? (textTrimmed ? null : fullHtml);
  const language = headerText(parsed, 'content-language').split(/[,\s]/)[0] || null;
  // A NUL (a broken mail program, an attack) would fail every statement that stores it.
  return withoutNul({
    messageId,
    automated,
    bounce,
    fullText: textTrimmed ? fullText : null,
    fullHtml: fullHtml !== null && html !== fullHtml ? sanitize(fullHtml) : null,
    omittedAttachments,
    recipients: recipientsOf(parsed),
    message: {
      channel: 'email',
      from: { kind: 'email', value: from.address, name: from.name },
      threadKeys,
      ownThreadKeys: messageId ? [messageId] : [],
      ...(number ? { ticketNumber: Number(number) } : {}),
      subject: subject || null,
      text: visible,
      html,
      attachments,
      externalId: messageId,
      languageFallback: language,
      automated,
    },
  });
}

/**
 * What a message's metadata keeps of an email beyond what it shows: the whole text and HTML
 * of a trimmed one, and the attachments too large to keep.
 */
export function untrimmed(
  parsed: Pick<ParsedEmail, 'fullText' | 'fullHtml' | 'omittedAttachments'>,
) {
  return {
    ...(parsed.fullText ? { fullText: parsed.fullText } : {}),
    ...(parsed.fullHtml ? { fullHtml: parsed.fullHtml } : {}),
    ...(parsed.omittedAttachments.length > 0
      ? { omittedAttachments: parsed.omittedAttachments }
      : {}),
  };
}
