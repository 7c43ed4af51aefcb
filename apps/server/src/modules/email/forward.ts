import EmailForwardParser from 'email-forward-parser';
import type { ParsedEmail } from './parse.js';

/** The mail an agent forwarded to a mailbox: whose it was, and what the agent added. */
export interface AgentForward {
  from: { address: string; name: string | null };
  subject: string | null;
  /** The forwarded mail's own text. */
  text: string;
  /** What the agent wrote above it (a note for colleagues), or null. */
  note: string | null;
}

const parser = new EmailForwardParser();
/** The forward's header block is near the top; a longer text is not searched further. */
const FORWARD_SEARCH_CHARS = 256 * 1024;
const ADDRESS = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/;
/** `Fwd:`, `FW:`, `VB:` (Swedish), `PD:` (Polish), `转发:` … before a subject. */
const FORWARD_PREFIX = /^\s*(?:(?:fwd?|fw|vb|vs|pd|tr|wg|转发|轉寄|هدایت|ارسال)\s*[:：]\s*)+/i;

/**
 * The forwarded mail in `parsed` (Gmail's "Forwarded message", Outlook's "From: … Sent: …",
 * Apple Mail's "Begin forwarded message", Thunderbird's, in the languages
 * `email-forward-parser` knows), or null when it is not a forward or names no sender.
 * Looked for in the whole text: trimming the visible part cuts a forward as a quote.
 */
export function findForward(parsed: ParsedEmail): AgentForward | null {
  const text = (parsed.fullText ?? parsed.message.text ?? '').slice(0, FORWARD_SEARCH_CHARS);
  const subject = parsed.message.subject ?? '';
  if (!text) return null;
  const result = parser.read(text, subject);
  if (!result.forwarded) return null;
  const address = result.email.from.address?.trim().toLowerCase();
  if (!address || !ADDRESS.test(address)) return null;
  const original = (result.email.subject ?? '').trim() || subject.replace(FORWARD_PREFIX, '');
  return {
    from: { address, name: result.email.from.name?.trim() || null },
    subject: original.trim() || null,
    text: (result.email.body ?? '').trim(),
    note: result.message?.trim() || null,
  };
}
