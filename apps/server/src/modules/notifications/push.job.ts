import { Type } from '@sinclair/typebox';
import { slaNoticeOf } from '../sla/notice.js';
import webpush from 'web-push';
import type { Services } from '../../context.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';
import type { DomainEvent, DeliveryContext } from '../../platform/outbox.js';
import { chooseLocale, render } from '../conversations/acknowledgements.js';
import { notificationTexts } from '../email/notify.templates.js';
import { numberTag } from '../email/outbound.js';
import { notificationPreferences } from '../workspaces/workspaces.presenters.js';
import { checkEndpoint, vapidKeys } from './push.service.js';

const Target = Type.Union([
  Type.Literal('firstResponse'),
  Type.Literal('nextResponse'),
  Type.Literal('resolution'),
]);

export const pushSendJob = {
  name: 'push.send',
  payload: Type.Object({
    workspaceId: Type.String(),
    eventId: Type.Integer(),
    userId: Type.String(),
    kind: Type.Union([Type.Literal('slaWarning'), Type.Literal('slaBreached')]),
    conversationId: Type.String(),
    target: Target,
    dueAt: Type.Union([Type.String(), Type.Null()]),
    policyName: Type.String(),
  }),
  maxAttempts: 6,
};

type PushPayload = typeof pushSendJob.payload.static;

/** SLA warnings, predicted and real breaches: a push to each recipient's browsers. */
export function pushSubscribers(services: Services): void {
  const notice =
    (kind: 'slaWarning' | 'slaBreached') =>
    async (event: DomainEvent, context: DeliveryContext) => {
      const notice = slaNoticeOf(event);
      if (!notice) return;
      const users = notice.users;
      if (users.length === 0) return;
      const subscribed = await services.db
        .selectFrom('pushSubscriptions')
        .select('userId')
        .distinct()
        .where('workspaceId', '=', event.workspaceId)
        .where('userId', 'in', users)
        .execute();
      for (const { userId } of subscribed)
        context.enqueue(
          pushSendJob,
          {
            workspaceId: event.workspaceId,
            eventId: event.id,
            userId,
            kind,
            conversationId: event.aggregateId,
            target: notice.target,
            dueAt: notice.dueAt,
            policyName: notice.policyName,
          },
          { jobKey: `push:${String(event.id)}:${userId}` },
        );
    };
  services.outbox.subscribe('conversation.sla_warning', 'push-sla', notice('slaWarning'));
  services.outbox.subscribe('conversation.sla_at_risk', 'push-sla', notice('slaWarning'));
  services.outbox.subscribe('conversation.sla_breached', 'push-sla', notice('slaBreached'));
}

/**
 * Sends one notice to every browser the user subscribed, if their preference allows:
 * encrypted (aes128gcm) and VAPID-signed by web-push, posted with fetch (no redirects, 10 s).
 * A subscription the push service says is gone (404, 410) is deleted; a 429 or 5xx is
 * retried by the job.
 */
export async function sendPush(services: Services, props: PushPayload): Promise<void> {
  const { db, config } = services;
  const user = await db
    .selectFrom('users')
    .select(['status', 'locale', 'timeZone', 'notificationPreferences'])
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', props.userId)
    .executeTakeFirst();
  if (user?.status !== 'active') return;
  if (!notificationPreferences(user.notificationPreferences).push[props.kind]) return;
  const conversation = await db
    .selectFrom('conversations as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspaceId')
    .select(['c.id', 'c.number', 'c.subject', 'w.ticketPrefix'])
    .where('c.workspaceId', '=', props.workspaceId)
    .where('c.id', '=', props.conversationId)
    .executeTakeFirst();
  if (!conversation) return;
  const subscriptions = await db
    .selectFrom('pushSubscriptions')
    .selectAll()
    .where('workspaceId', '=', props.workspaceId)
    .where('userId', '=', props.userId)
    .execute();
  if (subscriptions.length === 0) return;

  const texts = notificationTexts[chooseLocale(user.locale)];
  const values = {
    tag: numberTag(conversation.ticketPrefix, conversation.number),
    subject: conversation.subject.trim() || '—',
    target: texts.targets[props.target],
    policy: props.policyName,
    due: props.dueAt
      ? new Intl.DateTimeFormat(chooseLocale(user.locale), {
          dateStyle: 'medium',
          timeStyle: 'short',
          timeZone: user.timeZone,
        }).format(new Date(props.dueAt))
      : '—',
  };
  const warning = props.kind === 'slaWarning';
  const payload = JSON.stringify({
    type: warning ? 'sla_warning' : 'sla_breached',
    title: render(warning ? texts.slaWarningSubject : texts.slaBreachedSubject, values),
    body: render(warning ? texts.slaWarningIntro : texts.slaBreachedIntro, values),
    url: `${config.publicUrl}/app/conversations/${conversation.id}`,
    conversationId: conversation.id,
    target: props.target,
    dueAt: props.dueAt,
  });
  const keys = await vapidKeys(db, config.secretKey);
  let retry: Error | null = null;
  for (const subscription of subscriptions) {
    try {
      checkEndpoint(subscription.endpoint, config);
    } catch {
      continue; // stored before a stricter rule, or in another mode: never posted to
    }
    const request = webpush.generateRequestDetails(
      {
        endpoint: subscription.endpoint,
        keys: { p256dh: subscription.p256dh, auth: subscription.auth },
      },
      payload,
      {
        vapidDetails: {
          subject: config.publicUrl,
          publicKey: keys.publicKey,
          privateKey: keys.privateKey,
        },
        TTL: 3600,
        urgency: warning ? 'normal' : 'high',
        topic: `sla-${conversation.id.replace(/-/g, '').slice(-24)}`,
      },
    );
    const response = await fetch(request.endpoint, {
      method: request.method,
      headers: request.headers as Record<string, string>,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => error as Error);
    if (response instanceof Error) {
      retry = response;
      continue;
    }
    if (response.status === 404 || response.status === 410) {
      await db
        .deleteFrom('pushSubscriptions')
        .where('workspaceId', '=', props.workspaceId)
        .where('id', '=', subscription.id)
        .execute();
    } else if (response.status === 429 || response.status >= 500) {
      retry = new Error(`push service answered ${String(response.status)}`);
    } else if (response.status < 300) {
      await db
        .updateTable('pushSubscriptions')
        .set({ lastSentAt: new Date() })
        .where('workspaceId', '=', props.workspaceId)
        .where('id', '=', subscription.id)
        .execute();
    }
  }
  // Browsers that got it may get it again on the retry; push notices with a topic replace
  // each other on the device, so that shows once.
  if (retry) throw retry;
}

export function pushJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...pushSendJob,
      handler: (payload) => sendPush(services, payload),
    }),
  ];
}
