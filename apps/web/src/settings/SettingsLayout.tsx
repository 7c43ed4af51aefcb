import { useSuspenseQuery } from '@tanstack/react-query';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { Settings } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useT } from '../i18n.js';
import { BackToInbox } from '../pages/BackToInbox.js';
import { LocalePicker } from '../pages/LocalePicker.js';
import { useLiveConnection } from '../pages/Shell.js';
import { meQuery } from '../router.js';
import { sectionPaths, sectionsFor } from './access.js';
import { muted } from './ui.js';

/**
 * The settings area: its own page beside the inbox (the list would only be in the way), with
 * the sections the user's role may change. The realtime connection stays open here, so an
 * admin busy in settings stays online for routing.
 */
export function SettingsLayout() {
  const t = useT();
  const { data: me } = useSuspenseQuery(meQuery);
  useLiveConnection();
  const sections = sectionsFor(me.user.role);
  // On a phone the sections are a row that scrolls sideways: keep the current one in sight.
  const menu = useRef<HTMLUListElement>(null);
  const path = useRouterState({ select: (state) => state.location.pathname });
  useEffect(() => {
    menu.current
      ?.querySelector('[aria-current=page]')
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [path]);
  return (
    <div className="flex h-full flex-col">
      <header className="flex h-14 shrink-0 items-center gap-3 border-b border-slate-200 px-4 dark:border-slate-800">
        <BackToInbox />
        <h1 className="flex min-w-0 items-center gap-2 font-semibold">
          <Settings aria-hidden className="size-5 shrink-0 text-indigo-600 dark:text-indigo-400" />
          <span className="truncate">{t('settings.title')}</span>
        </h1>
        <div className="ms-auto">
          <LocalePicker />
        </div>
      </header>
      <div className="flex min-h-0 flex-1 flex-col md:flex-row">
        <nav
          aria-label={t('settings.sections')}
          className="shrink-0 border-b border-slate-200 bg-slate-50 md:w-56 md:border-b-0 md:border-e dark:border-slate-800 dark:bg-slate-900"
        >
          {sections.length === 0 ? (
            <p className={`p-4 text-sm ${muted}`}>{t('settings.noAccess')}</p>
          ) : (
            <ul
              ref={menu}
              className="flex gap-1 overflow-x-auto p-2 md:flex-col md:gap-0.5 md:overflow-visible md:p-3"
            >
              {sections.map((s) => (
                <li key={s.id} className="shrink-0">
                  <Link
                    to={sectionPaths[s.id]}
                    data-testid={`settings-nav-${s.id}`}
                    className="block whitespace-nowrap rounded-md px-3 py-1.5 text-sm"
                    activeProps={{
                      'aria-current': 'page',
                      className:
                        'bg-indigo-100 font-medium text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100',
                    }}
                    inactiveProps={{
                      className:
                        'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
                    }}
                  >
                    {t(`settings.section.${s.id}`)}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <main className="min-h-0 min-w-0 flex-1 overflow-y-auto">
          <Outlet />
        </main>
      </div>
    </div>
  );
}

/** /settings for someone with no section (the route sends everyone else to their first one). */
export function SettingsIndex() {
  const t = useT();
  return <p className={`p-6 text-sm ${muted}`}>{t('settings.noAccess')}</p>;
}
