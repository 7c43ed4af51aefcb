import type { Notification as ParleyNotification } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Bell } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.js';
import { relativeTime } from '../format.js';
import { useT } from '../i18n.js';
import { realtime } from '../realtime.js';

/** The words for one notification, in the reader's language. */
export function useNotificationText() {
  const t = useT();
  return (n: ParleyNotification) => {
    const values = {
      number: n.conversation?.displayNumber ?? '',
      actor: n.actor?.name ?? '',
    };
    if (n.type === 'assigned' && !n.actor) return t('notification.assignedByRouting', values);
    return t(`notification.${n.type}`, values);
  };
}

/**
 * The bell: unread count, the list (newest first), mark read, open the conversation; a new
 * one arrives live and, when permitted and the tab is hidden, as a desktop notification.
 */
export function NotificationCentre({ userId }: { userId: string }) {
  const t = useT();
  const intl = useIntl();
  const text = useNotificationText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const list = useQuery({ queryKey: ['notifications'], queryFn: () => api.notifications() });
  const markRead = useMutation({
    mutationFn: api.markNotificationsRead,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
  const [permission, setPermission] = useState(() =>
    'Notification' in window ? Notification.permission : 'denied',
  );

  // Live: refetch on a new one; show it on the desktop when the tab is not in front.
  useEffect(
    () =>
      realtime().onFrame((frame) => {
        if (
          frame.type !== 'event' ||
          frame.event.type !== 'notification.created' ||
          frame.event.aggregateId !== userId
        )
          return;
        void queryClient
          .query({ queryKey: ['notifications'], queryFn: () => api.notifications() })
          .then((page) => {
            const newest = page.data[0];
            if (!newest || document.visibilityState === 'visible') return;
            if (!('Notification' in window) || Notification.permission !== 'granted') return;
            const shown = new Notification(t('app.name'), { body: text(newest), tag: newest.id });
            shown.onclick = () => {
              window.focus();
              if (newest.conversation)
                void navigate({
                  to: '/conversations/$id',
                  params: { id: newest.conversation.id },
                  search: { view: 'mine' },
                });
            };
          });
      }),
    [queryClient, userId, navigate, t, text],
  );

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!panel.current?.contains(event.target as Node)) setOpen(false);
    };
    const escape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);

  const unread = list.data?.unreadCount ?? 0;
  const openOne = (n: ParleyNotification) => {
    if (!n.read) markRead.mutate({ ids: [n.id] });
    setOpen(false);
    if (n.conversation)
      void navigate({
        to: '/conversations/$id',
        params: { id: n.conversation.id },
        search: { view: 'mine' },
      });
  };

  return (
    <div className="relative" ref={panel}>
      <button
        type="button"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        aria-label={t('notifications.open', { count: unread })}
        className="relative rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
        data-testid="notifications"
      >
        <Bell aria-hidden className="size-5" />
        {unread > 0 && (
          <span
            aria-hidden
            className="absolute -end-0.5 -top-0.5 flex min-w-4 items-center justify-center rounded-full bg-red-600 px-1 text-[10px] font-bold leading-4 text-white"
            data-testid="notifications-unread"
          >
            {unread > 99 ? '99+' : intl.formatNumber(unread)}
          </span>
        )}
      </button>
      {open && (
        <div
          role="dialog"
          aria-label={t('notifications.title')}
          // Below 1280 px the bell sits near the screen's start edge (the sidebar is a drawer),
          // where a panel hanging from it would be cut off: under the header instead.
          className="absolute end-0 z-40 mt-2 w-80 overflow-hidden max-xl:fixed max-xl:start-2 max-xl:end-auto max-xl:top-14 max-xl:w-[min(20rem,calc(100vw-1rem))] rounded-lg border border-slate-200 bg-white shadow-xl dark:border-slate-700 dark:bg-slate-900"
        >
          <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2 dark:border-slate-700">
            <h2 className="text-sm font-semibold">{t('notifications.title')}</h2>
            {unread > 0 && (
              <button
                type="button"
                onClick={() => markRead.mutate({ all: true })}
                className="text-xs text-indigo-700 hover:underline dark:text-indigo-300"
              >
                {t('notifications.markAllRead')}
              </button>
            )}
          </div>
          {permission === 'default' && (
            <button
              type="button"
              onClick={() => void Notification.requestPermission().then((p) => setPermission(p))}
              className="block w-full border-b border-slate-200 px-3 py-2 text-start text-xs text-indigo-700 hover:bg-slate-50 dark:border-slate-700 dark:text-indigo-300 dark:hover:bg-slate-800"
            >
              {t('notifications.enableDesktop')}
            </button>
          )}
          <ul className="max-h-96 overflow-y-auto" data-testid="notification-list">
            {list.data?.data.length === 0 && (
              <li className="px-3 py-6 text-center text-sm text-slate-600">
                {t('notifications.empty')}
              </li>
            )}
            {list.data?.data.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  onClick={() => openOne(n)}
                  className={`flex w-full gap-2 px-3 py-2 text-start text-sm hover:bg-slate-50 dark:hover:bg-slate-800 ${
                    n.read ? 'text-slate-600 dark:text-slate-400' : 'font-medium'
                  }`}
                  data-testid="notification"
                >
                  <span
                    aria-hidden
                    className={`mt-1.5 size-2 shrink-0 rounded-full ${n.read ? 'bg-transparent' : 'bg-indigo-600'}`}
                  />
                  <span className="min-w-0 flex-1">
                    <span className="block" dir="auto">
                      {text(n)}
                    </span>
                    {n.conversation?.subject && (
                      <span
                        className="block truncate text-xs text-slate-600 dark:text-slate-400"
                        dir="auto"
                      >
                        {n.conversation.subject}
                      </span>
                    )}
                    <span className="block text-xs text-slate-600 dark:text-slate-400">
                      {relativeTime(n.createdAt, intl.locale)}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
