import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_conversations.js';
import * as m0003 from './0003_search.js';
import * as m0004 from './0004_idempotency.js';
import * as m0005 from './0005_links.js';
import * as m0006 from './0006_fields_views_inbox.js';
import * as m0008 from './0008_portal.js';
import * as m0009 from './0009_contacts.js';
import * as m0010 from './0010_contact_search.js';
import * as m0011 from './0011_email.js';
import * as m0013 from './0013_imap.js';
import * as m0014 from './0014_worker_heartbeats.js';
import * as m0015 from './0015_bounces.js';
import * as m0016 from './0016_notifications.js';
import * as m0017 from './0017_teams.js';
import * as m0018 from './0018_routing.js';
import * as m0019 from './0019_routing_queue.js';
import * as m0020 from './0020_sla.js';
import * as m0021 from './0021_sla_alerts.js';
import * as m0022 from './0022_push.js';
import * as m0023 from './0023_realtime_presence.js';
import * as m0024 from './0024_widget.js';
import * as m0025 from './0025_notification_centre.js';
import * as m0026 from './0026_canned_responses.js';
import * as m0027 from './0027_account.js';
import * as m0029 from './0029_outbox_broadcast_lane.js';
import * as m0030 from './0030_two_factor.js';
import * as m0031 from './0031_outbox_queue_upkeep.js';

/** Every migration, in order. A new one is a new file added here; applied ones never change. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_conversations': m0002,
  '0003_search': m0003,
  '0004_idempotency': m0004,
  '0005_links': m0005,
  '0006_fields_views_inbox': m0006,
  '0008_portal': m0008,
  '0009_contacts': m0009,
  '0010_contact_search': m0010,
  '0011_email': m0011,
  '0013_imap': m0013,
  '0014_worker_heartbeats': m0014,
  '0015_bounces': m0015,
  '0016_notifications': m0016,
  '0017_teams': m0017,
  '0018_routing': m0018,
  '0019_routing_queue': m0019,
  '0020_sla': m0020,
  '0021_sla_alerts': m0021,
  '0022_push': m0022,
  '0023_realtime_presence': m0023,
  '0024_widget': m0024,
  '0025_notification_centre': m0025,
  '0026_canned_responses': m0026,
  '0027_account': m0027,
  '0029_outbox_broadcast_lane': m0029,
  '0030_two_factor': m0030,
  '0031_outbox_queue_upkeep': m0031,
};
