import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Services } from '../../context.js';
import { defineJob, enqueue, type JobDefinition } from '../../platform/jobs.js';
import { recordEvent } from '../../platform/outbox.js';
import { appendMessage } from './ingest.js';

export type AckLocale = 'en' | 'pl' | 'sv' | 'fa' | 'zh';
const locales: AckLocale[] = ['en', 'pl', 'sv', 'fa', 'zh'];

/**
 * What a customer receives at once when they start a conversation: the ticket number and
 * where to follow it. Placeholders: {greeting} (with or without {name}), {number}, {subject},
 * {workspace}, {portalUrl}.
 */
export const defaultTemplates: Record<
  AckLocale,
  { subject: string; greeting: string; greetingNoName: string; body: string }
> = {
  en: {
    subject: '[{number}] We received your request',
    greeting: 'Hello {name},',
    greetingNoName: 'Hello,',
    body: '{greeting}\n\nThank you for contacting {workspace}. Your request has the ticket number {number}; we will answer as soon as we can.\nYou can follow it here: {portalUrl}\n\nPlease keep the number in the subject if you write again.',
  },
  pl: {
    subject: '[{number}] Otrzymaliśmy Twoje zgłoszenie',
    greeting: 'Dzień dobry {name},',
    greetingNoName: 'Dzień dobry,',
    body: '{greeting}\n\ndziękujemy za kontakt z {workspace}. Twoje zgłoszenie ma numer {number}; odpowiemy najszybciej, jak to możliwe.\nStatus możesz sprawdzić tutaj: {portalUrl}\n\nJeśli piszesz ponownie, zostaw numer w temacie wiadomości.',
  },
  sv: {
    subject: '[{number}] Vi har tagit emot ditt ärende',
    greeting: 'Hej {name},',
    greetingNoName: 'Hej,',
    body: '{greeting}\n\ntack för att du kontaktade {workspace}. Ditt ärende har nummer {number}; vi svarar så snart vi kan.\nDu kan följa det här: {portalUrl}\n\nBehåll gärna numret i ämnesraden om du skriver igen.',
  },
  fa: {
    subject: '[{number}] درخواست شما دریافت شد',
    greeting: '{name} عزیز، سلام',
    greetingNoName: 'سلام',
    body: '{greeting}\n\nاز تماس شما با {workspace} سپاسگزاریم. شمارهٔ پیگیری درخواست شما {number} است و در اسرع وقت پاسخ می‌دهیم.\nپیگیری درخواست: {portalUrl}\n\nلطفاً اگر دوباره می‌نویسید، این شماره را در موضوع نامه نگه دارید.',
  },
  zh: {
    subject: '[{number}] 我们已收到您的请求',
    greeting: '{name},您好!',
    greetingNoName: '您好!',
    body: '{greeting}\n\n感谢您联系{workspace}。您的工单号是 {number},我们会尽快回复您。\n您可以在这里查看进度:{portalUrl}\n\n如需再次来信,请在主题中保留工单号。',
  },
};

export function chooseLocale(...candidates: (string | null | undefined)[]): AckLocale {
  for (const candidate of candidates) {
    const base = candidate?.toLowerCase().split(/[-_]/)[0];
    if (base && (locales as string[]).includes(base)) return base as AckLocale;
  }
  return 'en';
}

export function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

const Acknowledge = Type.Object({ workspaceId: Type.String(), conversationId: Type.String() });

export const acknowledgeJob = {
  name: 'conversations.acknowledge',
  payload: Acknowledge,
  maxAttempts: 10,
};

/** On `conversation.created` (from a customer, not automatic mail): queue the acknowledgement. */
export function acknowledgementSubscriber(services: Services): void {
  services.outbox.subscribe('conversation.created', 'acknowledge', async (event) => {
    const data = event.data as { automated?: boolean };
    if (data.automated) return;
    await enqueue(
      services.db,
      acknowledgeJob,
      { workspaceId: event.workspaceId, conversationId: event.aggregateId },
      { jobKey: `ack:${event.aggregateId}` },
    );
  });
}

/**
 * Writes the acknowledgement as an automatic outbound message, queued for the channel to
 * deliver, once per conversation (a retried job finds the timeline entry and stops).
 */
export function acknowledgementJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...acknowledgeJob,
      async handler({ workspaceId, conversationId }, context) {
        await services.db.transaction().execute(async (trx) => {
          const row = await sql<{
            number: number;
            subject: string;
            channel: string;
            language: string | null;
            contactName: string | null;
            contactLanguage: string | null;
            prefix: string;
            workspaceName: string;
            slug: string;
            defaultLocale: string;
            acknowledged: boolean;
          }>`
            select c.number, c.subject, c.channel, c.language, p.name as contact_name, p.language as contact_language,
                   w.ticket_prefix as prefix, w.name as workspace_name, w.slug, w.default_locale,
                   exists (select 1 from conversation_events e
                            where e.workspace_id = c.workspace_id and e.conversation_id = c.id
                              and e.type = 'conversation.acknowledged') as acknowledged
              from conversations c
              join contacts p on p.workspace_id = c.workspace_id and p.id = c.contact_id
              join workspaces w on w.id = c.workspace_id
             where c.workspace_id = ${workspaceId} and c.id = ${conversationId}
             for update of c`.execute(trx);
          const conversation = row.rows[0];
          if (!conversation || conversation.acknowledged) return;
          const locale = chooseLocale(
            conversation.language,
            conversation.contactLanguage,
            conversation.defaultLocale,
          );
          const template = defaultTemplates[locale];
          const number = `${conversation.prefix}${conversation.number}`;
          const name = conversation.contactName?.trim() ?? '';
          const values = {
            name,
            greeting: name ? render(template.greeting, { name }) : template.greetingNoName,
            number,
            subject: conversation.subject,
            workspace: conversation.workspaceName,
            portalUrl: `${services.config.publicUrl}/portal/${conversation.slug}/tickets/${conversation.number}`,
          };
          const text = render(template.body, values);
          const stored = await appendMessage(trx, {
            workspaceId,
            conversationId,
            kind: 'outbound',
            authorType: 'system',
            authorId: null,
            channel: conversation.channel as never,
            text,
            html: null,
            externalId: null,
            attachments: [],
            metadata: {
              automatic: true,
              acknowledgement: true,
              subject: render(template.subject, values),
              locale,
            },
            at: new Date(),
            deliveryStatus: 'queued',
          });
          await trx
            .insertInto('conversationEvents')
            .values({
              workspaceId,
              conversationId,
              type: 'conversation.acknowledged',
              actorType: 'system',
              actorId: null,
              data: JSON.stringify({ messageId: stored.id, locale }),
            })
            .execute();
          await recordEvent(trx, {
            workspaceId,
            aggregateType: 'conversation',
            aggregateId: conversationId,
            type: 'message.created',
            data: { messageId: stored.id, seq: stored.seq, kind: 'outbound', automatic: true },
            broadcast: true,
          });
          context.log.debug({ conversationId, locale }, 'acknowledgement queued');
        });
      },
    }),
  ];
}
