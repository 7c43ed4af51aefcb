import type { PortalMessage, PortalStatus, PortalTicket } from '@parley/contract';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { MessagesSquare } from 'lucide-react';
import { useEffect, useState, type SyntheticEvent } from 'react';
import { useIntl } from 'react-intl';
import { ApiError } from '../api.js';
import { useErrorText, useLocale, useT } from '../i18n.js';
import { LocalePicker } from '../pages/LocalePicker.js';
import {
  AuthCard,
  CodeField,
  Field,
  FormMessage,
  inputClass,
  linkClass,
  primaryButton,
  typedCode,
} from '../pages/forms.js';
import { portalApi, portalPlace, ticketPath, type PortalPlace } from './api.js';
import { MessageBody } from '../pages/MessageBody.js';

/** The page the address bar names; `go` moves there without a reload. */
function usePlace(): [PortalPlace, (path: string, replace?: boolean) => void] {
  const read = () => portalPlace(location.pathname, location.hash);
  const [place, setPlace] = useState(read);
  useEffect(() => {
    const onPop = () => setPlace(read());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = (path: string, replace = false) => {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    setPlace(read());
  };
  return [place, go];
}

/**
 * The customer portal: a customer opens their ticket with a one-time code or the mailed
 * link (nothing is shown to someone who only knows a number and an address), then reads
 * the public messages and replies. Served at /portal/<workspace slug>/…
 */
export function Portal() {
  const [place, go] = usePlace();
  const t = useT();
  useEffect(() => {
    document.title = t('portal.title');
  });
  switch (place.page) {
    case 'access':
      return <Access slug={place.slug} onOpened={(n) => go(ticketPath(place.slug, n))} />;
    case 'verify':
      return (
        <Verify
          slug={place.slug}
          token={place.token}
          onOpened={(n) => go(ticketPath(place.slug, n), true)}
        />
      );
    case 'ticket':
      return <Ticket key={`${place.slug}/${String(place.number)}`} {...place} go={go} />;
    default:
      return (
        <AuthCard title={t('portal.title')}>
          <FormMessage error>{t('portal.notFound')}</FormMessage>
        </AuthCard>
      );
  }
}

/** The mailed link: its token (after `#`, so it never reaches a log) opens the ticket once. */
function Verify(props: { slug: string; token: string | null; onOpened: (number: number) => void }) {
  const t = useT();
  const errorText = useErrorText();
  const { slug, token, onOpened } = props;
  const verify = useMutation({
    mutationFn: (value: string) => portalApi.verify(slug, { token: value }),
    onSuccess: (session) => onOpened(session.ticket.number),
    // A spent or broken token has no business staying in the address bar (or its history).
    onError: () => history.replaceState(null, '', `/portal/${slug}`),
  });
  const { mutate } = verify;
  useEffect(() => {
    if (token) mutate(token);
  }, [token, mutate]);
  if (!token || verify.isError)
    return (
      <Access
        slug={slug}
        onOpened={onOpened}
        notice={
          <FormMessage error>
            {verify.isError ? errorText(verify.error) : t('portal.linkIncomplete')}
          </FormMessage>
        }
      />
    );
  return (
    <AuthCard title={t('portal.title')}>
      <p role="status">{t('portal.opening')}</p>
    </AuthCard>
  );
}

/**
 * Asking for a code: the ticket number and the address or phone it was opened with (the
 * answer is the same whether they match or not), then the code from the message.
 */
function Access(props: {
  slug: string;
  ticket?: number;
  notice?: React.ReactNode;
  onOpened: (number: number) => void;
}) {
  const t = useT();
  const errorText = useErrorText();
  const { locale } = useLocale();
  const [ticket, setTicket] = useState(props.ticket ? String(props.ticket) : '');
  const [contact, setContact] = useState('');
  const [code, setCode] = useState('');
  const [asked, setAsked] = useState(false);
  const ask = useMutation({
    mutationFn: () =>
      portalApi.requestAccess(props.slug, {
        ticket: ticket.trim(),
        contact: contact.trim(),
        locale,
      }),
    onSuccess: () => setAsked(true),
  });
  const verify = useMutation({
    mutationFn: () =>
      portalApi.verify(props.slug, { ticket: ticket.trim(), code: typedCode(code) }),
    onSuccess: (session) => props.onOpened(session.ticket.number),
  });
  if (asked)
    return (
      <AuthCard title={t('portal.codeTitle')} onSubmit={() => verify.mutate()}>
        <FormMessage>{t('portal.codeSent', { minutes: 15 })}</FormMessage>
        <CodeField
          label={t('portal.code')}
          kind="app"
          value={code}
          onChange={setCode}
          autoFocus
          testId="portal-code"
        />
        {verify.isError && <FormMessage error>{errorText(verify.error)}</FormMessage>}
        <button type="submit" className={`w-full ${primaryButton}`} disabled={verify.isPending}>
          {t('portal.open')}
        </button>
        <button
          type="button"
          className={linkClass}
          onClick={() => {
            setAsked(false);
            setCode('');
            verify.reset();
          }}
        >
          {t('portal.startOver')}
        </button>
      </AuthCard>
    );
  return (
    <AuthCard title={t('portal.accessTitle')} onSubmit={() => ask.mutate()}>
      {props.notice}
      <p className="text-sm text-slate-600 dark:text-slate-300">{t('portal.accessIntro')}</p>
      <Field
        label={t('portal.ticket')}
        value={ticket}
        onChange={setTicket}
        maxLength={40}
        testId="portal-ticket"
      />
      <Field
        label={t('portal.contact')}
        autoComplete="email"
        value={contact}
        onChange={setContact}
        minLength={3}
        maxLength={254}
        testId="portal-contact"
      />
      {ask.isError && <FormMessage error>{errorText(ask.error)}</FormMessage>}
      <button type="submit" className={`w-full ${primaryButton}`} disabled={ask.isPending}>
        {t('portal.sendCode')}
      </button>
    </AuthCard>
  );
}

const statusColors: Record<PortalStatus, string> = {
  received: 'bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100',
  in_progress: 'bg-indigo-100 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100',
  awaiting_your_reply: 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100',
  resolved: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100',
  closed: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100',
};

/** The ticket: status, when to expect an answer, the public messages and a reply box. */
function Ticket(props: { slug: string; number: number; go: (path: string) => void }) {
  const { slug, number } = props;
  const t = useT();
  const intl = useIntl();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const key = ['portal', slug, number];
  const ticket = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => portalApi.ticket(slug, number, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: PortalTicket) => page.messages.nextCursor ?? undefined,
  });
  const [text, setText] = useState('');
  const [followUp, setFollowUp] = useState<string | null>(null);
  const reply = useMutation({
    mutationFn: () => portalApi.reply(slug, number, text.trim()),
    onSuccess: async (created) => {
      setText('');
      if (created.ticket.followUp) setFollowUp(created.ticket.displayNumber);
      await queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const first = ticket.data?.pages[0];
  if (ticket.isError) {
    const signedOut =
      ticket.error instanceof ApiError && ticket.error.code === 'portal_session_invalid';
    return (
      <Access
        slug={slug}
        ticket={number}
        onOpened={(opened) => {
          if (opened === number) void ticket.refetch();
          else props.go(ticketPath(slug, opened));
        }}
        notice={signedOut ? null : <FormMessage error>{errorText(ticket.error)}</FormMessage>}
      />
    );
  }
  if (!first)
    return (
      <main className="p-6" role="status">
        {t('app.loading')}
      </main>
    );
  const messages = (ticket.data?.pages ?? []).flatMap((page) => page.messages.data);
  const when = (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (text.trim()) reply.mutate();
  };
  return (
    <main className="mx-auto flex min-h-full max-w-3xl flex-col gap-6 p-4 sm:p-8">
      <header className="flex flex-wrap items-center gap-3">
        <MessagesSquare aria-hidden className="size-8 shrink-0 text-indigo-600" />
        <div className="min-w-0 flex-1">
          <p className="text-sm text-slate-600 dark:text-slate-300">
            <bdi data-testid="portal-number">{first.displayNumber}</bdi> ·{' '}
            {t('portal.opened', { date: when(first.createdAt) })}
          </p>
          <h1 className="text-2xl font-semibold break-words" dir="auto">
            {first.subject || t('portal.noSubject')}
          </h1>
        </div>
        <span
          className={`rounded-full px-3 py-1 text-sm font-medium ${statusColors[first.status]}`}
          data-testid="portal-status"
        >
          {t(`portal.status.${first.status}`)}
        </span>
      </header>
      {(first.expected.firstResponseBy ?? first.expected.resolutionBy) && (
        <p className="rounded-lg bg-slate-100 p-3 text-sm dark:bg-slate-800">
          {first.expected.firstResponseBy
            ? t('portal.firstResponseBy', { date: when(first.expected.firstResponseBy) })
            : t('portal.resolutionBy', { date: when(first.expected.resolutionBy ?? '') })}
        </p>
      )}
      <ol className="flex flex-col gap-4" aria-label={t('portal.messages')}>
        {messages.map((m) => (
          <MessageItem key={m.id} message={m} when={when(m.createdAt)} />
        ))}
      </ol>
      {ticket.hasNextPage && (
        <button
          type="button"
          className={linkClass}
          onClick={() => void ticket.fetchNextPage()}
          disabled={ticket.isFetchingNextPage}
        >
          {t('portal.more')}
        </button>
      )}
      {followUp && <FormMessage>{t('portal.followUp', { number: followUp })}</FormMessage>}
      <form onSubmit={submit} className="flex flex-col gap-2">
        <label className="text-sm font-medium" htmlFor="portal-reply">
          {t('portal.reply')}
        </label>
        <textarea
          id="portal-reply"
          className={`${inputClass} min-h-28`}
          dir="auto"
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={100_000}
          required
        />
        {first.status === 'closed' && (
          <p className="text-sm text-slate-600 dark:text-slate-300">{t('portal.closedNote')}</p>
        )}
        {reply.isError && <FormMessage error>{errorText(reply.error)}</FormMessage>}
        {reply.isSuccess && !followUp && <FormMessage>{t('portal.sent')}</FormMessage>}
        <div className="flex items-center justify-between gap-4">
          <LocalePicker />
          <button type="submit" className={primaryButton} disabled={reply.isPending}>
            {t('portal.send')}
          </button>
        </div>
      </form>
    </main>
  );
}

function MessageItem({ message: m, when }: { message: PortalMessage; when: string }) {
  const t = useT();
  const mine = m.from === 'you';
  const who =
    m.from === 'you'
      ? t('portal.from.you')
      : m.from === 'automatic'
        ? t('portal.from.automatic')
        : (m.authorName ?? t('portal.from.team'));
  return (
    <li
      className={`rounded-xl border p-4 ${
        mine
          ? 'ms-8 border-indigo-200 bg-indigo-50 dark:border-indigo-900 dark:bg-indigo-950'
          : 'me-8 border-slate-200 dark:border-slate-800'
      }`}
      data-testid="portal-message"
    >
      <p className="mb-2 flex flex-wrap justify-between gap-2 text-xs text-slate-600 dark:text-slate-300">
        <bdi className="font-medium">{who}</bdi>
        <time dateTime={m.createdAt}>{when}</time>
      </p>
      <MessageBody html={m.html} text={m.text} />
    </li>
  );
}
