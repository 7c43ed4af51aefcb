import type { CannedResponse, User } from '@parley/contract';
import { useQuery } from '@tanstack/react-query';
import { MessageSquareText } from 'lucide-react';
import { useDeferredValue, useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import { useErrorText, useT } from '../i18n.js';

/**
 * The keys that send from the composer (it takes Ctrl or ⌘ with Enter), as the keyboard of
 * `platform` (userAgentData's platform, else the user agent) labels them: ⌘ on Apple devices.
 */
export function sendKeys(platform: string): string {
  return /mac|iphone|ipad|ipod/i.test(platform) ? '⌘+Enter' : 'Ctrl+Enter';
}

/** This browser's platform, for `sendKeys` (userAgentData is Chromium's; others say it in the user agent). */
export function browserPlatform(): string {
  const data = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData;
  return data?.platform || navigator.userAgent;
}

/**
 * Canned responses for the composer: search (title, shortcut, text), ↑/↓ and Enter, filled
 * for this conversation by the server and handed to `onInsert`.
 */
export function CannedPicker(props: {
  conversationId: string;
  language: string | null;
  onInsert: (text: string) => void;
}) {
  const t = useT();
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const [failed, setFailed] = useState<unknown>(null);
  const deferred = useDeferredValue(q);
  const box = useRef<HTMLDivElement>(null);
  const language =
    props.language && /^(en|pl|sv|fa|zh)$/.test(props.language) ? props.language : '';
  const list = useQuery({
    queryKey: ['canned', deferred],
    queryFn: () => api.canned(deferred, ''),
    enabled: open,
  });
  // Every response the search finds, those in the conversation's language first.
  const items = [...(list.data?.data ?? [])].sort(
    (a, b) => Number(b.language === language) - Number(a.language === language),
  );
  useEffect(() => setActive(0), [deferred]);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!box.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const choose = (item: CannedResponse | undefined) => {
    if (!item) return;
    setFailed(null);
    api
      .renderCanned(item.id, props.conversationId)
      .then(({ text }) => {
        props.onInsert(text);
        setOpen(false);
        setQ('');
      })
      .catch((error: unknown) => setFailed(error));
  };

  return (
    <div className="relative" ref={box}>
      <button
        type="button"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        className="flex items-center gap-1 whitespace-nowrap rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
        data-testid="canned-open"
      >
        <MessageSquareText aria-hidden className="size-4" />
        {t('canned.title')}
      </button>
      {open && (
        <div
          role="dialog"
          aria-label={t('canned.title')}
          className="absolute bottom-full start-0 z-30 mb-2 w-96 max-w-[80vw] overflow-hidden rounded-lg border border-slate-200 bg-white shadow-xl dark:border-slate-700 dark:bg-slate-900"
        >
          <input
            autoFocus
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown') setActive(Math.min(active + 1, items.length - 1));
              else if (e.key === 'ArrowUp') setActive(Math.max(active - 1, 0));
              else if (e.key === 'Enter') choose(items[active]);
              else if (e.key === 'Escape') setOpen(false);
              else return;
              e.preventDefault();
            }}
            placeholder={t('canned.search')}
            aria-label={t('canned.search')}
            className="block w-full border-b border-slate-200 bg-transparent px-3 py-2 text-sm outline-none dark:border-slate-700"
            data-testid="canned-search"
          />
          {failed !== null && (
            <p role="alert" className="px-3 py-2 text-sm text-red-600">
              {errorText(failed)}
            </p>
          )}
          <ul role="listbox" aria-label={t('canned.title')} className="max-h-64 overflow-y-auto">
            {list.isSuccess && items.length === 0 && (
              <li className="px-3 py-4 text-center text-sm text-slate-600">{t('canned.none')}</li>
            )}
            {items.map((item, i) => (
              <li
                key={item.id}
                role="option"
                aria-selected={i === active}
                onMouseEnter={() => setActive(i)}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(item);
                }}
                className={`cursor-pointer px-3 py-2 text-sm ${
                  i === active ? 'bg-indigo-50 dark:bg-indigo-950' : ''
                }`}
                data-testid="canned-item"
              >
                <span className="flex items-center gap-2 font-medium">
                  <span dir="auto">{item.title}</span>
                  {item.shortcut && (
                    <span
                      className="text-xs font-normal text-slate-600 dark:text-slate-400"
                      dir="ltr"
                    >
                      /{item.shortcut}
                    </span>
                  )}
                </span>
                <span
                  className="block truncate text-xs text-slate-600 dark:text-slate-400"
                  dir="auto"
                >
                  {item.body}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** The `@word` being typed right before the caret, if any. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([\p{L}\p{N}_.-]{0,40})$/u.exec(before);
  if (!match) return null;
  return { start: caret - (match[2]?.length ?? 0) - 1, query: match[2] ?? '' };
}

/** The colleagues whose `@Name` is still in the text (a mention deleted is no mention). */
export function mentionedIds(text: string, chosen: Map<string, string>): string[] {
  return [...chosen].filter(([, name]) => text.includes(`@${name}`)).map(([id]) => id);
}

/** Suggestions for an `@` in a note: active colleagues whose name starts a word with the query. */
export function MentionSuggestions(props: {
  users: User[];
  query: string;
  meId: string;
  active: number;
  onPick: (user: User) => void;
}) {
  const t = useT();
  const q = props.query.toLocaleLowerCase();
  const matches = mentionCandidates(props.users, props.query, props.meId);
  if (matches.length === 0) return null;
  return (
    <ul
      role="listbox"
      aria-label={t('mention.suggestions')}
      className="absolute bottom-full start-0 z-30 mb-1 w-64 overflow-hidden rounded-md border border-slate-200 bg-white text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900"
      data-testid="mention-suggestions"
      data-query={q}
    >
      {matches.map((user, i) => (
        <li
          key={user.id}
          role="option"
          aria-selected={i === props.active}
          onMouseDown={(e) => {
            e.preventDefault();
            props.onPick(user);
          }}
          className={`cursor-pointer px-3 py-1.5 ${i === props.active ? 'bg-indigo-50 dark:bg-indigo-950' : ''}`}
        >
          <span dir="auto">{user.name}</span>
        </li>
      ))}
    </ul>
  );
}

export function mentionCandidates(users: User[], query: string, meId: string): User[] {
  const q = query.toLocaleLowerCase();
  return users
    .filter((u) => u.status === 'active' && u.id !== meId)
    .filter((u) =>
      u.name
        .toLocaleLowerCase()
        .split(/\s+/)
        .some((word) => word.startsWith(q)),
    )
    .slice(0, 6);
}
