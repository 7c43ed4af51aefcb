import { useT } from '../i18n.js';
import { muted } from '../settings/ui.js';

/** The manager screens' tables: cells and rows alike. */
export const th = 'px-3 py-2 text-start text-xs font-semibold uppercase tracking-wide';
export const td = 'px-3 py-2 align-top';
export const rowClass = 'border-t border-slate-200 dark:border-slate-800';

/** A table's head: one column header per label. */
export function HeadRow({ labels }: { labels: readonly string[] }) {
  return (
    <thead className={muted}>
      <tr>
        {labels.map((label) => (
          <th key={label} scope="col" className={th}>
            {label}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A conversation as the manager screens link it: its number (left to right) and subject. */
export function NumberAndSubject(props: { displayNumber: string; subject: string }) {
  const t = useT();
  return (
    <>
      <span dir="ltr" className="shrink-0 tabular-nums">
        {props.displayNumber}
      </span>
      <span className="min-w-0 truncate" dir="auto">
        {props.subject || t('list.noSubject')}
      </span>
    </>
  );
}
