import type {
  User,
  Viewer,
  Channel,
  Conversation,
  ConversationStatus,
  FieldValues,
  Message,
  Priority,
  Team,
  TimelineEvent,
} from '@parley/contract';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import {
  ArrowLeft,
  Lock,
  Merge,
  PanelRightOpen,
  History,
  Paperclip,
  Pencil,
  Route,
  Scissors,
  X,
} from 'lucide-react';
import {
  lazy,
  Suspense,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type ReactNode,
  type SyntheticEvent,
} from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.js';
import { initials } from '../format.js';
import { useErrorText, useT } from '../i18n.js';
import { meQuery } from '../router.js';
import { realtime, useRealtimeStatus, useViewers } from '../realtime.js';
import { ChannelIcon, StatusBadge } from './badges.js';
import { FieldEditors, TagEditor } from './DetailsEditors.js';
import { DETAILS_INLINE, Drawer, useMediaQuery } from './Drawer.js';
import {
  browserPlatform,
  CannedPicker,
  MentionSuggestions,
  mentionCandidates,
  mentionedIds,
  mentionQuery,
  sendKeys,
} from './ComposerTools.js';
import { changeTypes, describeChange } from './change-text.js';
import { describeRouting, routingTypes } from './routing-text.js';
import { MessageBody } from './MessageBody.js';

// Merge, split, links and the customer's quick edit load with their first use.
const actions = () => import('./ConversationActions.js');
const MergeDialog = lazy(() => actions().then((m) => ({ default: m.MergeDialog })));
const SplitDialog = lazy(() => actions().then((m) => ({ default: m.SplitDialog })));
const LinksSection = lazy(() => actions().then((m) => ({ default: m.LinksSection })));
const CustomerEditor = lazy(() => actions().then((m) => ({ default: m.CustomerEditor })));

/** Conversation id → the number of the one merged into it, shown once after the redirect. */
const mergedNotices = new Map<string, string>();

const statuses: ConversationStatus[] = ['new', 'open', 'pending', 'on_hold', 'resolved', 'closed'];
const priorities: Priority[] = ['low', 'normal', 'high', 'urgent'];

export function NoConversation() {
  const t = useT();
  return (
    <div className="flex flex-1 items-center justify-center p-8 text-center text-sm text-slate-600 dark:text-slate-400">
      {t('conversation.none')}
    </div>
  );
}

export function ConversationPane() {
  const { id } = useParams({ from: '/app/conversations/$id' });
  const search = useSearch({ from: '/app/conversations/$id' });
  const t = useT();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const { data: me } = useSuspenseQuery(meQuery);
  const conversation = useQuery({
    queryKey: ['conversation', id],
    queryFn: () => api.conversation(id),
  });
  const live = useRealtimeStatus() === 'open';
  const messages = useQuery({
    queryKey: ['messages', id],
    queryFn: () => api.messages(id),
    // New messages arrive through the socket; polling only while it is down.
    refetchInterval: live ? false : 10_000,
  });
  // Follow the conversation from the last message loaded: later ones arrive once, in order.
  const loaded = messages.isSuccess;
  useEffect(() => {
    if (!loaded) return;
    const page = queryClient.getQueryData<{ data: Message[] }>(['messages', id]);
    return realtime().follow(id, page?.data.at(-1)?.seq ?? 0);
  }, [id, loaded, queryClient]);
  const viewers = useViewers(id, me.user.id);
  // A chat customer sees their messages read once they are on this screen, in front.
  const unreadFromCustomer = (messages.data?.data ?? []).findLast(
    (m) => m.kind === 'inbound' && m.channel === 'chat' && m.deliveryStatus !== 'read',
  )?.seq;
  useEffect(() => {
    if (unreadFromCustomer === undefined) return;
    const report = () => {
      if (document.visibilityState === 'visible') realtime().seen(id, unreadFromCustomer);
    };
    report();
    document.addEventListener('visibilitychange', report);
    return () => document.removeEventListener('visibilitychange', report);
  }, [id, unreadFromCustomer, live]);
  const users = useQuery({ queryKey: ['users'], queryFn: api.users, staleTime: 60_000 });
  const events = useQuery({
    queryKey: ['events', id],
    queryFn: () => api.events(id),
    refetchInterval: 10_000,
  });
  const teams = useQuery({ queryKey: ['teams'], queryFn: api.teams, staleTime: 60_000 });
  // The custom fields' labels, for their changes in the timeline (the details panel's query).
  const fields = useQuery({
    queryKey: ['custom-fields', 'conversation'],
    queryFn: () => api.customFields('conversation'),
    staleTime: 60_000,
  });

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: ['conversation', id] }),
      queryClient.invalidateQueries({ queryKey: ['messages', id] }),
      queryClient.invalidateQueries({ queryKey: ['events', id] }),
      queryClient.invalidateQueries({ queryKey: ['conversations'] }),
      queryClient.invalidateQueries({ queryKey: ['view-counts'] }),
      queryClient.invalidateQueries({ queryKey: ['links', id] }),
    ]);
  };
  const update = useMutation({
    mutationFn: (changes: Parameters<typeof api.update>[1]) => api.update(id, changes),
    onSuccess: (updated) => {
      queryClient.setQueryData(['conversation', id], updated);
      return refresh();
    },
  });

  // A merged conversation's page opens the one that holds its messages now.
  const navigate = useNavigate();
  const mergedInto = conversation.data?.mergedIntoId ?? null;
  const mergedNumber = conversation.data?.displayNumber ?? '';
  useEffect(() => {
    if (!mergedInto) return;
    mergedNotices.set(mergedInto, mergedNumber);
    void navigate({ to: '/conversations/$id', params: { id: mergedInto }, search, replace: true });
  }, [mergedInto, mergedNumber, navigate, search]);
  const [merging, setMerging] = useState(false);
  // The details sit beside the timeline from 1024 px; narrower, they slide over it on demand.
  const detailsInline = useMediaQuery(DETAILS_INLINE);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const closeDetails = useCallback(() => setDetailsOpen(false), []);
  const [splitting, setSplitting] = useState<Message | null>(null);
  const mergedFrom = mergedNotices.get(id);

  // Commands from the keyboard shortcuts (see Shell).
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const composer = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const onCommand = (event: Event) => {
      const command = (event as CustomEvent<string>).detail;
      if (command === 'reply' || command === 'note') {
        setMode(command);
        composer.current?.focus();
      } else if (command === 'resolve') update.mutate({ status: 'resolved' });
      else if (command === 'assign') update.mutate({ assigneeId: me.user.id });
    };
    window.addEventListener('parley:command', onCommand);
    return () => window.removeEventListener('parley:command', onCommand);
  }, [update, me.user.id]);

  if (conversation.isPending)
    return <p className="p-6 text-sm text-slate-600 dark:text-slate-400">{t('app.loading')}</p>;
  if (conversation.isError)
    return (
      <p role="alert" className="p-6 text-sm text-red-600">
        {errorText(conversation.error)}
      </p>
    );
  const c = conversation.data;
  const select =
    'rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900';

  return (
    <div className="flex min-w-0 flex-1">
      <article className="flex min-w-0 flex-1 flex-col" aria-labelledby="conversation-subject">
        <header className="flex min-h-14 flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
          <Link to="/" search={search} className="md:hidden" aria-label={t('conversation.back')}>
            <ArrowLeft aria-hidden className="size-5 rtl:-scale-x-100" />
          </Link>
          <span className="text-sm text-slate-600 dark:text-slate-400" dir="ltr">
            {c.displayNumber}
          </span>
          <h1
            id="conversation-subject"
            className="min-w-0 flex-1 break-words font-semibold max-md:line-clamp-2 md:truncate"
            dir="auto"
          >
            {c.subject || t('list.noSubject')}
          </h1>
          <StatusBadge status={c.status} />
          <button
            type="button"
            onClick={() => setMerging(true)}
            className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
            aria-label={t('merge.action')}
            title={t('merge.action')}
            data-testid="merge-open"
          >
            <Merge aria-hidden className="size-5" />
          </button>
          {!detailsInline && (
            <button
              type="button"
              onClick={() => setDetailsOpen(true)}
              className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
              aria-label={t('panel.show')}
              title={t('panel.show')}
              aria-haspopup="dialog"
              aria-expanded={detailsOpen}
              data-testid="details-open"
            >
              <PanelRightOpen aria-hidden className="size-5 rtl:-scale-x-100" />
            </button>
          )}
        </header>
        {mergedFrom && (
          <p
            role="status"
            className="border-b border-slate-200 bg-indigo-50 px-4 py-2 text-sm text-indigo-900 dark:border-slate-800 dark:bg-indigo-950 dark:text-indigo-100"
            data-testid="merged-notice"
          >
            {t('merge.redirected', { number: mergedFrom })}
          </p>
        )}
        {update.isError && (
          <p
            role="alert"
            className="border-b border-red-200 bg-red-50 px-4 py-2 text-sm text-red-700"
          >
            {errorText(update.error)}
          </p>
        )}
        <Timeline
          conversation={c}
          messages={messages.data?.data ?? []}
          events={(events.data?.data ?? []).filter(
            (e) => routingTypes.has(e.type) || changeTypes.has(e.type),
          )}
          meId={me.user.id}
          users={users.data?.data ?? []}
          teams={teams.data?.data ?? []}
          fields={fields.data?.data ?? []}
          onSplit={setSplitting}
        />
        <Presence viewers={viewers} />
        <Composer
          key={id}
          conversation={c}
          viewers={viewers}
          users={users.data?.data ?? []}
          meId={me.user.id}
          lastSeq={messages.data?.data.at(-1)?.seq ?? 0}
          mode={mode}
          setMode={setMode}
          textarea={composer}
          onSent={refresh}
        />
      </article>
      <DetailsContainer inline={detailsInline} open={detailsOpen} onClose={closeDetails}>
        <aside
          aria-label={t('panel.details')}
          className={`space-y-5 p-4 text-sm ${
            detailsInline
              ? 'w-72 shrink-0 overflow-y-auto border-s border-slate-200 dark:border-slate-800'
              : ''
          }`}
          data-testid="details-panel"
        >
          <section>
            <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
              {t('panel.customer')}
            </h2>
            <div className="flex items-center gap-3">
              <span
                aria-hidden
                className="flex size-10 items-center justify-center rounded-full bg-indigo-100 font-semibold text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100"
              >
                {initials(c.contact.name ?? c.contact.email)}
              </span>
              <div className="min-w-0">
                <p className="truncate font-medium" dir="auto">
                  {c.contact.name ?? c.contact.email}
                </p>
                {c.contact.email && (
                  <p className="truncate text-slate-600 dark:text-slate-400" dir="ltr">
                    {c.contact.email}
                  </p>
                )}
                {c.contact.phone && (
                  <p className="truncate text-slate-600 dark:text-slate-400" dir="ltr">
                    {c.contact.phone}
                  </p>
                )}
              </div>
            </div>
          </section>
          <CustomerPanel contactId={c.contact.id} conversationId={c.id} />
          <Suspense fallback={null}>
            <LinksSection conversation={c} prefix={me.workspace.ticketPrefix} />
          </Suspense>
          <section className="space-y-3">
            <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
              {t('panel.details')}
            </h2>
            <label className="flex items-center justify-between gap-2">
              {t('panel.status')}
              <select
                className={select}
                value={c.status}
                onChange={(e) => update.mutate({ status: e.target.value as ConversationStatus })}
                data-testid="status-select"
              >
                {statuses.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex items-center justify-between gap-2">
              {t('panel.priority')}
              <select
                className={select}
                value={c.priority}
                onChange={(e) => update.mutate({ priority: e.target.value as Priority })}
              >
                {priorities.map((p) => (
                  <option key={p} value={p}>
                    {t(`priority.${p}`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex items-center justify-between gap-2">
              {t('panel.assignee')}
              <select
                className={`${select} max-w-40`}
                value={c.assigneeId ?? ''}
                onChange={(e) => update.mutate({ assigneeId: e.target.value || null })}
                data-testid="assignee-select"
              >
                <option value="">{t('panel.unassigned')}</option>
                {(users.data?.data ?? [])
                  .filter((u) => u.status === 'active')
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
              </select>
            </label>
            {c.assigneeId !== me.user.id && (
              <button
                type="button"
                onClick={() => update.mutate({ assigneeId: me.user.id })}
                disabled={update.isPending}
                className="-mt-1 block ms-auto rounded-md px-2 py-0.5 text-sm text-indigo-700 hover:bg-slate-100 disabled:opacity-50 dark:text-indigo-300 dark:hover:bg-slate-800"
                data-testid="assign-me"
              >
                {t('panel.assignToMe')}
              </button>
            )}
            <p className="flex items-center justify-between gap-2">
              {t('panel.team')}
              <span dir="auto">
                {teams.data?.data.find((x) => x.id === c.teamId)?.name ?? t('panel.noTeam')}
              </span>
            </p>
            <Escalate
              conversation={c}
              teams={teams.data?.data ?? []}
              onEscalated={async (updated) => {
                queryClient.setQueryData(['conversation', id], updated);
                await refresh();
              }}
            />
            <p className="flex items-center justify-between gap-2">
              {t('panel.channel')}
              <span className="flex items-center gap-1">
                <ChannelIcon channel={c.channel as Channel} />
                {t(`channel.${c.channel as Channel}`)}
              </span>
            </p>
            {c.language && (
              <p className="flex items-center justify-between gap-2">
                {t('panel.language')}
                <span>
                  {new Intl.DisplayNames([document.documentElement.lang], { type: 'language' }).of(
                    c.language,
                  ) ?? c.language}
                </span>
              </p>
            )}
            <TagEditor
              tags={c.tags}
              pending={update.isPending}
              onChange={(tags) => update.mutate({ tags })}
            />
            <FieldEditors
              // Stored values were checked against their definitions when written.
              values={c.customFields as FieldValues}
              pending={update.isPending}
              onChange={(customFields) => update.mutate({ customFields })}
            />
          </section>
        </aside>
      </DetailsContainer>
      <Suspense fallback={null}>
        {merging && (
          <MergeDialog
            conversation={c}
            onClose={() => setMerging(false)}
            onMerged={async (target) => {
              setMerging(false);
              mergedNotices.set(target.id, c.displayNumber);
              await queryClient.invalidateQueries({ queryKey: ['conversation'] });
              await refresh();
              await navigate({
                to: '/conversations/$id',
                params: { id: target.id },
                search,
                replace: true,
              });
            }}
          />
        )}
        {splitting && (
          <SplitDialog
            conversation={c}
            message={splitting}
            onClose={() => setSplitting(null)}
            onSplit={refresh}
          />
        )}
      </Suspense>
    </div>
  );
}

/** The details panel's place: beside the timeline, or (narrower) a slide-over while open. */
function DetailsContainer(props: {
  inline: boolean;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  const t = useT();
  if (props.inline) return props.children;
  if (!props.open) return null;
  return (
    <Drawer side="end" title={t('panel.details')} onClose={props.onClose} testId="details-drawer">
      {props.children}
    </Drawer>
  );
}

/** Escalation to a specialist team: the team's next tier preselected, with a note. */
function Escalate({
  conversation,
  teams,
  onEscalated,
}: {
  conversation: Conversation;
  teams: Team[];
  onEscalated: (updated: Conversation) => Promise<void>;
}) {
  const t = useT();
  const errorText = useErrorText();
  const current = teams.find((x) => x.id === conversation.teamId);
  const [teamId, setTeamId] = useState('');
  const chosen = teamId || current?.settings.escalationTeamId || '';
  const escalate = useMutation({
    mutationFn: () => api.escalate(conversation.id, { teamId: chosen }),
    onSuccess: async (updated) => {
      setTeamId('');
      await onEscalated(updated);
    },
  });
  if (conversation.status === 'resolved' || conversation.status === 'closed') return null;
  const others = teams.filter((x) => x.id !== conversation.teamId);
  if (others.length === 0) return null;
  return (
    <form
      className="space-y-1"
      onSubmit={(event) => {
        event.preventDefault();
        if (chosen) escalate.mutate();
      }}
    >
      <div className="flex items-center justify-between gap-2">
        <label htmlFor="escalate-team">{t('panel.escalateTo')}</label>
        <select
          id="escalate-team"
          className="max-w-40 rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
          value={chosen}
          onChange={(e) => setTeamId(e.target.value)}
          data-testid="escalate-select"
        >
          <option value="">—</option>
          {others.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </select>
      </div>
      <button
        type="submit"
        disabled={!chosen || escalate.isPending}
        className="w-full rounded-md border border-slate-300 px-3 py-1 text-sm disabled:opacity-50 dark:border-slate-700"
        data-testid="escalate"
      >
        {t('panel.escalate')}
      </button>
      {escalate.isError && (
        <p role="alert" className="text-xs text-red-700">
          {errorText(escalate.error)}
        </p>
      )}
    </form>
  );
}

/** A line of the timeline that is not a message: an icon, what happened, when, and why. */
function SystemEntry(props: {
  event: TimelineEvent;
  kind: 'routing' | 'change';
  lines: string[];
  details: string[];
}) {
  const intl = useIntl();
  const Icon = props.kind === 'routing' ? Route : History;
  return (
    <li
      data-kind={props.kind}
      data-type={props.event.type}
      className="mx-auto flex max-w-3xl items-start gap-2 text-xs text-slate-600 dark:text-slate-300"
    >
      <Icon aria-hidden className="mt-0.5 size-3.5 shrink-0 text-slate-500" />
      <div>
        {props.lines.map((line, i) => (
          <p key={line}>
            {/* Isolated, so a right-to-left tag or name at its end keeps the time after it. */}
            <span className="font-medium text-slate-700 [unicode-bidi:isolate] dark:text-slate-200">
              {line}
            </span>
            {i === 0 && (
              <>
                {' '}
                <time dateTime={props.event.createdAt}>
                  {intl.formatDate(props.event.createdAt, { timeStyle: 'short' })}
                </time>
              </>
            )}
          </p>
        ))}
        {props.details.map((detail) => (
          <p key={detail} dir="auto">
            {detail}
          </p>
        ))}
      </div>
    </li>
  );
}

interface Names {
  users: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  fields: { key: string; label: string; type: string }[];
}

/**
 * A routing decision (what happened, and why: rule, strategy, load) or a change of the
 * conversation (status, priority, assignee, team, tags, custom fields: who, and to what).
 */
function EventEntry({ event, names }: { event: TimelineEvent; names: Names }) {
  const t = useT();
  const intl = useIntl();
  const user = (id: unknown) => names.users.find((u) => u.id === id)?.name ?? null;
  const team = (id: unknown) => names.teams.find((x) => x.id === id)?.name ?? null;
  if (routingTypes.has(event.type)) {
    const { line, details } = describeRouting(event, {
      t,
      formatNumber: (n) => intl.formatNumber(n),
      user,
      team,
    });
    return <SystemEntry event={event} kind="routing" lines={[line]} details={details} />;
  }
  const lines = describeChange(event, {
    t,
    user,
    team,
    field: (key) => names.fields.find((f) => f.key === key) ?? null,
    list: (items) => intl.formatList(items, { type: 'conjunction' }),
    formatNumber: (n) => intl.formatNumber(n),
    formatDate: (date) => intl.formatDate(date, { dateStyle: 'medium', timeZone: 'UTC' }),
  });
  if (lines.length === 0) return null;
  return <SystemEntry event={event} kind="change" lines={lines} details={[]} />;
}

function Timeline({
  conversation,
  messages,
  events,
  meId,
  users,
  teams,
  fields,
  onSplit,
}: {
  conversation: Conversation;
  messages: Message[];
  events: TimelineEvent[];
  meId: string;
  users: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  fields: { key: string; label: string; type: string }[];
  onSplit: (message: Message) => void;
}) {
  const t = useT();
  const intl = useIntl();
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // A block body: newer browsers return a promise from scrollIntoView, and an effect may
    // return only a cleanup function.
    end.current?.scrollIntoView({ block: 'end' });
  }, [messages.length, events.length]);
  // Messages, routing decisions and changes in time order (a message first at the same instant).
  const items = [
    ...messages.map((m) => ({ at: m.createdAt, order: 0, message: m, event: null })),
    ...events.map((e) => ({ at: e.createdAt, order: 1, message: null, event: e })),
  ].sort((a, b) => a.at.localeCompare(b.at) || a.order - b.order);
  const authorName = (m: Message) => {
    if (m.author.type === 'contact')
      return conversation.contact.name ?? conversation.contact.email ?? t('message.customer');
    if (m.author.type === 'system' || m.author.type === 'bot') return t('message.automatic');
    if (m.author.id === meId) return t('message.you');
    return users.find((u) => u.id === m.author.id)?.name ?? '';
  };
  return (
    <div
      className="min-h-0 flex-1 overflow-y-auto p-4"
      tabIndex={0}
      role="region"
      aria-label={t('conversation.messages', { count: messages.length })}
      data-testid="timeline"
    >
      <ol className="space-y-4">
        {items.map(({ message: m, event }) => {
          if (!m)
            return (
              <EventEntry key={`e${event.id}`} event={event} names={{ users, teams, fields }} />
            );
          const inbound = m.kind === 'inbound';
          const note = m.kind === 'note';
          return (
            <li
              key={m.id}
              data-kind={m.kind}
              className={`max-w-3xl rounded-lg border p-3 ${
                note
                  ? 'border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950/40'
                  : inbound
                    ? 'me-auto border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900'
                    : 'ms-auto border-indigo-200 bg-indigo-50 dark:border-indigo-900 dark:bg-indigo-950/50'
              }`}
            >
              <div className="mb-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
                {note && <Lock aria-hidden className="size-3.5 text-amber-700" />}
                <span className="font-medium text-slate-700 dark:text-slate-200">
                  {authorName(m)}
                </span>
                {note && <span>{t('message.note')}</span>}
                <time dateTime={m.createdAt}>
                  {intl.formatDate(m.createdAt, { dateStyle: 'medium', timeStyle: 'short' })}
                </time>
                {messages.length > 1 && (
                  <button
                    type="button"
                    onClick={() => onSplit(m)}
                    className="ms-auto rounded p-0.5 text-slate-500 opacity-60 hover:bg-slate-200 hover:opacity-100 focus-visible:opacity-100 dark:hover:bg-slate-800"
                    aria-label={t('split.action')}
                    title={t('split.action')}
                    data-testid="split-open"
                  >
                    <Scissors aria-hidden className="size-3.5" />
                  </button>
                )}
                {m.kind === 'outbound' && m.deliveryStatus && (
                  <span
                    className={
                      m.deliveryStatus === 'failed' ? 'text-red-700 dark:text-red-300' : ''
                    }
                  >
                    {m.deliveryStatus === 'failed'
                      ? t('delivery.failed', { reason: m.deliveryError ?? '' })
                      : t(
                          `delivery.${m.deliveryStatus as 'queued' | 'sent' | 'delivered' | 'read'}`,
                        )}
                  </span>
                )}
              </div>
              <MessageBody html={m.html} text={m.text} original={m.original} />
              {m.attachments.length > 0 && (
                <ul aria-label={t('message.attachments')} className="mt-2 flex flex-wrap gap-2">
                  {m.attachments.map((a) => (
                    <li key={a.blobKey}>
                      <a
                        href={`/api/v1/conversations/${conversation.id}/attachments/${a.blobKey}`}
                        className="flex items-center gap-1 rounded border border-slate-200 px-2 py-1 text-xs dark:border-slate-700"
                        dir="auto"
                      >
                        <Paperclip aria-hidden className="size-3.5" />
                        {a.filename}
                      </a>
                    </li>
                  ))}
                </ul>
              )}
              {m.omittedAttachments?.map((a) => (
                <p
                  key={`${a.filename}:${String(a.size)}`}
                  className="mt-2 text-xs text-amber-800 dark:text-amber-300"
                  data-testid="attachment-omitted"
                >
                  {t('message.attachmentOmitted', {
                    name: a.filename,
                    size: intl.formatNumber(a.size / 1_048_576, { maximumFractionDigits: 1 }),
                  })}
                </p>
              ))}
            </li>
          );
        })}
      </ol>
      <div ref={end} />
    </div>
  );
}

/** Who else has this conversation open, and who is writing (collision awareness). */
function Presence({ viewers: everyone }: { viewers: Viewer[] }) {
  const t = useT();
  const intl = useIntl();
  // A chat customer shows only while typing; colleagues while they have it open.
  const customer = everyone.find((v) => v.kind === 'customer' && v.composing !== null);
  const viewers = everyone.filter((v) => v.kind === 'agent');
  if (viewers.length === 0 && !customer) return null;
  const writing = viewers.filter((v) => v.composing !== null);
  return (
    <div
      className="flex flex-wrap items-center gap-x-3 gap-y-1 border-t border-slate-200 px-4 py-1.5 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-300"
      aria-live="polite"
      data-testid="viewers"
    >
      <span className="flex -space-x-1.5 rtl:space-x-reverse" aria-hidden>
        {viewers.map((v) => (
          <span
            key={v.userId}
            title={v.name}
            className="flex size-6 items-center justify-center rounded-full bg-sky-100 text-[10px] font-semibold text-sky-900 ring-2 ring-white dark:bg-sky-900 dark:text-sky-100 dark:ring-slate-950"
          >
            {initials(v.name)}
          </span>
        ))}
      </span>
      {viewers.length > 0 && (
        <span>
          {t('collision.viewing', {
            names: intl.formatList(viewers.map((v) => v.name)),
          })}
        </span>
      )}
      {customer && (
        <span className="font-medium text-emerald-800 dark:text-emerald-300">
          {t('collision.customerTyping', { name: customer.name || t('collision.customer') })}
        </span>
      )}
      {writing.map((v) => (
        <span key={v.userId} className="font-medium text-amber-800 dark:text-amber-300">
          {v.composing === 'reply'
            ? t('collision.writingReply', { name: v.name })
            : t('collision.writingNote', { name: v.name })}
        </span>
      ))}
    </div>
  );
}

/** Files one reply or note may carry: the API's MAX_NEW_ATTACHMENTS (no runtime import of the schemas here). */
const MAX_FILES = 10;

/** A file's bytes as base64, as the API takes attachments. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function Composer({
  conversation,
  viewers,
  users,
  meId,
  lastSeq,
  mode,
  setMode,
  textarea,
  onSent,
}: {
  conversation: Conversation;
  viewers: Viewer[];
  users: User[];
  meId: string;
  lastSeq: number;
  mode: 'reply' | 'note';
  setMode: (mode: 'reply' | 'note') => void;
  textarea: React.RefObject<HTMLTextAreaElement | null>;
  onSent: () => Promise<void>;
}) {
  const t = useT();
  const errorText = useErrorText();
  const [text, setText] = useState('');
  // Files to send with the reply (or keep with the note).
  const [files, setFiles] = useState<File[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  // @mentions in notes: chosen colleagues (id → name) and the suggestion list's state.
  const [mentions, setMentions] = useState(new Map<string, string>());
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [mentionActive, setMentionActive] = useState(0);
  const suggestions = mention ? mentionCandidates(users, mention.query, meId) : [];
  // Where the caret goes after an insertion: set in the same commit as the new text (a
  // layout effect), so a fast typist's next keystroke lands after what was inserted.
  const [caret, setCaret] = useState<number | null>(null);
  useLayoutEffect(() => {
    const box = textarea.current;
    if (caret === null || !box) return;
    box.focus();
    box.setSelectionRange(caret, caret);
    setCaret(null);
  }, [caret, textarea]);
  const insert = (value: string, from: number, to: number) => {
    const next = text.slice(0, from) + value + text.slice(to);
    setText(next);
    setCaret(from + value.length);
    if (draftSeq === null) setDraftSeq(lastSeq);
  };
  const pickMention = (user: User) => {
    if (!mention) return;
    const caret = textarea.current?.selectionStart ?? text.length;
    insert(`@${user.name} `, mention.start, caret);
    setMentions(new Map(mentions).set(user.id, user.name));
    setMention(null);
  };
  // The conversation's last message when this draft began: a later one means the draft
  // may answer an outdated state.
  const [draftSeq, setDraftSeq] = useState<number | null>(null);
  const [warning, setWarning] = useState<{ text: string; status?: ConversationStatus } | null>(
    null,
  );
  // Tell colleagues what is being written here (and that it stopped, on leaving).
  useEffect(() => {
    realtime().composing(conversation.id, text.trim() ? mode : null);
  }, [conversation.id, text, mode]);
  useEffect(() => {
    const id = conversation.id;
    return () => realtime().composing(id, null);
  }, [conversation.id]);
  const send = useMutation({
    mutationFn: async (status?: ConversationStatus) =>
      api.send(conversation.id, {
        kind: mode,
        text: text.trim(),
        ...(status ? { status } : {}),
        ...(mode === 'note' && mentionedIds(text, mentions).length > 0
          ? { mentions: mentionedIds(text, mentions) }
          : {}),
        ...(files.length > 0
          ? {
              attachments: await Promise.all(
                files.map(async (file) => ({
                  filename: file.name,
                  ...(file.type ? { contentType: file.type } : {}),
                  content: await base64Of(file),
                })),
              ),
            }
          : {}),
      }),
    onSuccess: async () => {
      setText('');
      setFiles([]);
      setDraftSeq(null);
      setWarning(null);
      setMentions(new Map());
      await onSent();
    },
  });
  /** Sends, unless another agent is writing a reply too or the customer wrote meanwhile. */
  const attempt = (status?: ConversationStatus, confirmed = false) => {
    if (!text.trim()) return;
    if (!confirmed && mode === 'reply') {
      const rival = viewers.find((v) => v.kind === 'agent' && v.composing === 'reply');
      if (rival) {
        setWarning({ text: t('collision.confirm', { name: rival.name }), status });
        return;
      }
      if (draftSeq !== null && lastSeq > draftSeq) {
        setWarning({ text: t('collision.newMessage'), status });
        return;
      }
    }
    setWarning(null);
    send.mutate(status);
  };
  const submit = (event?: SyntheticEvent) => {
    event?.preventDefault();
    attempt();
  };
  const name = conversation.contact.name ?? conversation.contact.email ?? '';
  const tab = (value: 'reply' | 'note', label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={mode === value}
      onClick={() => setMode(value)}
      className={`rounded-md px-3 py-1 text-sm ${
        mode === value
          ? value === 'note'
            ? 'bg-amber-100 font-medium text-amber-900 dark:bg-amber-900/60 dark:text-amber-100'
            : 'bg-indigo-100 font-medium text-indigo-900 dark:bg-indigo-900/60 dark:text-indigo-100'
          : 'text-slate-600 dark:text-slate-300'
      }`}
    >
      {label}
    </button>
  );
  return (
    <form
      onSubmit={submit}
      className={`border-t p-3 ${
        mode === 'note'
          ? 'border-amber-300 bg-amber-50/60 dark:border-amber-800 dark:bg-amber-950/30'
          : 'border-slate-200 dark:border-slate-800'
      }`}
    >
      <div role="tablist" className="mb-2 flex gap-1">
        {tab('reply', t('composer.reply'))}
        {tab('note', t('composer.note'))}
      </div>
      <div className="relative">
        {mention && (
          <MentionSuggestions
            users={users}
            query={mention.query}
            meId={meId}
            active={mentionActive}
            onPick={pickMention}
          />
        )}
        <textarea
          ref={textarea}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (draftSeq === null) setDraftSeq(lastSeq);
            if (!e.target.value.trim()) setDraftSeq(null);
            setMention(
              mode === 'note' ? mentionQuery(e.target.value, e.target.selectionStart) : null,
            );
            setMentionActive(0);
          }}
          onKeyDown={(e) => {
            if (mention && suggestions.length > 0) {
              if (e.key === 'ArrowDown')
                setMentionActive(Math.min(mentionActive + 1, suggestions.length - 1));
              else if (e.key === 'ArrowUp') setMentionActive(Math.max(mentionActive - 1, 0));
              else if (e.key === 'Enter' || e.key === 'Tab') {
                const user = suggestions[mentionActive];
                if (user) pickMention(user);
              } else if (e.key === 'Escape') setMention(null);
              else return;
              e.preventDefault();
              return;
            }
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
          }}
          rows={4}
          dir="auto"
          aria-label={mode === 'reply' ? t('composer.reply') : t('composer.note')}
          placeholder={
            mode === 'reply'
              ? t('composer.replyPlaceholder', { name })
              : t('composer.notePlaceholder')
          }
          className="block w-full resize-y rounded-md border border-slate-300 bg-white p-2 text-sm dark:border-slate-700 dark:bg-slate-900"
          data-testid="composer"
        />
      </div>
      {warning && (
        <div
          role="alertdialog"
          aria-label={warning.text}
          className="mt-2 flex flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
          data-testid="collision-warning"
        >
          <span className="flex-1">{warning.text}</span>
          <button
            type="button"
            onClick={() => setWarning(null)}
            className="rounded-md px-2 py-1 hover:bg-amber-100 dark:hover:bg-amber-900"
          >
            {t('collision.cancel')}
          </button>
          <button
            type="button"
            onClick={() => attempt(warning.status, true)}
            className="rounded-md bg-amber-700 px-3 py-1 font-medium text-white hover:bg-amber-800"
            data-testid="send-anyway"
          >
            {t('collision.sendAnyway')}
          </button>
        </div>
      )}
      {files.length > 0 && (
        <ul className="mt-2 flex flex-wrap gap-2" data-testid="composer-files">
          {files.map((file, i) => (
            <li
              key={`${file.name}-${String(i)}`}
              className="flex items-center gap-1 rounded-full border border-slate-300 bg-white py-0.5 pe-1 ps-3 text-xs dark:border-slate-700 dark:bg-slate-900"
            >
              <span dir="auto" className="max-w-48 truncate">
                {file.name}
              </span>
              <button
                type="button"
                onClick={() => setFiles(files.filter((_, j) => j !== i))}
                aria-label={t('composer.removeFile', { name: file.name })}
                className="rounded-full p-0.5 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800"
              >
                <X aria-hidden className="size-3.5" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {files.length > MAX_FILES && (
        <p role="alert" className="mt-2 text-sm text-red-600">
          {t('composer.tooManyFiles', { count: MAX_FILES })}
        </p>
      )}
      {send.isError && (
        <p role="alert" className="mt-2 text-sm text-red-600">
          {errorText(send.error)}
        </p>
      )}
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="composer-file-input"
          onChange={(e) => {
            setFiles([...files, ...Array.from(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
        <button
          type="button"
          onClick={() => fileInput.current?.click()}
          className="flex items-center gap-1 rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800"
          title={t('composer.attach')}
          data-testid="composer-attach"
        >
          <Paperclip aria-hidden className="size-4" />
          <span className="max-sm:sr-only">{t('composer.attach')}</span>
        </button>
        {mode === 'reply' && (
          <CannedPicker
            conversationId={conversation.id}
            language={conversation.language}
            onInsert={(value) => {
              const box = textarea.current;
              insert(value, box?.selectionStart ?? text.length, box?.selectionEnd ?? text.length);
            }}
          />
        )}
        {/* Only where there is a keyboard: not on a touch screen (coarse pointer) or a phone. */}
        <span
          className="text-xs text-slate-600 max-sm:hidden pointer-coarse:hidden dark:text-slate-400"
          data-testid="composer-hint"
        >
          {t('composer.hint', { keys: sendKeys(browserPlatform()) })}
        </span>
        {/* The send buttons wrap together, at the end, when the line is short. */}
        <span className="ms-auto flex gap-2">
          {mode === 'reply' && (
            <button
              type="button"
              disabled={!text.trim() || send.isPending || files.length > MAX_FILES}
              onClick={() => attempt('resolved')}
              className="whitespace-nowrap rounded-md border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-50 dark:border-slate-700"
            >
              {t('composer.sendAndResolve')}
            </button>
          )}
          <button
            type="submit"
            disabled={!text.trim() || send.isPending || files.length > MAX_FILES}
            className={`whitespace-nowrap rounded-md px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50 ${
              mode === 'reply'
                ? 'bg-indigo-600 hover:bg-indigo-700'
                : 'bg-amber-600 hover:bg-amber-700'
            }`}
            data-testid="send"
          >
            {mode === 'reply' ? t('composer.send') : t('composer.addNote')}
          </button>
        </span>
      </div>
    </form>
  );
}

/** The customer's identities on every channel, attributes, and their other conversations. */
function CustomerPanel({
  contactId,
  conversationId,
}: {
  contactId: string;
  conversationId: string;
}) {
  const t = useT();
  const intl = useIntl();
  const search = useSearch({ from: '/app/conversations/$id' });
  const contact = useQuery({
    queryKey: ['contact', contactId],
    queryFn: () => api.contact(contactId),
  });
  const [editing, setEditing] = useState(false);
  if (!contact.data) return null;
  const others = contact.data.conversations.filter((c) => c.id !== conversationId);
  const attributes = Object.entries(contact.data.attributes).filter(([, v]) => v !== null);
  const heading =
    'mb-1 text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400';
  if (editing)
    return (
      <section aria-label={t('customer.edit')}>
        <Suspense
          fallback={<p className="text-slate-600 dark:text-slate-400">{t('app.loading')}</p>}
        >
          <CustomerEditor contact={contact.data} onDone={() => setEditing(false)} />
        </Suspense>
      </section>
    );
  return (
    <>
      <button
        type="button"
        onClick={() => setEditing(true)}
        className="flex items-center gap-1 rounded-md px-2 py-1 text-sm text-indigo-700 hover:bg-slate-100 dark:text-indigo-300 dark:hover:bg-slate-800"
        data-testid="customer-edit"
      >
        <Pencil aria-hidden className="size-4" />
        {t('customer.edit')}
      </button>
      <section>
        <h2 className={heading}>{t('panel.identities')}</h2>
        <ul className="space-y-0.5">
          {contact.data.identities.map((i) => (
            <li key={`${i.kind}:${i.value}`} className="flex justify-between gap-2">
              <span className="text-slate-600 dark:text-slate-400">{t(`identity.${i.kind}`)}</span>
              <span className="truncate" dir="ltr">
                {i.value}
              </span>
            </li>
          ))}
        </ul>
      </section>
      {attributes.length > 0 && (
        <section>
          <h2 className={heading}>{t('panel.attributes')}</h2>
          <dl className="grid grid-cols-2 gap-x-2 gap-y-0.5">
            {attributes.map(([key, value]) => (
              <div key={key} className="contents">
                <dt className="truncate text-slate-600 dark:text-slate-400">{key}</dt>
                <dd className="truncate" dir="auto">
                  {Array.isArray(value) ? value.join(', ') : String(value)}
                </dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      <section>
        <h2 className={heading}>{t('panel.otherConversations')}</h2>
        {others.length === 0 ? (
          <p className="text-slate-600 dark:text-slate-400">{t('panel.noOtherConversations')}</p>
        ) : (
          <ul className="space-y-1" data-testid="other-conversations">
            {others.slice(0, 10).map((o) => (
              <li key={o.id}>
                <Link
                  to="/conversations/$id"
                  params={{ id: o.id }}
                  search={search}
                  className="block rounded px-1 hover:bg-slate-100 dark:hover:bg-slate-800"
                >
                  <span className="flex items-center gap-2">
                    <span className="text-slate-600 dark:text-slate-400" dir="ltr">
                      {o.displayNumber}
                    </span>
                    <span className="min-w-0 flex-1 truncate" dir="auto">
                      {o.subject}
                    </span>
                    <StatusBadge status={o.status} />
                  </span>
                  <span className="text-xs text-slate-600 dark:text-slate-400">
                    {intl.formatDate(o.createdAt, { dateStyle: 'medium' })}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
