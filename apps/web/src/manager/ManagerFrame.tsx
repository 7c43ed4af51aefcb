import { useSuspenseQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ChartColumn, ListOrdered } from 'lucide-react';
import type { ReactNode } from 'react';
import { useT } from '../i18n.js';
import { BackToInbox } from '../pages/BackToInbox.js';
import { LocalePicker } from '../pages/LocalePicker.js';
import { useLiveConnection } from '../pages/Shell.js';
import { meQuery } from '../router.js';
import { canSeeManagerViews } from '../settings/access.js';
import { muted } from '../settings/ui.js';

const tabClass = 'flex items-center gap-1.5 whitespace-nowrap rounded-md px-3 py-1.5 text-sm';

/**
 * The manager screens' page: back to the inbox, the two screens as tabs, the language.
 * Below a manager's role it says so instead of showing anything (the API would refuse too).
 * The realtime connection stays open: its events keep the figures current.
 */
export function ManagerFrame(props: { title: string; children: ReactNode }) {
  const t = useT();
  const { data: me } = useSuspenseQuery(meQuery);
  useLiveConnection();
  const allowed = canSeeManagerViews(me.user.role);
  const tab = (to: '/queues' | '/reports/sla', icon: ReactNode, label: string, testId: string) => (
    <Link
      to={to}
      data-testid={testId}
      className={tabClass}
      activeProps={{
        'aria-current': 'page',
        className:
          'bg-indigo-100 font-medium text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100',
      }}
      inactiveProps={{
        className: 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
      }}
    >
      {icon}
      {label}
    </Link>
  );
  return (
    <div className="flex h-full flex-col">
      <header className="flex h-14 shrink-0 items-center gap-3 border-b border-slate-200 px-4 dark:border-slate-800">
        <BackToInbox />
        {allowed && (
          <nav aria-label={t('manager.nav')} className="flex min-w-0 gap-1 overflow-x-auto">
            {tab(
              '/queues',
              <ListOrdered aria-hidden className="size-4 shrink-0" />,
              t('manager.queues.title'),
              'tab-queues',
            )}
            {tab(
              '/reports/sla',
              <ChartColumn aria-hidden className="size-4 shrink-0" />,
              t('manager.sla.title'),
              'tab-sla',
            )}
          </nav>
        )}
        <div className="ms-auto">
          <LocalePicker />
        </div>
      </header>
      <main className="min-h-0 flex-1 overflow-y-auto">
        <section aria-labelledby="manager-title" className="mx-auto w-full max-w-6xl p-4 md:p-6">
          <h1 id="manager-title" className="mb-4 text-lg font-semibold">
            {props.title}
          </h1>
          {allowed ? (
            <div className="space-y-6">{props.children}</div>
          ) : (
            <p className={`text-sm ${muted}`} role="alert" data-testid="manager-not-allowed">
              {t('manager.notAllowed')}
            </p>
          )}
        </section>
      </main>
    </div>
  );
}
