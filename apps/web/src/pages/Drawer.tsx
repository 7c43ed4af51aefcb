import { useRouterState } from '@tanstack/react-router';
import { X } from 'lucide-react';
import {
  useCallback,
  useEffect,
  useRef,
  useSyncExternalStore,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { useT } from '../i18n.js';

/**
 * Tailwind's `xl`: from here the views sidebar sits beside the list. Narrower, it would leave
 * the conversation a sliver (240 + 384 px of 800 on a tablet), so it opens as a drawer.
 */
export const SIDEBAR_INLINE = '(min-width: 80rem)';
/** Tailwind's `lg`: from here the conversation's details sit beside the timeline. */
export const DETAILS_INLINE = '(min-width: 64rem)';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Tab from the last control goes to the first and Shift+Tab back (a modal dialog alone lets
 * focus leave for the browser's own toolbar).
 */
function wrapFocus(event: KeyboardEvent<HTMLDialogElement>) {
  if (event.key !== 'Tab') return;
  const controls = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) =>
    el.checkVisibility(),
  );
  const first = controls[0];
  const last = controls.at(-1);
  const next = event.shiftKey
    ? document.activeElement === first && last
    : document.activeElement === last && first;
  if (!next) return;
  event.preventDefault();
  next.focus();
}

/**
 * Whether a media query matches, kept current. For the places where the width decides what is
 * rendered (inline, or in a drawer), not only how: one instance of a panel at a time, so ids,
 * test ids and queries are never doubled by a hidden copy.
 */
export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    [query],
  );
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches);
}

/**
 * A panel sliding in from one side (`start`: the left, the right in Persian; `end`: the other)
 * as a native modal dialog: focus stays inside (and wraps), Esc or a tap beside it closes it, focus goes
 * back to the button that opened it, and any navigation (a view, a conversation, the profile)
 * closes it too.
 */
export function Drawer(props: {
  side: 'start' | 'end';
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const t = useT();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const href = useRouterState({ select: (state) => state.location.href });
  const openedAt = useRef(href);
  useEffect(() => {
    if (href !== openedAt.current) dialog.current?.close();
  }, [href]);
  const side =
    props.side === 'start'
      ? 'start-0 end-auto border-e motion-safe:starting:-translate-x-full motion-safe:rtl:starting:translate-x-full'
      : 'start-auto end-0 border-s motion-safe:starting:translate-x-full motion-safe:rtl:starting:-translate-x-full';
  return (
    <dialog
      ref={dialog}
      onClose={props.onClose}
      onKeyDown={wrapFocus}
      // A tap on the backdrop lands on the dialog itself (its content fills the panel).
      onClick={(event) => {
        if (event.target === event.currentTarget) dialog.current?.close();
      }}
      aria-labelledby="drawer-title"
      data-testid={props.testId}
      className={`fixed inset-y-0 m-0 h-dvh max-h-none w-80 max-w-[88vw] flex-col border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40 open:flex motion-safe:transition-transform motion-safe:duration-200 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 ${side}`}
    >
      <div className="flex h-14 shrink-0 items-center justify-between gap-2 border-b border-slate-200 px-4 dark:border-slate-800">
        <h2 id="drawer-title" className="truncate font-semibold">
          {props.title}
        </h2>
        <button
          type="button"
          onClick={() => dialog.current?.close()}
          className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
          aria-label={t('drawer.close')}
          data-testid="drawer-close"
        >
          <X aria-hidden className="size-5" />
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">{props.children}</div>
    </dialog>
  );
}
