import type { Services } from '../../context.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { addMessage } from '../conversations/conversations.service.js';
import { untrimmed, type ParsedEmail } from './parse.js';
import { checkReplyToken, REPLY_TOKEN_DAYS, type ReplyToken } from './reply-address.js';

/** A first line like this makes an agent's emailed answer an internal note. */
export const NOTE_MARKER = /^\s*#note\b[ \t]*:?[ \t]*\r?\n?/i;

export type AgentReplyOutcome =
  | { posted: true; duplicate: boolean; conversationId: string; messageId: string | null }
  | { posted: false; reason: string };

const refuse = (reason: string): AgentReplyOutcome => ({ posted: false, reason });

/**
 * Mail to a notification reply address (`support+n-<token>@…`). Posted as the agent's reply
 * (or note, with NOTE_MARKER) only when every check passes: the address belongs to the
 * mailbox that received it, the mail is not automatic, From is a user of the workspace,
 * the token's signature is valid for that user, it is at most REPLY_TOKEN_DAYS old, the
 * user is active, and the conversation exists. Anything else is refused with a reason and
 * posted nowhere — never as the agent, and not as a customer message either (the address
 * is one only notifications carry; an agent's stale reply is not a new ticket).
 */
export async function postAgentReply(
  services: Services,
  props: {
    workspaceId: string;
    mailboxId: string;
    inboundEmailId: string;
    token: ReplyToken;
    parsed: ParsedEmail;
  },
): Promise<AgentReplyOutcome> {
  const { db } = services;
  const { workspaceId, parsed } = props;
  const own = await db
    .selectFrom('mailboxAddresses')
    .select('address')
    .where('workspaceId', '=', workspaceId)
    .where('mailboxId', '=', props.mailboxId)
    .where('address', '=', props.token.baseAddress)
    .executeTakeFirst();
  if (!own) return refuse('notification reply: the reply address is not one of this mailbox');
  if (parsed.automated)
    return refuse('notification reply: automatic mail (auto-reply, list, bounce) is not posted');
  const user = await db
    .selectFrom('users')
    .select(['id', 'role', 'status'])
    .where('workspaceId', '=', workspaceId)
    .where('email', '=', parsed.message.from.value)
    .executeTakeFirst();
  if (!user) return refuse('notification reply: the sender is not a user of this workspace');
  const check = checkReplyToken(services.config.secretKey, {
    workspaceId,
    userId: user.id,
    token: props.token.token,
  });
  if (!check.ok) {
    return refuse(
      check.reason === 'expired'
        ? `notification reply: the reply address is older than ${String(REPLY_TOKEN_DAYS)} days`
        : 'notification reply: the signature does not match the sender',
    );
  }
  if (user.status !== 'active') return refuse('notification reply: the user is deactivated');
  let conversation = await db
    .selectFrom('conversations')
    .select(['id', 'mergedIntoId'])
    .where('workspaceId', '=', workspaceId)
    .where('number', '=', check.number)
    .executeTakeFirst();
  // A merged conversation's answers go where it was merged into (at most a few hops).
  for (let hop = 0; conversation?.mergedIntoId && hop < 5; hop++) {
    conversation = await db
      .selectFrom('conversations')
      .select(['id', 'mergedIntoId'])
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', conversation.mergedIntoId)
      .executeTakeFirst();
  }
  if (!conversation) return refuse('notification reply: the conversation no longer exists');

  const written = parsed.message.text ?? '';
  const attachments = parsed.message.attachments ?? [];
  const note = NOTE_MARKER.test(written);
  const text = (note ? written.replace(NOTE_MARKER, '') : written).trim();
  if (!text && attachments.length === 0) return refuse('notification reply: the reply is empty');
  const externalId = `agent-email:${parsed.messageId ?? `inbound:${props.inboundEmailId}`}`;
  try {
    const message = await addMessage({
      db,
      actor: {
        workspaceId,
        userId: user.id,
        role: user.role,
        via: 'token',
        scopes: ['read', 'write'],
        csrfToken: null,
        credentialId: `email:${props.inboundEmailId}`,
      },
      conversationId: conversation.id,
      body: { kind: note ? 'note' : 'reply', text: text || '(attachments)' },
      origin: {
        externalId,
        attachments,
        metadata: {
          via: 'email',
          inboundEmailId: props.inboundEmailId,
          mailboxId: props.mailboxId,
          ...untrimmed(parsed),
        },
      },
    });
    return {
      posted: true,
      duplicate: false,
      conversationId: conversation.id,
      messageId: message.id,
    };
  } catch (error) {
    if (error instanceof AppError && error.code === 'forbidden')
      return refuse(`notification reply: ${error.message} (start with #note for a note)`);
    if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
    // Posted by an earlier run of this job (a retry after a crash): nothing more to do.
    const existing = await db
      .selectFrom('messages')
      .select('id')
      .where('workspaceId', '=', workspaceId)
      .where('externalId', '=', externalId)
      .executeTakeFirst();
    return {
      posted: true,
      duplicate: true,
      conversationId: conversation.id,
      messageId: existing?.id ?? null,
    };
  }
}
