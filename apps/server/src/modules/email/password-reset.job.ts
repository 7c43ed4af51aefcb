import type { Services } from '../../context.js';
import { defineJob, type JobContext } from '../../platform/jobs.js';
import { chooseLocale, render } from '../conversations/acknowledgements.js';
import {
  createResetLinks,
  passwordResetJob,
  RESET_MINUTES,
} from '../auth/password-reset.service.js';
import { deliverOrRetry, mailboxFor, reportUnroutable, routeFor } from './mailer.js';
import { notificationTexts } from './notify.templates.js';
import { messageIdDomain, textToHtml } from './outbound.js';

/**
 * The reset link of each account the address belongs to, in the user's language, from the
 * workspace's first mailbox (like invitations). The job is the only place that learns
 * whether the address exists; the link's secret lives in the mail alone.
 */
export async function sendPasswordResets(
  services: Services,
  payload: { requestId: string; email: string; workspace?: string },
  context: JobContext,
): Promise<void> {
  const links = await createResetLinks(services, payload);
  for (const { user, token } of links) {
    const mailbox = await mailboxFor(services.db, user.workspaceId, null);
    const route = mailbox
      ? routeFor(services, mailbox)
      : { problem: 'the workspace has no mailbox' };
    if (!mailbox || route.problem !== undefined) {
      reportUnroutable(
        context.log,
        user.workspaceId,
        { job: passwordResetJob.name, problem: route.problem },
        'password reset mail not sent',
      );
      continue;
    }
    const texts = notificationTexts[chooseLocale(user.locale)];
    const values = {
      name: user.name,
      workspace: user.workspaceName,
      link: `${services.config.publicUrl}/app/reset-password?token=${encodeURIComponent(token)}`,
      minutes: String(RESET_MINUTES),
    };
    const text = render(texts.passwordResetBody, values);
    await deliverOrRetry(services.mailers, context, passwordResetJob, route, {
      from: { name: mailbox.displayName ?? user.workspaceName, address: mailbox.address },
      to: { name: user.name, address: user.email },
      subject: render(texts.passwordResetSubject, values).replace(/[\r\n]+/g, ' '),
      text,
      html: `<div dir="auto">${textToHtml(text)}</div>`,
      messageId: `<reset.${payload.requestId}.${user.id}@${messageIdDomain(mailbox.address)}>`,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    });
  }
}

export function passwordResetJobs(services: Services) {
  return [
    defineJob({
      ...passwordResetJob,
      handler: (payload, context) => sendPasswordResets(services, payload, context),
    }),
  ];
}
