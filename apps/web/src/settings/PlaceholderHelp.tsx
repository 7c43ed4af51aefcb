import { useT } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { muted } from './ui.js';

/** Buttons that put a placeholder into the text, each with what it stands for. */
export function PlaceholderHelp(props: {
  names: readonly string[];
  describe: (name: string) => MessageKey;
  onInsert: (name: string) => void;
}) {
  const t = useT();
  return (
    <div>
      <p className={`text-xs ${muted}`}>{t('settings.placeholders.help')}</p>
      <ul className="mt-1 grid gap-x-4 gap-y-1 sm:grid-cols-2">
        {props.names.map((name) => (
          <li key={name} className="flex min-w-0 items-baseline gap-2 text-xs">
            <button
              type="button"
              onClick={() => props.onInsert(name)}
              aria-label={t('settings.placeholders.insert', {
                token: `{${name}}`,
                meaning: t(props.describe(name)),
              })}
              className="shrink-0 rounded bg-slate-100 px-1.5 py-0.5 font-mono text-slate-800 hover:bg-indigo-100 dark:bg-slate-800 dark:text-slate-200 dark:hover:bg-indigo-950"
              dir="ltr"
            >
              {`{${name}}`}
            </button>
            <span aria-hidden className={`min-w-0 ${muted}`}>
              {t(props.describe(name))}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
