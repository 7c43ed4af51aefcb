import { Type } from '@sinclair/typebox';
import type { DeliveryContext } from '../../platform/outbox.js';
import type { SendMailOptions } from 'nodemailer';
import type { Services } from '../../context.js';
import { defineJob, type JobContext, type JobDefinition } from '../../platform/jobs.js';
import { chooseLocale, render } from '../conversations/acknowledgements.js';
import { deliverOrRetry, mailboxFor, reportUnroutable, routeFor } from './mailer.js';
import { notificationPreferences } from '../workspaces/workspaces.presenters.js';
import { notificationTexts } from './notify.templates.js';
import { messageIdDomain, textToHtml } from './outbound.js';
import { passwordResetJobs } from './password-reset.job.js';

const SystemMail = Type.Object({
  workspaceId: Type.String(),
  eventId: Type.Integer(),
  /** The recipient, for events addressed to several users (a team's leads). */
  userId: Type.Optional(Type.String()),
});

export const systemMailJob = { name: 'email.system', payload: SystemMail, maxAttempts: 8 };

/**
 * Mail that events carry but that is not a conversation message: a customer's portal access
 * code (`portal.access_requested`, channel email) and workspace invitations
 * (`invitation.created`). The job reads the event itself, so the secret it holds (code,
 * link, accept token) is never copied into the job queue.
 */
export function systemMailSubscribers(services: Services): void {
  const queue = (event: { id: number; workspaceId: string }, context: DeliveryContext) => {
    context.enqueue(
      systemMailJob,
      { workspaceId: event.workspaceId, eventId: event.id },
      { jobKey: `email-system:${String(event.id)}` },
    );
  };
  services.outbox.subscribe('portal.access_requested', 'email-portal-access', (event, context) => {
    if ((event.data as { channel?: string }).channel === 'email') queue(event, context);
  });
  services.outbox.subscribe('invitation.created', 'email-invitation', queue);
  // A team's staffing below its SLA goal: each lead, with the numbers.
  services.outbox.subscribe('team.sla_staffing_alert', 'email-staffing-alert', (event, context) => {
    for (const userId of (event.data as { leadIds?: string[] }).leadIds ?? [])
      context.enqueue(
        systemMailJob,
        { workspaceId: event.workspaceId, eventId: event.id, userId },
        { jobKey: `email-system:${String(event.id)}:${userId}` },
      );
  });
}

interface StaffingData {
  inputs: {
    queued: number;
    availableAgents: number;
    handlingSeconds: number;
    arrivalsPerHour: number;
  };
  staffing: { targetSeconds: number; expectedAttainment: number; goal: number };
}

/** A lead's staffing alert, in their language, if they still want SLA warnings by email. */
async function staffingMail(
  services: Services,
  event: { workspaceId: string; aggregateId: string; data: unknown },
  userId: string,
): Promise<SendMailOptions | null> {
  const user = await services.db
    .selectFrom('users')
    .select(['email', 'name', 'status', 'locale', 'notificationPreferences'])
    .where('workspaceId', '=', event.workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (user?.status !== 'active') return null;
  if (!notificationPreferences(user.notificationPreferences).email.slaWarning) return null;
  const team = await services.db
    .selectFrom('teams')
    .select('name')
    .where('workspaceId', '=', event.workspaceId)
    .where('id', '=', event.aggregateId)
    .executeTakeFirst();
  if (!team) return null;
  const locale = chooseLocale(user.locale);
  const texts = notificationTexts[locale];
  const data = event.data as StaffingData;
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const values = {
    team: team.name,
    agents: number.format(data.inputs.availableAgents),
    queued: number.format(data.inputs.queued),
    arrivals: number.format(data.inputs.arrivalsPerHour),
    handling: number.format(data.inputs.handlingSeconds / 60),
    target: number.format(data.staffing.targetSeconds / 60),
    attainment: percent.format(data.staffing.expectedAttainment),
    goal: percent.format(data.staffing.goal),
    link: `${services.config.publicUrl}/api/v1/teams/${event.aggregateId}/sla-forecast`,
  };
  const text = render(texts.staffingBody, values);
  return {
    to: { name: user.name, address: user.email },
    subject: render(texts.staffingSubject, values).replace(/[\r\n]+/g, ' '),
    text,
    html: `<div dir="auto">${textToHtml(text)}</div>`,
  };
}

interface PortalAccessData {
  challengeId: string;
  conversationId: string;
  recipient: { kind: string; value: string };
  subject: string;
  text: string;
}

interface InvitationData {
  email: string;
  role: string;
  invitedBy: string | null;
  token: string;
}

/** The mail an event asks for, or null when it no longer applies (used, expired, gone). */
async function mailFor(
  services: Services,
  event: { workspaceId: string; aggregateId: string; type: string; data: unknown },
): Promise<{ conversationId: string | null; mail: SendMailOptions } | null> {
  const { db } = services;
  const now = new Date();
  if (event.type === 'portal.access_requested') {
    const data = event.data as PortalAccessData;
    const live = await db
      .selectFrom('portalChallenges')
      .select('id')
      .where('workspaceId', '=', event.workspaceId)
      .where('id', '=', data.challengeId)
      .where('consumedAt', 'is', null)
      .where('expiresAt', '>', now)
      .executeTakeFirst();
    if (!live) return null;
    return {
      conversationId: data.conversationId,
      mail: {
        to: data.recipient.value,
        subject: data.subject,
        text: data.text,
        html: `<div dir="auto">${textToHtml(data.text)}</div>`,
      },
    };
  }
  const data = event.data as InvitationData;
  const invitation = await db
    .selectFrom('invitations as i')
    .innerJoin('workspaces as w', 'w.id', 'i.workspaceId')
    .leftJoin('users as u', (j) =>
      j.onRef('u.workspaceId', '=', 'i.workspaceId').onRef('u.id', '=', 'i.invitedBy'),
    )
    .select(['i.expiresAt', 'w.name as workspace', 'w.defaultLocale', 'u.name as inviter'])
    .where('i.workspaceId', '=', event.workspaceId)
    .where('i.id', '=', event.aggregateId)
    .where('i.acceptedAt', 'is', null)
    .where('i.expiresAt', '>', now)
    .executeTakeFirst();
  if (!invitation) return null;
  const texts = notificationTexts[chooseLocale(invitation.defaultLocale)];
  const values = {
    inviter: invitation.inviter ?? invitation.workspace,
    workspace: invitation.workspace,
    role: data.role,
    link: `${services.config.publicUrl}/app/invitations/accept#token=${data.token}`,
    expires: `${invitation.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  };
  const text = render(texts.invitationBody, values);
  return {
    conversationId: null,
    mail: {
      to: data.email,
      subject: render(texts.invitationSubject, values).replace(/[\r\n]+/g, ' '),
      text,
      html: `<div dir="auto">${textToHtml(text)}</div>`,
    },
  };
}

/** Sends the mail of one event, from the conversation's mailbox or the workspace's first. */
export async function sendSystemMail(
  services: Services,
  props: { workspaceId: string; eventId: number; userId?: string },
  context: JobContext,
): Promise<void> {
  const event = await services.db
    .selectFrom('outboxEvents')
    .select(['workspaceId', 'aggregateId', 'type', 'data'])
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', props.eventId)
    .executeTakeFirst();
  if (!event) return; // pruned: a week past dispatch, long after its link expired
  const built =
    event.type === 'team.sla_staffing_alert'
      ? props.userId
        ? await staffingMail(services, event, props.userId).then((mail) =>
            mail ? { conversationId: null, mail } : null,
          )
        : null
      : await mailFor(services, event);
  if (!built) return;
  const mailbox = await mailboxFor(services.db, props.workspaceId, built.conversationId);
  const route = mailbox ? routeFor(services, mailbox) : { problem: 'the workspace has no mailbox' };
  if (!mailbox || route.problem !== undefined) {
    reportUnroutable(
      context.log,
      props.workspaceId,
      { job: systemMailJob.name, type: event.type, problem: route.problem },
      'mail not sent',
    );
    return;
  }
  const workspace = await services.db
    .selectFrom('workspaces')
    .select('name')
    .where('id', '=', props.workspaceId)
    .executeTakeFirstOrThrow();
  await deliverOrRetry(services.mailers, context, systemMailJob, route, {
    ...built.mail,
    from: { name: mailbox.displayName ?? workspace.name, address: mailbox.address },
    messageId: `<system.${String(props.eventId)}${props.userId ? `.${props.userId}` : ''}@${messageIdDomain(mailbox.address)}>`,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  });
}

export function systemMailJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...systemMailJob,
      handler: (payload, context) => sendSystemMail(services, payload, context),
    }),
    // Password reset links (auth/password-reset.service.ts): system mail too.
    ...passwordResetJobs(services),
  ];
}
