import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Services } from '../../context.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';
import { recordEvent } from '../../platform/outbox.js';
import { recordSystemTimelineAndEvents } from './conversations.service.js';
import { appendMessage } from './ingest.js';
import type { AcknowledgementTemplate, AcknowledgementTemplateBody } from '@parley/contract';
import type { Db } from '../../database.js';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { isValidTimeZone } from '../availability/schedule.js';
import { expectedTimes } from '../sla/sla.service.js';

export type AckLocale = 'en' | 'pl' | 'sv' | 'fa' | 'zh';
const locales: AckLocale[] = ['en', 'pl', 'sv', 'fa', 'zh'];

/**
 * What a customer receives at once when they start a conversation: the ticket number and
 * where to follow it. Placeholders: {greeting} (with or without {name}), {number}, {subject},
 * {workspace}, {portalUrl}.
 */
export const defaultTemplates: Record<
  AckLocale,
  { subject: string; greeting: string; greetingNoName: string; body: string; expectation: string }
> = {
  en: {
    expectation: 'We aim to answer by {expectedResponse}.',
    subject: '[{number}] We received your request',
    greeting: 'Hello {name},',
    greetingNoName: 'Hello,',
    body: '{greeting}\n\nThank you for contacting {workspace}. Your request has the ticket number {number}; we will answer as soon as we can.\nYou can follow it here: {portalUrl}\n\nPlease keep the number in the subject if you write again.',
  },
  pl: {
    expectation: 'Postaramy się odpowiedzieć do {expectedResponse}.',
    subject: '[{number}] Otrzymaliśmy Twoje zgłoszenie',
    greeting: 'Dzień dobry {name},',
    greetingNoName: 'Dzień dobry,',
    body: '{greeting}\n\ndziękujemy za kontakt z {workspace}. Twoje zgłoszenie ma numer {number}; odpowiemy najszybciej, jak to możliwe.\nStatus możesz sprawdzić tutaj: {portalUrl}\n\nJeśli piszesz ponownie, zostaw numer w temacie wiadomości.',
  },
  sv: {
    expectation: 'Vi siktar på att svara senast {expectedResponse}.',
    subject: '[{number}] Vi har tagit emot ditt ärende',
    greeting: 'Hej {name},',
    greetingNoName: 'Hej,',
    body: '{greeting}\n\ntack för att du kontaktade {workspace}. Ditt ärende har nummer {number}; vi svarar så snart vi kan.\nDu kan följa det här: {portalUrl}\n\nBehåll gärna numret i ämnesraden om du skriver igen.',
  },
  fa: {
    expectation: 'تلاش می‌کنیم تا {expectedResponse} پاسخ دهیم.',
    subject: '[{number}] درخواست شما دریافت شد',
    greeting: '{name} عزیز، سلام',
    greetingNoName: 'سلام',
    body: '{greeting}\n\nاز تماس شما با {workspace} سپاسگزاریم. شمارهٔ پیگیری درخواست شما {number} است و در اسرع وقت پاسخ می‌دهیم.\nپیگیری درخواست: {portalUrl}\n\nلطفاً اگر دوباره می‌نویسید، این شماره را در موضوع نامه نگه دارید.',
  },
  zh: {
    expectation: '我们争取在 {expectedResponse} 前回复您。',
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

const placeholders = [
  'greeting',
  'name',
  'number',
  'subject',
  'workspace',
  'portalUrl',
  'expectedResponse',
];

/**
 * When the customer may expect a first answer, in their language, on their clock (the
 * contact's `timeZone` attribute, else the workspace's zone): "Monday, 23 November 2026 at
 * 10:00 (Europe/Stockholm)".
 */
export function formatExpected(at: Date, locale: AckLocale, timeZone: string): string {
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const when = new Intl.DateTimeFormat(locale, {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: zone,
  }).format(at);
  return `${when} (${zone})`;
}

/** The workspace's templates for every language: its own text where edited, else the built-in. */
export async function findTemplates(
  db: Db,
  workspaceId: string,
): Promise<AcknowledgementTemplate[]> {
  const rows = await db
    .selectFrom('acknowledgementTemplates')
    .select(['locale', 'subject', 'body', 'updatedAt'])
    .where('workspaceId', '=', workspaceId)
    .execute();
  return locales.map((locale) => {
    const own = rows.find((r) => r.locale === locale);
    return own
      ? {
          locale,
          subject: own.subject,
          body: own.body,
          customized: true,
          updatedAt: own.updatedAt.toISOString(),
        }
      : {
          locale,
          subject: defaultTemplates[locale].subject,
          body: defaultTemplates[locale].body,
          customized: false,
          updatedAt: null,
        };
  });
}

/** Replaces one language's template; it must carry {number} and only known placeholders. */
export async function saveTemplate(props: {
  db: Db;
  actor: Actor;
  locale: AckLocale;
  body: AcknowledgementTemplateBody;
}): Promise<AcknowledgementTemplate> {
  const { subject, body } = props.body;
  for (const [field, text] of [
    ['subject', subject],
    ['body', body],
  ] as const) {
    const unknown = [...text.matchAll(/\{(\w+)\}/g)]
      .map((m) => m[1] ?? '')
      .filter((key) => !placeholders.includes(key));
    if (unknown.length > 0) {
      throw new AppError(
        'validation_failed',
        `Unknown placeholder {${unknown[0] ?? ''}} in the ${field}`,
        {
          details: { field, allowed: placeholders },
        },
      );
    }
  }
  if (!body.includes('{number}') && !subject.includes('{number}')) {
    throw new AppError(
      'validation_failed',
      'The acknowledgement must carry the ticket number: include {number}',
      {
        details: { field: 'body' },
      },
    );
  }
  const row = await props.db.transaction().execute(async (trx) => {
    const saved = await trx
      .insertInto('acknowledgementTemplates')
      .values({
        workspaceId: props.actor.workspaceId,
        locale: props.locale,
        subject,
        body,
        updatedBy: props.actor.userId,
      })
      .onConflict((oc) =>
        oc
          .columns(['workspaceId', 'locale'])
          .doUpdateSet({ subject, body, updatedBy: props.actor.userId, updatedAt: new Date() }),
      )
      .returning(['updatedAt'])
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      workspaceId: props.actor.workspaceId,
      aggregateType: 'workspace',
      aggregateId: props.actor.workspaceId,
      type: 'workspace.acknowledgement_template_changed',
      data: { locale: props.locale, actorId: props.actor.userId },
    });
    return saved;
  });
  return {
    locale: props.locale,
    subject,
    body,
    customized: true,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Back to the built-in text for one language. */
export async function resetTemplate(props: {
  db: Db;
  actor: Actor;
  locale: AckLocale;
}): Promise<void> {
  await props.db
    .deleteFrom('acknowledgementTemplates')
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('locale', '=', props.locale)
    .execute();
}

const Acknowledge = Type.Object({ workspaceId: Type.String(), conversationId: Type.String() });

export const acknowledgeJob = {
  name: 'conversations.acknowledge',
  payload: Acknowledge,
  maxAttempts: 10,
};

/** On `conversation.created` (from a customer, not automatic mail): queue the acknowledgement. */
export function acknowledgementSubscriber(services: Services): void {
  services.outbox.subscribe('conversation.created', 'acknowledge', (event, context) => {
    const data = event.data as { automated?: boolean };
    if (data.automated) return;
    context.enqueue(
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
            acknowledgementsEnabled: boolean;
            slaPolicies: boolean;
            contactTimeZone: string | null;
            workspaceTimeZone: string;
            templates: Record<string, { subject: string; body: string }> | null;
          }>`
            select c.number, c.subject, c.channel, c.language, p.name as contact_name, p.language as contact_language,
                   w.ticket_prefix as prefix, w.name as workspace_name, w.slug, w.default_locale,
                   w.acknowledgements_enabled, p.attributes->>'timeZone' as contact_time_zone,
                   w.time_zone as workspace_time_zone,
                   (select json_object_agg(t.locale, json_build_object('subject', t.subject, 'body', t.body))
                      from acknowledgement_templates t where t.workspace_id = c.workspace_id) as templates,
                   exists (select 1 from conversation_events e
                            where e.workspace_id = c.workspace_id and e.conversation_id = c.id
                              and e.type = 'conversation.acknowledged') as acknowledged,
                   exists (select 1 from sla_policies s
                            where s.workspace_id = c.workspace_id and s.enabled) as sla_policies
              from conversations c
              join contacts p on p.workspace_id = c.workspace_id and p.id = c.contact_id
              join workspaces w on w.id = c.workspace_id
             where c.workspace_id = ${workspaceId} and c.id = ${conversationId}
             for update of c`.execute(trx);
          const conversation = row.rows[0];
          if (!conversation || conversation.acknowledged) return;
          if (!conversation.acknowledgementsEnabled) return;
          const locale = chooseLocale(
            conversation.language,
            conversation.contactLanguage,
            conversation.defaultLocale,
          );
          // The workspace's own wording for this language, if it has one.
          const own = conversation.templates?.[locale];
          const template = { ...defaultTemplates[locale], ...own };
          // The SLA's expected first answer, when a policy applies (computed here: the SLA's
          // own job may not have run yet); a workspace without policies skips the reads.
          const expected = conversation.slaPolicies
            ? (await expectedTimes(trx, { workspaceId, conversationId })).firstResponseBy
            : null;
          const expectedResponse = expected
            ? formatExpected(
                expected,
                locale,
                conversation.contactTimeZone && isValidTimeZone(conversation.contactTimeZone)
                  ? conversation.contactTimeZone
                  : conversation.workspaceTimeZone,
              )
            : '';
          const number = `${conversation.prefix}${conversation.number}`;
          const name = conversation.contactName?.trim() ?? '';
          const values = {
            name,
            greeting: name ? render(template.greeting, { name }) : template.greetingNoName,
            number,
            subject: conversation.subject,
            workspace: conversation.workspaceName,
            portalUrl: `${services.config.publicUrl}/portal/${conversation.slug}/tickets/${conversation.number}`,
            expectedResponse,
          };
          let text = render(template.body, values);
          // The built-in text says it in a paragraph of its own, before the last one.
          if (!own && expectedResponse) {
            const paragraphs = text.split('\n\n');
            paragraphs.splice(
              Math.max(1, paragraphs.length - 1),
              0,
              render(template.expectation, values),
            );
            text = paragraphs.join('\n\n');
          }
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
          await recordSystemTimelineAndEvents(
            trx,
            workspaceId,
            conversationId,
            [{ type: 'conversation.acknowledged', data: { messageId: stored.id, locale } }],
            [
              {
                workspaceId,
                aggregateType: 'conversation',
                aggregateId: conversationId,
                type: 'message.created',
                data: {
                  messageId: stored.id,
                  seq: stored.seq,
                  kind: 'outbound',
                  channel: conversation.channel,
                  automatic: true,
                },
                broadcast: true,
              },
            ],
          );
          context.log.debug({ conversationId, locale }, 'acknowledgement queued');
        });
      },
    }),
  ];
}
