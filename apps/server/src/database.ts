import type { Kysely, Transaction } from 'kysely';
import type { AuthTables } from './modules/auth/auth.tables.js';
import type { WorkspaceTables } from './modules/workspaces/workspaces.tables.js';
import type { PlatformTables } from './platform/outbox.js';
import type { ContactTables } from './modules/contacts/contacts.tables.js';
import type { FieldTables } from './modules/fields/fields.tables.js';
import type { ViewTables } from './modules/views/views.tables.js';
import type { ConversationTables } from './modules/conversations/conversations.tables.js';
import type { EmailTables } from './modules/email/email.tables.js';
import type { PortalTables } from './modules/portal/portal.tables.js';
import type { TeamTables } from './modules/teams/teams.tables.js';
import type { AvailabilityTables } from './modules/availability/availability.tables.js';
import type { RoutingTables } from './modules/routing/routing.tables.js';
import type { WidgetTables } from './modules/widget/widget.tables.js';
import type { NotificationTables } from './modules/notifications/notifications.tables.js';
import type { CannedTables } from './modules/canned/canned.tables.js';
import type { SlaTables } from './modules/sla/sla.tables.js';
import type { PushTables } from './modules/notifications/push.tables.js';

/** The whole schema as Kysely sees it: each module contributes its own tables. */
export type Database = PlatformTables &
  WorkspaceTables &
  AuthTables &
  ContactTables &
  ConversationTables &
  FieldTables &
  ViewTables &
  PortalTables &
  EmailTables &
  TeamTables &
  AvailabilityTables &
  RoutingTables &
  WidgetTables &
  NotificationTables &
  CannedTables &
  SlaTables &
  PushTables;

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
