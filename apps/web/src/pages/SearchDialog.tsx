import type { SearchResults } from '@parley/contract';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Search } from 'lucide-react';
import { useDeferredValue, useEffect, useRef, useState, type ReactNode } from 'react';
import { api } from '../api.js';
import { useErrorText, useT } from '../i18n.js';

type Hit =
  | { kind: 'conversation'; item: SearchResults['conversations'][number] }
  | { kind: 'contact'; item: SearchResults['contacts'][number] };

/**
 * Search across conversations and customers (`/` opens it): results grouped, ↑/↓ move,
 * Enter opens, Esc closes. The server escapes snippets and marks matches with <mark>.
 */
export function SearchDialog({ onClose, view }: { onClose: () => void; view: string }) {
  const t = useT();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const dialog = useRef<HTMLDialogElement>(null);
  const [q, setQ] = useState('');
  const deferred = useDeferredValue(q.trim());
  const [active, setActive] = useState(0);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const results = useQuery({
    queryKey: ['search', deferred],
    queryFn: () => api.search(deferred),
    enabled: deferred.length > 0,
    staleTime: 10_000,
  });
  const hits: Hit[] = [
    ...(results.data?.conversations ?? []).map((item) => ({ kind: 'conversation' as const, item })),
    ...(results.data?.contacts ?? []).map((item) => ({ kind: 'contact' as const, item })),
  ];
  const open = (hit: Hit | undefined) => {
    if (!hit) return;
    if (hit.kind === 'conversation')
      void navigate({
        to: '/conversations/$id',
        params: { id: hit.item.conversation.id },
        search: { view },
      });
    else void navigate({ to: '/', search: { view } });
    dialog.current?.close();
  };
  const row = (hit: Hit, index: number) => {
    const selected = index === active;
    if (hit.kind === 'conversation') {
      const c = hit.item.conversation;
      return (
        <li key={c.id}>
          <HitButton selected={selected} onClick={() => open(hit)} testId="search-hit">
            <span className="flex gap-2">
              <span className="text-slate-600 dark:text-slate-400" dir="ltr">
                {c.displayNumber}
              </span>
              <span className="truncate font-medium" dir="auto">
                {c.subject}
              </span>
            </span>
            <span
              className="block truncate text-xs text-slate-600 dark:text-slate-400 [&_mark]:bg-amber-200 dark:[&_mark]:bg-amber-700"
              dir="auto"
              dangerouslySetInnerHTML={{ __html: hit.item.snippet }}
            />
          </HitButton>
        </li>
      );
    }
    const p = hit.item;
    return (
      <li key={p.id}>
        <HitButton selected={selected} onClick={() => open(hit)}>
          <span className="font-medium" dir="auto">
            {p.name ?? p.email ?? p.phone}
          </span>{' '}
          <span className="text-xs text-slate-600 dark:text-slate-400" dir="ltr">
            {[p.email, p.phone].filter(Boolean).join(' · ')}
          </span>
        </HitButton>
      </li>
    );
  };
  const conversations = hits.filter((h) => h.kind === 'conversation');
  const contacts = hits.filter((h) => h.kind === 'contact');
  return (
    <dialog
      ref={dialog}
      onClose={onClose}
      aria-label={t('search.label')}
      className="mx-auto mt-24 w-full max-w-xl rounded-xl border border-slate-200 bg-white p-3 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      <label className="flex items-center gap-2 border-b border-slate-200 pb-2 dark:border-slate-700">
        <Search aria-hidden className="size-5 text-slate-600" />
        <span className="sr-only">{t('search.label')}</span>
        <input
          autoFocus
          value={q}
          dir="auto"
          onChange={(e) => {
            setQ(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((a) => Math.min(hits.length - 1, a + 1));
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
            else if (e.key === 'Enter') open(hits[active]);
            else return;
            e.preventDefault();
          }}
          placeholder={t('search.placeholder')}
          className="w-full bg-transparent p-1 outline-none"
          data-testid="search-input"
        />
      </label>
      <div className="max-h-96 overflow-y-auto pt-2">
        {results.isError && (
          <p role="alert" className="p-2 text-sm text-red-600">
            {errorText(results.error)}
          </p>
        )}
        {results.isSuccess && hits.length === 0 && (
          <p className="p-2 text-sm text-slate-600">{t('search.none', { q: deferred })}</p>
        )}
        {conversations.length > 0 && (
          <>
            <h2 className="px-3 pt-1 text-xs font-semibold uppercase tracking-wide text-slate-600">
              {t('search.conversations')}
            </h2>
            <ul aria-label={t('search.conversations')}>
              {conversations.map((hit, i) => row(hit, i))}
            </ul>
          </>
        )}
        {contacts.length > 0 && (
          <>
            <h2 className="px-3 pt-2 text-xs font-semibold uppercase tracking-wide text-slate-600">
              {t('search.customers')}
            </h2>
            <ul aria-label={t('search.customers')}>
              {contacts.map((hit, i) => row(hit, conversations.length + i))}
            </ul>
          </>
        )}
      </div>
    </dialog>
  );
}

/** One result: a button, highlighted while the arrow keys are on it. */
function HitButton(props: {
  selected: boolean;
  onClick: () => void;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      onClick={props.onClick}
      aria-current={props.selected ? 'true' : undefined}
      data-testid={props.testId}
      className={`block w-full rounded-md px-3 py-2 text-start text-sm ${
        props.selected
          ? 'bg-indigo-100 dark:bg-indigo-950'
          : 'hover:bg-slate-100 dark:hover:bg-slate-800'
      }`}
    >
      {props.children}
    </button>
  );
}
