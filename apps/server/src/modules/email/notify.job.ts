import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { defineJob, type JobContext, type JobDefinition } from '../../platform/jobs.js';
import type { DomainEvent, DeliveryContext } from '../../platform/outbox.js';
import { customerReplyOf } from '../notifications/notifications.service.js';
import { slaNoticeOf } from '../sla/notice.js';
import { chooseLocale, render } from '../conversations/acknowledgements.js';
import { notificationPreferences } from '../workspaces/workspaces.presenters.js';
import { deliverOrRetry, mailboxFor, reportUnroutable, routeFor } from './mailer.js';
import { notificationTexts } from './notify.templates.js';
import { escapeHtml, messageIdDomain, numberTag, textToHtml } from './outbound.js';
import { replyAddress } from './reply-address.js';

const NotifyAgent = Type.Object({
  workspaceId: Type.String(),
  /** The outbox event it answers: with the user, it names the mail (its Message-ID). */
  eventId: Type.Integer(),
  kind: Type.Union([
    Type.Literal('assigned'),
    Type.Literal('customerReplied'),
    Type.Literal('escalated'),
    Type.Literal('slaWarning'),
    Type.Literal('slaBreached'),
  ]),
  conversationId: Type.String(),
  userId: Type.String(),
  /** Who assigned or escalated (assigned, escalated) or the customer's message (customerReplied). */
  actorId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  messageId: Type.Optional(Type.String()),
  /** SLA notices: which target, when it is (was) due, under which policy. */
  sla: Type.Optional(
    Type.Object({
      target: Type.Union([
        Type.Literal('firstResponse'),
        Type.Literal('nextResponse'),
        Type.Literal('resolution'),
      ]),
      dueAt: Type.Union([Type.String(), Type.Null()]),
      policyName: Type.String(),
    }),
  ),
});

export const notifyAgentJob = { name: 'email.notify', payload: NotifyAgent, maxAttempts: 8 };

/**
 * Agent notifications by email: a conversation assigned to someone (by someone else), a
 * customer's reply on a conversation that has an assignee, and a conversation escalated to
 * a team (to its leads, not the one who escalated). The subscribers only queue; the job
 * decides (preferences, the user still active and still the assignee, or still a lead of
 * the conversation's team) and sends.
 */
export function notifySubscribers(services: Services): void {
  services.outbox.subscribe('conversation.updated', 'email-notify-assigned', (event, context) => {
    const data = event.data as { changes?: { assigneeId?: unknown }; actorId?: unknown };
    const assigneeId = data.changes?.assigneeId;
    if (typeof assigneeId !== 'string' || assigneeId === data.actorId) return;
    context.enqueue(
      notifyAgentJob,
      {
        workspaceId: event.workspaceId,
        eventId: event.id,
        kind: 'assigned',
        conversationId: event.aggregateId,
        userId: assigneeId,
        actorId: typeof data.actorId === 'string' ? data.actorId : null,
      },
      { jobKey: `email-notify:${String(event.id)}` },
    );
  });
  services.outbox.subscribe(
    'conversation.escalated',
    'email-notify-escalated',
    (event, context) => {
      const data = event.data as { leadIds?: unknown; actorId?: unknown };
      const leads = Array.isArray(data.leadIds)
        ? data.leadIds.filter((id): id is string => typeof id === 'string' && id !== data.actorId)
        : [];
      for (const userId of leads)
        context.enqueue(
          notifyAgentJob,
          {
            workspaceId: event.workspaceId,
            eventId: event.id,
            kind: 'escalated',
            conversationId: event.aggregateId,
            userId,
            actorId: typeof data.actorId === 'string' ? data.actorId : null,
          },
          { jobKey: `email-notify:${String(event.id)}:${userId}` },
        );
    },
  );
  services.outbox.subscribe('message.created', 'email-notify-replied', async (event, context) => {
    const reply = await customerReplyOf(services.db, event);
    if (!reply) return;
    context.enqueue(
      notifyAgentJob,
      {
        workspaceId: event.workspaceId,
        eventId: event.id,
        kind: 'customerReplied',
        conversationId: event.aggregateId,
        userId: reply.assigneeId,
        messageId: reply.messageId,
      },
      { jobKey: `email-notify:${String(event.id)}` },
    );
  });

  // SLA warnings and breaches: the assignee and the team's leads (the event names them).
  const slaNotice =
    (kind: 'slaWarning' | 'slaBreached') => (event: DomainEvent, context: DeliveryContext) => {
      const notice = slaNoticeOf(event);
      if (!notice) return;
      for (const userId of notice.users)
        context.enqueue(
          notifyAgentJob,
          {
            workspaceId: event.workspaceId,
            eventId: event.id,
            kind,
            conversationId: event.aggregateId,
            userId,
            sla: { target: notice.target, dueAt: notice.dueAt, policyName: notice.policyName },
          },
          { jobKey: `email-notify:${String(event.id)}:${userId}` },
        );
    };
  services.outbox.subscribe(
    'conversation.sla_warning',
    'email-notify-sla',
    slaNotice('slaWarning'),
  );
  services.outbox.subscribe(
    'conversation.sla_breached',
    'email-notify-sla',
    slaNotice('slaBreached'),
  );
  // A predicted breach (the queue outgrows the agents): the leads hear it as a warning.
  services.outbox.subscribe(
    'conversation.sla_at_risk',
    'email-notify-sla',
    slaNotice('slaWarning'),
  );
}

type NotifyPayload = typeof NotifyAgent.static;

/** Sends one notification, or does nothing when it no longer applies. */
export async function notifyAgent(
  services: Services,
  props: NotifyPayload,
  context: JobContext,
): Promise<void> {
  const { db, config } = services;
  const { workspaceId } = props;
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'status', 'locale', 'timeZone', 'notificationPreferences'])
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', props.userId)
    .executeTakeFirst();
  if (user?.status !== 'active') return;
  if (!notificationPreferences(user.notificationPreferences).email[props.kind]) return;
  const conversation = await db
    .selectFrom('conversations as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspaceId')
    .select([
      'c.id',
      'c.number',
      'c.subject',
      'c.assigneeId',
      'c.teamId',
      'c.contactName',
      'c.contactEmail',
      'c.contactPhone',
      'w.ticketPrefix',
      'w.name as workspaceName',
    ])
    .where('c.workspaceId', '=', workspaceId)
    .where('c.id', '=', props.conversationId)
    .executeTakeFirst();
  if (!conversation) return;
  let team: { name: string } | undefined;
  const sla = props.kind === 'slaWarning' || props.kind === 'slaBreached' ? props.sla : undefined;
  if (props.kind === 'escalated') {
    // Escalated on since, or they no longer lead the team: the current leads are told.
    team = conversation.teamId
      ? await db
          .selectFrom('teams as t')
          .innerJoin('teamMembers as m', (j) =>
            j.onRef('m.workspaceId', '=', 't.workspaceId').onRef('m.teamId', '=', 't.id'),
          )
          .select('t.name')
          .where('t.workspaceId', '=', workspaceId)
          .where('t.id', '=', conversation.teamId)
          .where('m.userId', '=', user.id)
          .where('m.lead', '=', true)
          .executeTakeFirst()
      : undefined;
    if (!team) return;
  }
  // Reassigned (or unassigned) before this ran: the new assignee gets their own mail. SLA
  // notices go to team leads as well, and stand whoever holds the conversation now.
  else if (!sla && conversation.assigneeId !== user.id) return;

  let messageQuery = db
    .selectFrom('messages')
    .select('text')
    .where('workspaceId', '=', workspaceId)
    .where('conversationId', '=', conversation.id);
  messageQuery = props.messageId
    ? messageQuery.where('id', '=', props.messageId)
    : messageQuery.where('kind', '=', 'inbound').orderBy('seq', 'desc').limit(1);
  const message = await messageQuery.executeTakeFirst();
  const actor = props.actorId
    ? await db
        .selectFrom('users')
        .select('name')
        .where('workspaceId', '=', workspaceId)
        .where('id', '=', props.actorId)
        .executeTakeFirst()
    : undefined;

  const mailbox = await mailboxFor(db, workspaceId, conversation.id);
  const route = mailbox ? routeFor(services, mailbox) : { problem: 'the workspace has no mailbox' };
  if (!mailbox || route.problem !== undefined) {
    reportUnroutable(
      context.log,
      workspaceId,
      { job: notifyAgentJob.name, problem: route.problem },
      'notification not sent',
    );
    return;
  }

  const texts = notificationTexts[chooseLocale(user.locale)];
  const tag = numberTag(conversation.ticketPrefix, conversation.number);
  const subject = conversation.subject.trim() || '—';
  const customerName = conversation.contactName ?? '';
  const customerAddress = conversation.contactEmail ?? conversation.contactPhone ?? '';
  const customer = customerName
    ? `${customerName}${customerAddress ? ` <${customerAddress}>` : ''}`
    : customerAddress || '—';
  const values = {
    tag,
    subject,
    customer: customerName || customerAddress || '—',
    actor: actor?.name ?? conversation.workspaceName,
    team: team?.name ?? '',
  };
  const slaValues = sla
    ? {
        ...values,
        target: texts.targets[sla.target],
        policy: sla.policyName,
        due: sla.dueAt
          ? new Intl.DateTimeFormat(chooseLocale(user.locale), {
              dateStyle: 'medium',
              timeStyle: 'short',
              timeZone: user.timeZone,
            }).format(new Date(sla.dueAt))
          : '—',
      }
    : values;
  const templates = sla
    ? props.kind === 'slaWarning'
      ? { intro: texts.slaWarningIntro, subject: texts.slaWarningSubject }
      : { intro: texts.slaBreachedIntro, subject: texts.slaBreachedSubject }
    : props.kind === 'escalated'
      ? { intro: texts.escalatedIntro, subject: texts.escalatedSubject }
      : props.kind === 'assigned'
        ? { intro: texts.assignedIntro, subject: texts.assignedSubject }
        : { intro: texts.repliedIntro, subject: texts.repliedSubject };
  const intro = render(templates.intro, slaValues);
  const link = `${config.publicUrl}/app/conversations/${conversation.id}`;
  const quoted = sla ? '' : (message?.text.trim() ?? '');
  const text = [
    intro,
    '',
    `${texts.subject}: ${subject}`,
    `${texts.customer}: ${customer}`,
    ...(quoted ? ['', quoted] : []),
    '',
    `${texts.open}: ${link}`,
    '',
    texts.replyHint,
    '',
  ].join('\n');
  const html = [
    `<div dir="auto">`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p><b>${escapeHtml(texts.subject)}:</b> ${escapeHtml(subject)}<br>`,
    `<b>${escapeHtml(texts.customer)}:</b> ${escapeHtml(customer)}</p>`,
    quoted
      ? `<blockquote style="margin:0 0 1em;padding-left:1em;border-left:3px solid #ccc">${textToHtml(quoted)}</blockquote>`
      : '',
    `<p><a href="${escapeHtml(link)}">${escapeHtml(texts.open)}</a></p>`,
    `<p style="color:#666">${escapeHtml(texts.replyHint)}</p>`,
    `</div>`,
  ].join('\n');
  const domain = messageIdDomain(mailbox.address);
  await deliverOrRetry(services.mailers, context, notifyAgentJob, route, {
    from: { name: mailbox.displayName ?? conversation.workspaceName, address: mailbox.address },
    to: { name: user.name, address: user.email },
    replyTo: replyAddress(config.secretKey, {
      workspaceId,
      mailboxAddress: mailbox.address,
      number: conversation.number,
      userId: user.id,
    }),
    subject: render(templates.subject, slaValues).replace(/[\r\n]+/g, ' '),
    text,
    html,
    // The same on every retry, so a mail sent twice (a crash after the server's 250) shows once.
    messageId: `<notify.${String(props.eventId)}.${user.id}@${domain}>`,
    references: [`<conversation.${conversation.id}@${domain}>`],
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  });
}

export function notifyJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...notifyAgentJob,
      handler: (payload, context) => notifyAgent(services, payload, context),
    }),
  ];
}
