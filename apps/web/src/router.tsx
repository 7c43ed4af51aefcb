import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { api, ApiError, setCsrfToken } from './api.js';
import { ConversationPane, NoConversation } from './pages/ConversationPane.js';
import { Login } from './pages/Login.js';
import { Shell } from './pages/Shell.js';

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

/** Everything behind sign-in: without a session, the login page (and back here after). */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  validateSearch: (search: Record<string, unknown>): { view?: string } =>
    typeof search.view === 'string' ? { view: search.view } : {},
  beforeLoad: async ({ context }) => {
    try {
      await context.queryClient.query(meQuery);
    } catch (error) {
      // TanStack Router's way to redirect from beforeLoad is to throw its redirect object.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (error instanceof ApiError && error.status === 401) throw redirect({ to: '/login' });
      throw error;
    }
  },
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

export const router = createRouter({
  routeTree: rootRoute.addChildren([
    loginRoute,
    appRoute.addChildren([inboxRoute, conversationRoute]),
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
