import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { api, ApiError, setCsrfToken } from './api.js';
import { ConversationPane, NoConversation } from './pages/ConversationPane.js';
import { Login } from './pages/Login.js';
import { Shell } from './pages/Shell.js';
import { sectionPaths, sectionsFor } from './settings/access.js';

export const meQuery = {
  queryKey: ['me'],
  queryFn: async () => {
    const me = await api.me();
    setCsrfToken(me.csrfToken);
    return me;
  },
  staleTime: 60_000,
};

const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Outlet,
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  component: Login,
});

/** Without a session, the login page. */
async function requireSession({ context }: { context: { queryClient: QueryClient } }) {
  try {
    await context.queryClient.query(meQuery);
  } catch (error) {
    // TanStack Router's way to redirect from beforeLoad is to throw its redirect object.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (error instanceof ApiError && error.status === 401) throw redirect({ to: '/login' });
    throw error;
  }
}

// The account pages are loaded when first opened: they add nothing to the first load.
const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/forgot-password',
  validateSearch: (search: Record<string, unknown>): { email?: string } =>
    typeof search.email === 'string' ? { email: search.email } : {},
  component: lazyRouteComponent(
    () => import('./pages/account/ForgotPassword.js'),
    'ForgotPassword',
  ),
});

const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  validateSearch: (search: Record<string, unknown>): { token?: string } =>
    typeof search.token === 'string' ? { token: search.token } : {},
  component: lazyRouteComponent(() => import('./pages/account/ResetPassword.js'), 'ResetPassword'),
});

/** The invitation email's link: `/app/invitations/accept#token=…`. */
const acceptInvitationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invitations/accept',
  component: lazyRouteComponent(
    () => import('./pages/account/AcceptInvitation.js'),
    'AcceptInvitation',
  ),
});

const profileRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/profile',
  beforeLoad: requireSession,
  component: lazyRouteComponent(() => import('./pages/Profile.js'), 'Profile'),
});

/** Everything behind sign-in: without a session, the login page (and back here after). */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  validateSearch: (search: Record<string, unknown>): { view?: string; team?: string } => ({
    ...(typeof search.view === 'string' ? { view: search.view } : {}),
    // One team's part of a built-in view (the queues screen links here).
    ...(typeof search.team === 'string' ? { team: search.team } : {}),
  }),
  beforeLoad: requireSession,
  component: Shell,
});

const inboxRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  component: NoConversation,
});

export const conversationRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/conversations/$id',
  component: ConversationPane,
});

/** Settings (managers and admins): every screen is its own chunk, loaded when opened. */
const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/settings',
  beforeLoad: requireSession,
  component: lazyRouteComponent(() => import('./settings/SettingsLayout.js'), 'SettingsLayout'),
});

const settingsIndexRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/',
  beforeLoad: async ({ context }) => {
    // The parent made sure of the session; this is the cached answer.
    const me = await context.queryClient.query(meQuery);
    const first = sectionsFor(me.user.role)[0];
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (first) throw redirect({ to: sectionPaths[first.id] });
  },
  component: lazyRouteComponent(() => import('./settings/SettingsLayout.js'), 'SettingsIndex'),
});

const workspaceSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/workspace',
  component: lazyRouteComponent(
    () => import('./settings/WorkspaceSettings.js'),
    'WorkspaceSettings',
  ),
});
const usersSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/users',
  component: lazyRouteComponent(() => import('./settings/UsersSettings.js'), 'UsersSettings'),
});
const teamsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/teams',
  component: lazyRouteComponent(() => import('./settings/TeamsSettings.js'), 'TeamsSettings'),
});
const skillsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/skills',
  component: lazyRouteComponent(() => import('./settings/SkillsSettings.js'), 'SkillsSettings'),
});

const mailboxesSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/mailboxes',
  component: lazyRouteComponent(
    () => import('./settings/MailboxesSettings.js'),
    'MailboxesSettings',
  ),
});
const cannedSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/canned-responses',
  component: lazyRouteComponent(() => import('./settings/CannedSettings.js'), 'CannedSettings'),
});
const acknowledgementsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/acknowledgements',
  component: lazyRouteComponent(
    () => import('./settings/AcknowledgementSettings.js'),
    'AcknowledgementSettings',
  ),
});
const fieldsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/custom-fields',
  component: lazyRouteComponent(() => import('./settings/FieldsSettings.js'), 'FieldsSettings'),
});

const widgetSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/widget',
  component: lazyRouteComponent(() => import('./settings/WidgetSettings.js'), 'WidgetSettings'),
});

const rulesSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/routing-rules',
  component: lazyRouteComponent(() => import('./settings/RulesSettings.js'), 'RulesSettings'),
});

/** The manager views (managers and above; others see a "not allowed"): chunks of their own. */
const queuesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/queues',
  beforeLoad: requireSession,
  validateSearch: (search: Record<string, unknown>): { team?: string } =>
    typeof search.team === 'string' ? { team: search.team } : {},
  component: lazyRouteComponent(() => import('./manager/Queues.js'), 'Queues'),
});

const slaReportRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reports/sla',
  beforeLoad: requireSession,
  validateSearch: (
    search: Record<string, unknown>,
  ): { period?: string; groupBy?: string; team?: string } => ({
    ...(typeof search.period === 'string' ? { period: search.period } : {}),
    ...(typeof search.groupBy === 'string' ? { groupBy: search.groupBy } : {}),
    ...(typeof search.team === 'string' ? { team: search.team } : {}),
  }),
  component: lazyRouteComponent(() => import('./manager/SlaReport.js'), 'SlaReport'),
});

const calendarsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/business-hours',
  component: lazyRouteComponent(
    () => import('./settings/CalendarsSettings.js'),
    'CalendarsSettings',
  ),
});

const slaSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/sla-policies',
  component: lazyRouteComponent(() => import('./settings/SlaSettings.js'), 'SlaSettings'),
});

const availabilitySettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/availability',
  component: lazyRouteComponent(
    () => import('./settings/AvailabilitySettings.js'),
    'AvailabilitySettings',
  ),
});

export const router = createRouter({
  routeTree: rootRoute.addChildren([
    loginRoute,
    forgotPasswordRoute,
    resetPasswordRoute,
    acceptInvitationRoute,
    profileRoute,
    queuesRoute,
    slaReportRoute,
    appRoute.addChildren([inboxRoute, conversationRoute]),
    settingsRoute.addChildren([
      settingsIndexRoute,
      workspaceSettingsRoute,
      usersSettingsRoute,
      teamsSettingsRoute,
      skillsSettingsRoute,
      rulesSettingsRoute,
      calendarsSettingsRoute,
      slaSettingsRoute,
      availabilitySettingsRoute,
      mailboxesSettingsRoute,
      cannedSettingsRoute,
      acknowledgementsSettingsRoute,
      fieldsSettingsRoute,
      widgetSettingsRoute,
    ]),
  ]),
  basepath: '/app',
  context: { queryClient: undefined as unknown as QueryClient }, // given by RouterProvider
  defaultPreload: 'intent',
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
