import { Link } from '@tanstack/react-router';
import { ArrowLeft } from 'lucide-react';
import { useT } from '../i18n.js';

/** The way back to the inbox at the start of a page's header (the word hides at phone width). */
export function BackToInbox() {
  const t = useT();
  return (
    <Link
      to="/"
      className="flex shrink-0 items-center gap-1 rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
    >
      <ArrowLeft aria-hidden className="size-4 shrink-0 rtl:-scale-x-100" />
      <span className="sr-only sm:not-sr-only">{t('conversation.back')}</span>
    </Link>
  );
}
