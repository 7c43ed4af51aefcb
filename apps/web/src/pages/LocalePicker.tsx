import { Languages } from 'lucide-react';
import { localeNames, locales, useLocale, useT, type AppLocale } from '../i18n.js';

export function LocalePicker() {
  const { locale, setLocale } = useLocale();
  const t = useT();
  return (
    <label className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
      <Languages aria-hidden className="size-4" />
      <span className="sr-only">{t('app.language')}</span>
      <select
        value={locale}
        onChange={(event) => setLocale(event.target.value as AppLocale)}
        className="rounded-md border border-slate-300 bg-transparent px-2 py-1 dark:border-slate-700"
        data-testid="locale-picker"
      >
        {locales.map((code) => (
          <option key={code} value={code} lang={code}>
            {localeNames[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
