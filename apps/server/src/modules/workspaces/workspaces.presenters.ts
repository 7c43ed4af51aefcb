import type { Locale, NotificationPreferences, User, Workspace } from '@parley/contract';
import type { Selectable } from 'kysely';
import type { UsersTable, WorkspacesTable } from './workspaces.tables.js';

export function presentWorkspace(row: Selectable<WorkspacesTable>): Workspace {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    defaultLocale: row.defaultLocale as Locale,
    timeZone: row.timeZone,
    ticketPrefix: row.ticketPrefix,
    reopenWindowDays: row.reopenWindowDays,
    acknowledgementsEnabled: row.acknowledgementsEnabled,
    createdAt: row.createdAt.toISOString(),
  };
}

export function presentUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.status,
    locale: row.locale as Locale,
    timeZone: row.timeZone,
    notificationPreferences: notificationPreferences(row.notificationPreferences),
    signature: row.signature,
    avatarUrl: row.avatarKey
      ? `/api/v1/users/${row.id}/avatar?v=${row.avatarKey.slice(0, 12)}`
      : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A user's stored preferences over the defaults (every notification on). */
export function notificationPreferences(stored: unknown): NotificationPreferences {
  const email = (stored as { email?: Record<string, unknown> } | null)?.email ?? {};
  const push = (stored as { push?: Record<string, unknown> } | null)?.push ?? {};
  return {
    email: {
      assigned: email.assigned !== false,
      customerReplied: email.customerReplied !== false,
      escalated: email.escalated !== false,
      slaWarning: email.slaWarning !== false,
      slaBreached: email.slaBreached !== false,
    },
    push: {
      slaWarning: push.slaWarning !== false,
      slaBreached: push.slaBreached !== false,
    },
  };
}
