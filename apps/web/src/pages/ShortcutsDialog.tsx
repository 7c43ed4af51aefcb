import { useEffect, useRef } from 'react';
import { useT } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';

const shortcuts: [string, MessageKey][] = [
  ['j / k', 'shortcuts.move'],
  ['Enter', 'shortcuts.open'],
  ['r', 'shortcuts.reply'],
  ['n', 'shortcuts.note'],
  ['e', 'shortcuts.resolve'],
  ['a', 'shortcuts.assign'],
  ['g i', 'shortcuts.inbox'],
  ['/', 'shortcuts.search'],
  ['?', 'shortcuts.help'],
];

/** The list of shortcuts, in a native modal dialog (focus trapped, Esc closes). */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      onClose={onClose}
      aria-labelledby="shortcuts-title"
      className="m-auto w-full max-w-md rounded-xl border border-slate-200 bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      <h2 id="shortcuts-title" className="mb-4 text-lg font-semibold">
        {t('shortcuts.title')}
      </h2>
      <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
        {shortcuts.map(([keys, label]) => (
          <div key={keys} className="contents">
            <dt>
              <kbd className="rounded border border-slate-300 px-1.5 py-0.5 font-mono text-xs dark:border-slate-600">
                {keys}
              </kbd>
            </dt>
            <dd>{t(label)}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog" className="mt-6 text-end">
        <button className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white">
          {t('shortcuts.close')}
        </button>
      </form>
    </dialog>
  );
}
