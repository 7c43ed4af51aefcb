import type { Services } from '../context.js';
import type { JobDefinition } from '../platform/jobs.js';
import { outboxJobs } from './maintenance/maintenance.jobs.js';
import { availabilityJobs } from './availability/availability.jobs.js';
import { routingJobs, routingSubscribers } from './routing/routing.jobs.js';
import { realtimeJobs } from './realtime/presence.js';
import { notificationSubscribers } from './notifications/notifications.service.js';
import { slaJobs, slaSubscribers } from './sla/sla.jobs.js';
import { pushJobs, pushSubscribers } from './notifications/push.job.js';
import { portalJobs } from './portal/portal.jobs.js';
import { emailJobs } from './email/process.job.js';
import { imapJobs } from './email/imap.poll.js';
import { emailOutboundSubscriber, sendJobs } from './email/send.job.js';
import { notifyJobs, notifySubscribers } from './email/notify.job.js';
import { systemMailJobs, systemMailSubscribers } from './email/system.job.js';
import {
  acknowledgementJobs,
  acknowledgementSubscriber,
} from './conversations/acknowledgements.js';

/** Each module's background jobs (given the running services). */
export const moduleJobs: ((services: Services) => JobDefinition[])[] = [
  outboxJobs,
  acknowledgementJobs,
  portalJobs,
  emailJobs,
  imapJobs,
  sendJobs,
  notifyJobs,
  systemMailJobs,
  availabilityJobs,
  routingJobs,
  realtimeJobs,
  slaJobs,
  pushJobs,
];

/** Each module's domain-event subscribers, registered on the outbox dispatcher. */
export const moduleSubscribers: ((services: Services) => void)[] = [
  acknowledgementSubscriber,
  emailOutboundSubscriber,
  notifySubscribers,
  systemMailSubscribers,
  routingSubscribers,
  notificationSubscribers,
  slaSubscribers,
  pushSubscribers,
];
