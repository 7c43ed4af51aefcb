import type {
  Absence,
  AbsenceCreateBody,
  AbsenceUpdateBody,
  AcknowledgementTemplate,
  Agent,
  AgentCapacityBody,
  AgentSkillsBody,
  CalendarClosedDays,
  CalendarCreateBody,
  CalendarUpdateBody,
  Schedule,
  SlaPolicy,
  SlaPolicyCreateBody,
  SlaPolicyUpdateBody,
  RoutingRule,
  RoutingRuleCreateBody,
  RoutingRuleUpdateBody,
  Calendar,
  AcknowledgementTemplateBody,
  CannedResponse,
  CannedResponseCreateBody,
  CannedResponseUpdateBody,
  Conversation,
  CustomField,
  CustomFieldCreateBody,
  CustomFieldUpdateBody,
  Invitation,
  InvitationCreateBody,
  InvitationCreated,
  Locale,
  Mailbox,
  MailboxCreateBody,
  MailboxUpdateBody,
  Skill,
  SkillCreateBody,
  SkillUpdateBody,
  Team,
  TeamCreateBody,
  TeamDetail,
  TeamUpdateBody,
  User,
  UserUpdateBody,
  WidgetSettings,
  WidgetSettingsUpdate,
  Workspace,
  WorkspaceUpdateBody,
} from '@parley/contract';
import { allPages, query, request, type Page } from '../api.js';

/** The administration endpoints the settings screens use (loaded with them, not at first load). */
export const settingsApi = {
  workspace: () => request<Workspace>('GET', '/workspace'),
  updateWorkspace: (body: WorkspaceUpdateBody) => request<Workspace>('PATCH', '/workspace', body),

  /** Everyone in the workspace, by name (for pickers). */
  users: () => allPages<User>('/users', { sort: 'name' }),
  /** People by name, page by page, optionally those whose name or email contains `q`. */
  people: (params: { q: string; cursor: string | undefined; limit: number }) =>
    request<Page<User>>('GET', `/users${query({ ...params, sort: 'name' })}`),
  updateUser: (id: string, body: UserUpdateBody) => request<User>('PATCH', `/users/${id}`, body),
  resetTwoFactor: (id: string) => request<undefined>('DELETE', `/users/${id}/two-factor`),
  invitations: () => request<{ data: Invitation[] }>('GET', '/invitations'),
  invite: (body: InvitationCreateBody) => request<InvitationCreated>('POST', '/invitations', body),
  revokeInvitation: (id: string) => request<undefined>('DELETE', `/invitations/${id}`),

  teams: () => request<{ data: Team[] }>('GET', '/teams'),
  team: (id: string) => request<TeamDetail>('GET', `/teams/${id}`),
  createTeam: (body: TeamCreateBody) => request<TeamDetail>('POST', '/teams', body),
  updateTeam: (id: string, body: TeamUpdateBody) =>
    request<TeamDetail>('PATCH', `/teams/${id}`, body),
  deleteTeam: (id: string) => request<undefined>('DELETE', `/teams/${id}`),
  addMember: (id: string, userId: string, lead: boolean) =>
    request<TeamDetail>('POST', `/teams/${id}/members`, { userId, lead }),
  removeMember: (id: string, userId: string) =>
    request<undefined>('DELETE', `/teams/${id}/members/${userId}`),

  calendars: () => request<{ data: Calendar[] }>('GET', '/calendars'),
  createCalendar: (body: CalendarCreateBody) => request<Calendar>('POST', '/calendars', body),
  updateCalendar: (id: string, body: CalendarUpdateBody) =>
    request<Calendar>('PATCH', `/calendars/${id}`, body),
  deleteCalendar: (id: string) => request<undefined>('DELETE', `/calendars/${id}`),
  closedDays: (id: string, year: number) =>
    request<CalendarClosedDays>('GET', `/calendars/${id}/closed-days?year=${year}`),

  policies: () => request<{ data: SlaPolicy[] }>('GET', '/sla/policies'),
  createPolicy: (body: SlaPolicyCreateBody) => request<SlaPolicy>('POST', '/sla/policies', body),
  updatePolicy: (id: string, body: SlaPolicyUpdateBody) =>
    request<SlaPolicy>('PATCH', `/sla/policies/${id}`, body),
  deletePolicy: (id: string) => request<undefined>('DELETE', `/sla/policies/${id}`),

  agent: (id: string) => request<Agent>('GET', `/agents/${id}`),
  setSchedule: (id: string, body: Schedule) =>
    request<Agent>('PUT', `/agents/${id}/schedule`, body),
  clearSchedule: (id: string) => request<Agent>('DELETE', `/agents/${id}/schedule`),
  setCapacity: (id: string, body: AgentCapacityBody) =>
    request<Agent>('PUT', `/agents/${id}/capacity`, body),
  setAgentSkills: (id: string, body: AgentSkillsBody) =>
    request<Agent>('PUT', `/agents/${id}/skills`, body),
  /** Someone's absences that have not ended yet (the soonest first). */
  absences: (userId: string) =>
    request<Page<Absence>>(
      'GET',
      `/absences?userId=${userId}&from=${encodeURIComponent(new Date().toISOString())}&limit=100`,
    ),
  createAbsence: (body: AbsenceCreateBody) => request<Absence>('POST', '/absences', body),
  updateAbsence: (id: string, body: AbsenceUpdateBody) =>
    request<Absence>('PATCH', `/absences/${id}`, body),
  deleteAbsence: (id: string) => request<undefined>('DELETE', `/absences/${id}`),

  skills: () => request<{ data: Skill[] }>('GET', '/skills'),
  createSkill: (body: SkillCreateBody) => request<Skill>('POST', '/skills', body),
  updateSkill: (id: string, body: SkillUpdateBody) =>
    request<Skill>('PATCH', `/skills/${id}`, body),
  deleteSkill: (id: string) => request<undefined>('DELETE', `/skills/${id}`),

  mailboxes: () => request<{ data: Mailbox[] }>('GET', '/mailboxes'),
  createMailbox: (body: MailboxCreateBody) => request<Mailbox>('POST', '/mailboxes', body),
  updateMailbox: (id: string, body: MailboxUpdateBody) =>
    request<Mailbox>('PATCH', `/mailboxes/${id}`, body),
  deleteMailbox: (id: string) => request<undefined>('DELETE', `/mailboxes/${id}`),

  canned: () => request<{ data: CannedResponse[] }>('GET', '/canned-responses'),
  createCanned: (body: CannedResponseCreateBody) =>
    request<CannedResponse>('POST', '/canned-responses', body),
  updateCanned: (id: string, body: CannedResponseUpdateBody) =>
    request<CannedResponse>('PATCH', `/canned-responses/${id}`, body),
  deleteCanned: (id: string) => request<undefined>('DELETE', `/canned-responses/${id}`),
  renderCanned: (id: string, conversationId: string) =>
    request<{ text: string }>('POST', `/canned-responses/${id}/render`, { conversationId }),
  latestConversation: () => request<Page<Conversation>>('GET', '/conversations?limit=1'),

  acknowledgements: () =>
    request<{ data: AcknowledgementTemplate[] }>('GET', '/workspace/acknowledgement-templates'),
  saveAcknowledgement: (locale: Locale, body: AcknowledgementTemplateBody) =>
    request<AcknowledgementTemplate>('PUT', `/workspace/acknowledgement-templates/${locale}`, body),
  resetAcknowledgement: (locale: Locale) =>
    request<undefined>('DELETE', `/workspace/acknowledgement-templates/${locale}`),

  fields: () => request<{ data: CustomField[] }>('GET', '/custom-fields'),
  createField: (body: CustomFieldCreateBody) =>
    request<CustomField>('POST', '/custom-fields', body),
  updateField: (id: string, body: CustomFieldUpdateBody) =>
    request<CustomField>('PATCH', `/custom-fields/${id}`, body),
  deleteField: (id: string) => request<undefined>('DELETE', `/custom-fields/${id}`),

  widget: () => request<WidgetSettings>('GET', '/widget-settings'),
  updateWidget: (body: WidgetSettingsUpdate) =>
    request<WidgetSettings>('PATCH', '/widget-settings', body),
  rotateWidgetSecret: () => request<{ secret: string }>('POST', '/widget-settings/identity-secret'),

  rules: () => request<{ data: RoutingRule[] }>('GET', '/routing-rules'),
  createRule: (body: RoutingRuleCreateBody) => request<RoutingRule>('POST', '/routing-rules', body),
  updateRule: (id: string, body: RoutingRuleUpdateBody) =>
    request<RoutingRule>('PATCH', `/routing-rules/${id}`, body),
  deleteRule: (id: string) => request<undefined>('DELETE', `/routing-rules/${id}`),
};
