import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { IntlProvider, useIntl } from 'react-intl';
import { ApiError } from './api.js';
import { en, type MessageKey } from './messages/en.js';

export const locales = ['en', 'pl', 'sv', 'fa', 'zh'] as const;
export type AppLocale = (typeof locales)[number];

/** Each language in its own name, for the picker. */
export const localeNames: Record<AppLocale, string> = {
  en: 'English',
  pl: 'Polski',
  sv: 'Svenska',
  fa: 'فارسی',
  zh: '中文',
};

type Catalog = Record<MessageKey, string>;

/**
 * English (the source, and the words of any key a translation lacks) is in the first load;
 * the other catalogs are fetched when chosen, so the first load carries one language.
 */
const loaders: Record<Exclude<AppLocale, 'en'>, () => Promise<Catalog>> = {
  pl: () => import('./messages/pl.js').then((m) => m.pl),
  sv: () => import('./messages/sv.js').then((m) => m.sv),
  fa: () => import('./messages/fa.js').then((m) => m.fa),
  zh: () => import('./messages/zh.js').then((m) => m.zh),
};
const loaded: Partial<Record<AppLocale, Catalog>> = { en };

/** The locale Intl formats with: Persian dates in the Persian calendar, Chinese as zh-CN. */
const intlLocale: Record<AppLocale, string> = {
  en: 'en',
  pl: 'pl',
  sv: 'sv',
  fa: 'fa-IR-u-ca-persian',
  zh: 'zh-CN',
};

const STORAGE_KEY = 'parley.locale';

function isLocale(value: string | null | undefined): value is AppLocale {
  return (locales as readonly string[]).includes(value ?? '');
}

/** The saved choice, else the browser's first language we speak, else English. */
export function initialLocale(): AppLocale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (isLocale(saved)) return saved;
  for (const language of navigator.languages) {
    const base = language.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}

const LocaleContext = createContext<{ locale: AppLocale; setLocale: (locale: AppLocale) => void }>({
  locale: 'en',
  setLocale: () => undefined,
});

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [wanted, setWanted] = useState<AppLocale>(initialLocale);
  // The language shown: the wanted one once its catalog is here (until then, the previous).
  const [active, setActive] = useState<{ locale: AppLocale; messages: Catalog } | null>(() => {
    const messages = loaded[wanted];
    return messages ? { locale: wanted, messages } : null;
  });
  useEffect(() => {
    const ready = loaded[wanted];
    if (ready) {
      setActive({ locale: wanted, messages: ready });
      return;
    }
    if (wanted === 'en') return;
    let current = true;
    loaders[wanted]()
      .then((messages) => {
        loaded[wanted] = messages;
        if (current) setActive({ locale: wanted, messages });
      })
      .catch(() => {
        // Offline or a stale build: English rather than nothing.
        if (current) setActive({ locale: 'en', messages: en });
      });
    return () => {
      current = false;
    };
  }, [wanted]);
  const locale = active?.locale ?? wanted;
  useEffect(() => {
    // Right-to-left comes from `dir` alone: the layout uses logical properties throughout.
    document.documentElement.lang = locale === 'zh' ? 'zh-CN' : locale;
    document.documentElement.dir = locale === 'fa' ? 'rtl' : 'ltr';
  }, [locale]);
  const value = useMemo(
    () => ({
      locale,
      setLocale(next: AppLocale) {
        localStorage.setItem(STORAGE_KEY, next);
        setWanted(next);
      },
    }),
    [locale],
  );
  if (!active) return null;
  return (
    <LocaleContext.Provider value={value}>
      <IntlProvider locale={intlLocale[locale]} messages={active.messages} defaultLocale="en">
        {children}
      </IntlProvider>
    </LocaleContext.Provider>
  );
}

export const useLocale = () => useContext(LocaleContext);

/** `t('key', values)`: the message in the current language (keys are checked by TypeScript). */
export function useT() {
  const intl = useIntl();
  return (key: MessageKey, values?: Record<string, string | number>) =>
    intl.formatMessage({ id: key }, values);
}

/** An API error as a sentence in the user's language (the code picks it, the server's words fill in). */
export function useErrorText() {
  const t = useT();
  return (error: unknown): string => {
    if (error instanceof ApiError) {
      const key = `error.${error.code}`;
      if (key in en) return t(key as MessageKey, { message: error.message });
      return t('error.generic', { message: error.message });
    }
    return t('error.generic', { message: error instanceof Error ? error.message : String(error) });
  };
}
