import { builtInViews, type BuiltInView } from '@parley/contract/builtin-views';
import type { BulkChanges, Channel, Conversation } from '@parley/contract';
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  useSuspenseQuery,
} from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  ChartColumn,
  CircleUser,
  Inbox,
  ListOrdered,
  Keyboard,
  LogOut,
  Menu,
  MessagesSquare,
  Search,
  Settings,
} from 'lucide-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import { api, type ConversationFilter } from '../api.js';
import { connectQueries, realtime, useRealtimeStatus } from '../realtime.js';
import { relativeTime } from '../format.js';
import { useErrorText, useT } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { meQuery } from '../router.js';
import { canSeeManagerViews, canSeeSettings } from '../settings/access.js';
import { ChannelIcon, PriorityLabel, SlaBadge, StatusBadge } from './badges.js';
import { BulkTagger, tagsIn } from './BulkTags.js';
import { Drawer, SIDEBAR_INLINE, useMediaQuery } from './Drawer.js';
import { LocalePicker } from './LocalePicker.js';
import { NotificationCentre } from './Notifications.js';
import { SearchDialog } from './SearchDialog.js';
import { ShortcutsDialog } from './ShortcutsDialog.js';

/** The sidebar's built-in views, in order, plus resolved (not counted: it only grows). */
const sidebarViews = ['mine', 'unassigned', 'open', 'pending', 'on_hold', 'resolved'] as const;
type SidebarView = (typeof sidebarViews)[number];

function filterFor(view: string): ConversationFilter | null {
  if (view === 'resolved') return { status: 'resolved' };
  if (view in builtInViews) return { ...builtInViews[view as BuiltInView] };
  return null; // a saved view: listed through /views/{id}/conversations
}

/** Asks the open conversation to do something (the shortcuts live here, the composer there). */
export const conversationCommand = (command: 'reply' | 'note' | 'resolve' | 'assign') =>
  window.dispatchEvent(new CustomEvent('parley:command', { detail: command }));

export function Shell() {
  const t = useT();
  const intl = useIntl();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { data: me } = useSuspenseQuery(meQuery);
  const search = useSearch({ strict: false });
  const view = search.view ?? 'mine';
  // One team's part of a built-in view: the queues screen's "waiting" link.
  const team = search.team;
  const listSearch = team ? { view, team } : { view };
  const params = useParams({ strict: false });
  const openId = params.id;
  const live = useRealtimeStatus() === 'open';
  // The banner shows only after a connection was lost, not while the first one opens.
  const [everLive, setEverLive] = useState(false);
  useEffect(() => {
    if (live) setEverLive(true);
  }, [live]);
  useLiveConnection();

  const counts = useQuery({
    queryKey: ['view-counts'],
    queryFn: api.viewCounts,
    // Live events refresh it; polling only while the socket is down.
    refetchInterval: live ? false : 30_000,
  });
  const saved = useQuery({ queryKey: ['views'], queryFn: api.views });
  const countOf = (id: string) => counts.data?.data.find((c) => c.id === id);

  const viewFilter = filterFor(view);
  const filter = viewFilter && team ? { ...viewFilter, teamId: team } : viewFilter;
  const teams = useQuery({ queryKey: ['teams'], queryFn: api.teams, enabled: Boolean(team) });
  const teamName = team ? teams.data?.data.find((x) => x.id === team)?.name : undefined;
  const list = useInfiniteQuery({
    queryKey: ['conversations', view, team ?? null],
    queryFn: ({ pageParam }) =>
      filter ? api.conversations(filter, pageParam) : api.viewConversations(view, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: live ? false : 15_000,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.data) ?? [], [list.data]);

  const [cursor, setCursor] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [help, setHelp] = useState(false);
  const [searching, setSearching] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const sidebarInline = useMediaQuery(SIDEBAR_INLINE);
  const [menuOpen, setMenuOpen] = useState(false);
  const closeMenu = useCallback(() => setMenuOpen(false), []);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 84,
    overscan: 10,
  });

  const open = useCallback(
    (conversation: Conversation | undefined) => {
      if (conversation)
        void navigate({
          to: '/conversations/$id',
          params: { id: conversation.id },
          search: team ? { view, team } : { view },
        });
    },
    [navigate, view, team],
  );

  const [tagging, setTagging] = useState(false);
  const bulk = useMutation({
    mutationFn: (changes: BulkChanges) => api.bulk([...selected], changes),
    onSuccess: async (result) => {
      setNotice(t('bulk.done', { updated: result.updated, failed: result.failed }));
      setSelected(new Set());
      setTagging(false);
      await queryClient.invalidateQueries({ queryKey: ['conversations'] });
      await queryClient.invalidateQueries({ queryKey: ['view-counts'] });
    },
    onError: (error) => setNotice(errorText(error)),
  });

  // Keyboard-first: j/k move, Enter opens, e resolves, a assigns, r/n compose, g i inbox, ? help.
  const pendingG = useRef(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"], dialog')) return;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      const key = event.key;
      if (pendingG.current) {
        pendingG.current = false;
        if (key === 'i') void navigate({ to: '/', search: { view: 'mine' } });
        return;
      }
      if (key === 'j' || key === 'k') {
        const next = Math.max(0, Math.min(rows.length - 1, cursor + (key === 'j' ? 1 : -1)));
        setCursor(next);
        virtualizer.scrollToIndex(next);
        open(rows[next]);
      } else if (key === 'Enter') open(rows[cursor]);
      else if (key === 'r') conversationCommand('reply');
      else if (key === 'n') conversationCommand('note');
      else if (key === 'e') conversationCommand('resolve');
      else if (key === 'a') conversationCommand('assign');
      else if (key === 'g') pendingG.current = true;
      else if (key === '?') setHelp(true);
      else if (key === '/') setSearching(true);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, cursor, open, navigate, virtualizer]);

  const logout = useMutation({
    mutationFn: api.logout,
    onSettled: async () => {
      queryClient.clear();
      await navigate({ to: '/login' });
    },
  });

  const viewLabel = (id: string) =>
    (sidebarViews as readonly string[]).includes(id)
      ? t(`view.${id as SidebarView}` as MessageKey)
      : (saved.data?.data.find((v) => v.id === id)?.name ?? '');
  const total = countOf(view)?.count ?? rows.length;

  const navItem = (id: string, label: string) => {
    const count = countOf(id);
    const active = id === view;
    return (
      <li key={id}>
        <Link
          to="/"
          search={{ view: id }}
          aria-current={active ? 'page' : undefined}
          className={`flex items-center justify-between rounded-md px-3 py-1.5 text-sm ${
            active
              ? 'bg-indigo-100 font-medium text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100'
              : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'
          }`}
        >
          <span className="truncate">{label}</span>
          {count && (
            <span className="ms-2 tabular-nums text-xs text-slate-600 dark:text-slate-400">
              {intl.formatNumber(count.count)}
              {count.approximate ? '+' : ''}
            </span>
          )}
        </Link>
      </li>
    );
  };

  // One sidebar: beside the list from 768 px, below that in a drawer from the menu button.
  const sidebar = (
    <>
      <h2 className="mb-1 flex items-center gap-2 px-3 text-xs font-semibold uppercase tracking-wide text-slate-600">
        <Inbox aria-hidden className="size-3.5" />
        {t('nav.inbox')}
      </h2>
      <ul className="space-y-0.5">{sidebarViews.map((id) => navItem(id, viewLabel(id)))}</ul>
      {saved.data && saved.data.data.length > 0 && (
        <>
          <h2 className="mb-1 mt-4 px-3 text-xs font-semibold uppercase tracking-wide text-slate-600">
            {t('nav.savedViews')}
          </h2>
          <ul className="space-y-0.5">{saved.data.data.map((v) => navItem(v.id, v.name))}</ul>
        </>
      )}
      {canSeeManagerViews(me.user.role) && (
        <>
          <h2 className="mb-1 mt-4 px-3 text-xs font-semibold uppercase tracking-wide text-slate-600">
            {t('manager.nav')}
          </h2>
          <ul className="space-y-0.5">
            {(
              [
                ['/queues', ListOrdered, t('manager.queues.title'), 'queues-link'],
                ['/reports/sla', ChartColumn, t('manager.sla.title'), 'sla-report-link'],
              ] as const
            ).map(([to, Icon, label, testId]) => (
              <li key={to}>
                <Link
                  to={to}
                  className="flex items-center gap-2 rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                  data-testid={testId}
                >
                  <Icon aria-hidden className="size-4 shrink-0" />
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="mt-auto space-y-3 border-t border-slate-200 pt-3 dark:border-slate-800">
        <Link
          to="/profile"
          className="flex items-center gap-2 rounded-md px-2 py-1 text-sm hover:bg-slate-200 dark:hover:bg-slate-800"
          title={me.user.email}
          aria-label={`${t('profile.open')}: ${me.user.name}`}
          data-testid="profile-link"
        >
          {me.user.avatarUrl ? (
            <img src={me.user.avatarUrl} alt="" className="size-8 shrink-0 rounded-full" />
          ) : (
            <CircleUser aria-hidden className="size-8 shrink-0 text-slate-500" />
          )}
          <span className="min-w-0 truncate">
            {me.user.name}
            <span className="block truncate text-xs text-slate-600 dark:text-slate-400">
              {me.workspace.name}
            </span>
          </span>
        </Link>
        <LocalePicker />
        <PresencePicker userId={me.user.id} />
        <div className="flex items-center gap-2">
          <button
            type="button"
            onClick={() => setHelp(true)}
            className="flex items-center gap-1 rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800"
          >
            <Keyboard aria-hidden className="size-4" />
            <span className="sr-only">{t('shortcuts.title')}</span>?
          </button>
          <button
            type="button"
            onClick={() => logout.mutate()}
            className="flex items-center gap-1 rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800"
          >
            <LogOut aria-hidden className="size-4 rtl:-scale-x-100" />
            {t('nav.signOut')}
          </button>
        </div>
      </div>
    </>
  );

  return (
    <div className="flex h-full">
      {everLive && !live && (
        <p
          role="status"
          className="fixed inset-x-0 bottom-3 z-50 mx-auto w-fit max-w-[90vw] rounded-md bg-slate-900 px-4 py-2 text-sm text-white shadow-lg dark:bg-slate-100 dark:text-slate-900"
          data-testid="reconnecting"
        >
          {t('realtime.reconnecting')}
        </p>
      )}
      {sidebarInline ? (
        <nav
          aria-label={t('nav.views')}
          className="flex w-60 shrink-0 flex-col border-e border-slate-200 bg-slate-50 p-3 dark:border-slate-800 dark:bg-slate-900"
        >
          <div className="mb-4 flex items-center gap-2 px-2">
            <MessagesSquare aria-hidden className="size-6 text-indigo-600" />
            <span className="text-lg font-semibold">{t('app.name')}</span>
          </div>
          {sidebar}
        </nav>
      ) : (
        menuOpen && (
          <Drawer side="start" title={t('nav.menu')} onClose={closeMenu} testId="menu-drawer">
            <nav aria-label={t('nav.views')} className="flex min-h-full flex-col p-3">
              {sidebar}
            </nav>
          </Drawer>
        )
      )}

      <section
        aria-label={viewLabel(view)}
        className={`flex w-full min-w-0 flex-col border-e border-slate-200 md:w-80 md:shrink-0 xl:w-96 dark:border-slate-800 ${
          openId ? 'hidden md:flex' : 'flex'
        }`}
      >
        <header className="flex h-14 items-center justify-between gap-2 border-b border-slate-200 px-4 dark:border-slate-800">
          {!sidebarInline && (
            <button
              type="button"
              onClick={() => setMenuOpen(true)}
              className="-ms-1.5 shrink-0 rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
              aria-label={t('nav.menu')}
              aria-haspopup="dialog"
              aria-expanded={menuOpen}
              data-testid="menu-open"
            >
              <Menu aria-hidden className="size-5" />
            </button>
          )}
          <h1 className="min-w-0 flex-1 truncate font-semibold" data-testid="list-title">
            {t('list.title', { view: viewLabel(view), count: total })}
          </h1>
          <div className="flex shrink-0 items-center gap-1">
            <NotificationCentre userId={me.user.id} />
            <button
              type="button"
              onClick={() => setSearching(true)}
              className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
              aria-label={t('search.label')}
              title={`${t('shortcuts.search')} (/)`}
            >
              <Search aria-hidden className="size-5" />
            </button>
            {canSeeSettings(me.user.role) && (
              <Link
                to="/settings"
                className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                aria-label={t('settings.title')}
                title={t('settings.title')}
                data-testid="settings-link"
              >
                <Settings aria-hidden className="size-5" />
              </Link>
            )}
          </div>
        </header>
        {team && (
          <div
            className="flex items-center gap-2 border-b border-slate-200 bg-slate-50 px-4 py-1.5 text-sm dark:border-slate-800 dark:bg-slate-900"
            data-testid="team-filter"
          >
            <span className="min-w-0 truncate">
              {t('manager.list.team', { team: teamName ?? '…' })}
            </span>
            <Link
              to="/"
              search={{ view }}
              className="ms-auto shrink-0 rounded-md px-2 py-0.5 text-indigo-700 hover:bg-slate-200 dark:text-indigo-300 dark:hover:bg-slate-800"
            >
              {t('manager.list.allTeams')}
            </Link>
          </div>
        )}
        {selected.size > 0 && (
          <div
            role="toolbar"
            aria-label={t('bulk.selected', { count: selected.size })}
            className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-indigo-50 px-4 py-2 text-sm dark:border-slate-800 dark:bg-indigo-950"
          >
            <span className="font-medium">{t('bulk.selected', { count: selected.size })}</span>
            <button
              type="button"
              className="rounded-md bg-white px-2 py-1 shadow-sm dark:bg-slate-800"
              onClick={() => bulk.mutate({ assigneeId: me.user.id })}
            >
              {t('bulk.assignToMe')}
            </button>
            <button
              type="button"
              className="rounded-md bg-white px-2 py-1 shadow-sm dark:bg-slate-800"
              onClick={() => bulk.mutate({ status: 'resolved' })}
            >
              {t('bulk.resolve')}
            </button>
            <button
              type="button"
              className="rounded-md bg-white px-2 py-1 shadow-sm dark:bg-slate-800"
              aria-expanded={tagging}
              onClick={() => setTagging(!tagging)}
              data-testid="bulk-tag"
            >
              {t('bulk.tag')}
            </button>
            <button
              type="button"
              className="ms-auto text-slate-600 underline dark:text-slate-300"
              onClick={() => {
                setSelected(new Set());
                setTagging(false);
              }}
            >
              {t('bulk.clear')}
            </button>
            {tagging && (
              <BulkTagger
                selected={rows.filter((c) => selected.has(c.id))}
                known={tagsIn(rows)}
                pending={bulk.isPending}
                onAdd={(tag) => bulk.mutate({ addTags: [tag] })}
                onRemove={(tag) => bulk.mutate({ removeTags: [tag] })}
              />
            )}
          </div>
        )}
        {notice && (
          <p
            role="status"
            className="border-b border-slate-200 px-4 py-2 text-sm dark:border-slate-800"
          >
            {notice}
          </p>
        )}
        <div
          ref={scroller}
          className="min-h-0 flex-1 overflow-y-auto"
          data-testid="conversation-list"
        >
          {list.isPending && <p className="p-4 text-sm text-slate-600">{t('app.loading')}</p>}
          {list.isError && (
            <p role="alert" className="p-4 text-sm text-red-600">
              {errorText(list.error)}
            </p>
          )}
          {list.isSuccess && rows.length === 0 && (
            <p className="p-8 text-center text-sm text-slate-600">{t('list.empty')}</p>
          )}
          <ul style={{ height: virtualizer.getTotalSize() }} className="relative">
            {virtualizer.getVirtualItems().map((item) => {
              const c = rows[item.index];
              if (!c) return null;
              const isOpen = c.id === openId;
              const isCursor = item.index === cursor;
              return (
                <li
                  key={c.id}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  className="absolute inset-x-0"
                  style={{ transform: `translateY(${String(item.start)}px)` }}
                >
                  <div
                    className={`flex gap-3 border-b border-slate-100 px-4 py-3 dark:border-slate-800/60 ${
                      isOpen
                        ? 'bg-indigo-50 dark:bg-indigo-950/60'
                        : isCursor
                          ? 'bg-slate-50 dark:bg-slate-900'
                          : 'hover:bg-slate-50 dark:hover:bg-slate-900'
                    }`}
                  >
                    <input
                      type="checkbox"
                      aria-label={t('list.select', { number: c.displayNumber })}
                      checked={selected.has(c.id)}
                      onChange={(event) => {
                        const next = new Set(selected);
                        if (event.target.checked) next.add(c.id);
                        else next.delete(c.id);
                        setSelected(next);
                      }}
                      className="mt-1 size-4 shrink-0 accent-indigo-600"
                    />
                    <Link
                      to="/conversations/$id"
                      params={{ id: c.id }}
                      search={listSearch}
                      onClick={() => setCursor(item.index)}
                      className="min-w-0 flex-1"
                      data-testid="conversation-row"
                    >
                      <div className="flex items-center gap-2 text-sm">
                        <ChannelIcon
                          channel={c.channel as Channel}
                          className="size-4 shrink-0 text-slate-600"
                        />
                        <span className="truncate font-medium">
                          {c.contact.name ?? c.contact.email ?? c.contact.phone}
                        </span>
                        <span className="ms-auto shrink-0 text-xs text-slate-600" dir="ltr">
                          {c.displayNumber}
                        </span>
                      </div>
                      <p className="truncate text-sm" dir="auto">
                        {c.subject || t('list.noSubject')}
                      </p>
                      <p className="truncate text-xs text-slate-600" dir="auto">
                        {c.preview}
                      </p>
                      <div className="mt-1 flex items-center gap-2">
                        <StatusBadge status={c.status} />
                        <PriorityLabel priority={c.priority} />
                        <SlaBadge dueAt={c.slaDueAt} breachedAt={c.slaBreachedAt} />
                        {c.tags.slice(0, 2).map((tag) => (
                          <span
                            key={tag}
                            className="truncate rounded bg-slate-100 px-1.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300"
                          >
                            {tag}
                          </span>
                        ))}
                        <time
                          dateTime={c.lastActivityAt}
                          className="ms-auto shrink-0 text-xs text-slate-600"
                        >
                          {relativeTime(c.lastActivityAt, intl.locale)}
                        </time>
                      </div>
                    </Link>
                  </div>
                </li>
              );
            })}
          </ul>
          {list.hasNextPage && (
            <button
              type="button"
              onClick={() => void list.fetchNextPage()}
              className="w-full p-3 text-sm text-indigo-700 dark:text-indigo-300"
            >
              {t('list.more')}
            </button>
          )}
        </div>
      </section>

      <main className={`min-w-0 flex-1 ${openId ? 'flex' : 'hidden md:flex'}`}>
        <Outlet />
      </main>
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
      {searching && <SearchDialog view={view} onClose={() => setSearching(false)} />}
    </div>
  );
}

/** The status last picked by hand in this browser (so reconnecting never overrides it). */
const PRESENCE_CHOICE = 'parley.presence';

/** How long without keyboard or pointer input before an online agent shows as away. */
const IDLE_AFTER_MS = 5 * 60_000;

/**
 * Opens the realtime connection for the signed-in app, keeps the query cache current from
 * it, and reports idleness: an online agent who stops using the app shows as away, and
 * online again on their next input (a status chosen by hand is left alone).
 */
export function useLiveConnection() {
  const queryClient = useQueryClient();
  useEffect(() => {
    const rt = realtime();
    rt.onSessionEnded = () => void queryClient.invalidateQueries({ queryKey: ['me'] });
    const disconnect = connectQueries(queryClient);
    // Opening the app means being at work: online, unless away or offline was chosen by hand.
    const offOpen = rt.onStatus(() => {
      if (rt.status !== 'open') return;
      const chosen = localStorage.getItem(PRESENCE_CHOICE);
      if (chosen !== 'away' && chosen !== 'offline' && current() !== 'online')
        rt.presence('online');
    });
    rt.start();
    let idleTimer: ReturnType<typeof setTimeout> | null = null;
    let autoAway = false;
    const current = () =>
      queryClient.getQueryData<{ presence?: string }>(['agent', 'me'])?.presence ?? null;
    const activity = () => {
      if (autoAway) {
        autoAway = false;
        rt.presence('online');
      }
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (current() !== 'online') return;
        autoAway = true;
        rt.presence('away');
      }, IDLE_AFTER_MS);
    };
    const events = ['keydown', 'pointerdown', 'pointermove', 'focus'] as const;
    for (const e of events) window.addEventListener(e, activity, { passive: true });
    activity();
    return () => {
      for (const e of events) window.removeEventListener(e, activity);
      if (idleTimer) clearTimeout(idleTimer);
      disconnect();
      offOpen();
      rt.stop();
    };
  }, [queryClient]);
}

function PresencePicker({ userId }: { userId: string }) {
  const t = useT();
  const queryClient = useQueryClient();
  const agent = useQuery({ queryKey: ['agent', 'me'], queryFn: () => api.agent(userId) });
  // Presence changes (idle, another tab, a manager) arrive as user events.
  useEffect(
    () =>
      realtime().onFrame((frame) => {
        if (
          frame.type === 'event' &&
          frame.event.type === 'agent.presence_changed' &&
          frame.event.aggregateId === userId
        )
          void queryClient.invalidateQueries({ queryKey: ['agent', 'me'] });
      }),
    [queryClient, userId],
  );
  const set = useMutation({
    mutationFn: (presence: 'online' | 'away' | 'offline') => {
      localStorage.setItem(PRESENCE_CHOICE, presence);
      return api.setPresence(presence);
    },
    onSuccess: (updated) => queryClient.setQueryData(['agent', 'me'], updated),
  });
  const presence = agent.data?.presence ?? 'offline';
  const dot = { online: 'bg-emerald-500', away: 'bg-amber-500', offline: 'bg-slate-400' }[presence];
  return (
    <label className="flex items-center gap-2 px-2 text-sm">
      <span aria-hidden className={`size-2.5 shrink-0 rounded-full ${dot}`} />
      <span className="sr-only">{t('presence.label')}</span>
      <select
        value={presence}
        disabled={!agent.data || set.isPending}
        onChange={(e) => set.mutate(e.target.value as 'online' | 'away' | 'offline')}
        className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
        data-testid="presence"
      >
        {(['online', 'away', 'offline'] as const).map((p) => (
          <option key={p} value={p}>
            {t(`presence.${p}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
