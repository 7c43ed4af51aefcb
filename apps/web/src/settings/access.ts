import type { Role } from '@parley/contract';

/** Roles from the least to the most powerful (the server's order). */
const rank: Record<Role, number> = { collaborator: 0, agent: 1, manager: 2, admin: 3, owner: 4 };

export const roleAtLeast = (role: Role, min: Role) => rank[role] >= rank[min];

/** The roles, most powerful first, as pickers list them. */
export const roleOrder: readonly Role[] = ['owner', 'admin', 'manager', 'agent', 'collaborator'];

/**
 * The settings screens in the order of the menu, each with the least role the server lets
 * change it (teams, skills, routing, business hours, SLA policies, agents' availability and
 * shared canned responses are kept by managers; the rest by admins).
 */
export const settingsSections = [
  { id: 'workspace', min: 'admin' },
  { id: 'users', min: 'admin' },
  { id: 'teams', min: 'manager' },
  { id: 'skills', min: 'manager' },
  { id: 'rules', min: 'manager' },
  { id: 'calendars', min: 'manager' },
  { id: 'sla', min: 'manager' },
  { id: 'availability', min: 'manager' },
  { id: 'mailboxes', min: 'admin' },
  { id: 'canned', min: 'manager' },
  { id: 'acknowledgements', min: 'admin' },
  { id: 'fields', min: 'admin' },
  { id: 'widget', min: 'admin' },
] as const satisfies readonly { id: string; min: Role }[];

export type SectionId = (typeof settingsSections)[number]['id'];

export const sectionsFor = (role: Role) => settingsSections.filter((s) => roleAtLeast(role, s.min));

/** Whether the shell shows the way into settings at all (agents and collaborators: no). */
export const canSeeSettings = (role: Role) => sectionsFor(role).length > 0;

/** The roles someone may hand out (invite as, or change to): the server's `canGrant`. */
export function grantableRoles(actor: Role): Role[] {
  return roleOrder.filter((role) =>
    role === 'owner' ? actor === 'owner' : roleAtLeast(actor, 'admin') && roleAtLeast(actor, role),
  );
}

/** Whether `actor` may change another user's role or status (owners only by owners). */
export const canManageUser = (actor: Role, target: Role) =>
  roleAtLeast(actor, 'admin') && (target !== 'owner' || actor === 'owner');

/** Where each section lives (the router's paths). */
export const sectionPaths = {
  workspace: '/settings/workspace',
  users: '/settings/users',
  teams: '/settings/teams',
  skills: '/settings/skills',
  rules: '/settings/routing-rules',
  calendars: '/settings/business-hours',
  sla: '/settings/sla-policies',
  availability: '/settings/availability',
  mailboxes: '/settings/mailboxes',
  canned: '/settings/canned-responses',
  acknowledgements: '/settings/acknowledgements',
  fields: '/settings/custom-fields',
  widget: '/settings/widget',
} as const satisfies Record<SectionId, string>;

/** The queues and the SLA report: managers and above (the server's rule for their endpoints). */
export const canSeeManagerViews = (role: Role) => roleAtLeast(role, 'manager');
