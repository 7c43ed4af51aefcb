import { MessagesSquare } from 'lucide-react';
import type { ReactNode, SyntheticEvent } from 'react';
import { LocalePicker } from './LocalePicker.js';
import { asciiDigits } from '../format.js';
import { useT } from '../i18n.js';

export const inputClass =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-700 dark:bg-slate-900';
export const primaryButton =
  'rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60';
export const secondaryButton =
  'rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800';
export const linkClass =
  'text-sm text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300';

/** The signed-out pages' frame: a card with the logo and a title, the language picker below. */
export function AuthCard(props: {
  title: string;
  onSubmit?: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    props.onSubmit?.();
  };
  return (
    <main className="flex min-h-full flex-col items-center justify-center gap-6 p-6">
      <form
        onSubmit={submit}
        className="w-full max-w-sm space-y-4 rounded-xl border border-slate-200 p-8 shadow-sm dark:border-slate-800"
      >
        <div className="flex items-center gap-3">
          <MessagesSquare aria-hidden className="size-8 shrink-0 text-indigo-600" />
          <h1 className="text-xl font-semibold">{props.title}</h1>
        </div>
        {props.children}
      </form>
      {props.footer}
      <LocalePicker />
    </main>
  );
}

/**
 * A labelled input. Emails, passwords and slugs are Latin and stay left-to-right; names
 * follow their own text (`dir="auto"`).
 */
export function Field(props: {
  label: string;
  hint?: string;
  type?: 'email' | 'password' | 'text';
  autoComplete?: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  dir?: 'ltr' | 'auto';
  testId?: string;
  /** A code (one-time or recovery): monospace, no spelling or capitals help, the keyboard given. */
  code?: { inputMode: 'numeric' | 'text' };
  autoFocus?: boolean;
}) {
  return (
    <label className="block text-sm font-medium">
      {props.label}
      {props.hint && (
        <span className="block font-normal text-slate-600 dark:text-slate-400">{props.hint}</span>
      )}
      <input
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        minLength={props.minLength}
        maxLength={props.maxLength}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        className={props.code ? `${inputClass} font-mono tracking-widest` : inputClass}
        dir={props.dir ?? 'ltr'}
        data-testid={props.testId}
        {...(props.code
          ? { inputMode: props.code.inputMode, autoCapitalize: 'off', spellCheck: false }
          : {})}
        autoFocus={props.autoFocus}
      />
    </label>
  );
}

/** The signed-in or signing-in person's own password (the browser's password manager fills it). */
export function CurrentPassword(props: {
  value: string;
  onChange: (value: string) => void;
  testId?: string;
}) {
  const t = useT();
  return (
    <Field
      label={t('login.password')}
      type="password"
      autoComplete="current-password"
      value={props.value}
      onChange={props.onChange}
      testId={props.testId}
    />
  );
}

/** A code as typed, ready to send: Persian or Arabic-Indic digits as ASCII, no spaces. */
export const typedCode = (text: string) => asciiDigits(text).replace(/\s/g, '');

/**
 * A one-time code: the authenticator app's 6 digits (numeric keyboard; the browser may offer
 * the code: `autocomplete="one-time-code"`), a recovery code (letters too), or either.
 */
export function CodeField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  kind: 'app' | 'recovery' | 'either';
  autoFocus?: boolean;
  testId?: string;
}) {
  const { kind, ...field } = props;
  return (
    <Field
      {...field}
      code={{ inputMode: kind === 'app' ? 'numeric' : 'text' }}
      autoComplete={kind === 'recovery' ? 'off' : 'one-time-code'}
      maxLength={kind === 'app' ? 12 : 24}
    />
  );
}

/** An error (role=alert) or a success note (role=status) under a form. */
export function FormMessage({ error, children }: { error?: boolean; children: ReactNode }) {
  return error ? (
    <p role="alert" className="text-sm text-red-700 dark:text-red-400">
      {children}
    </p>
  ) : (
    <p role="status" className="text-sm text-emerald-800 dark:text-emerald-300">
      {children}
    </p>
  );
}

/** A new password typed twice: the rule under the first, a mismatch said after a try. */
export function NewPasswordFields(props: {
  label: string;
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  mismatch: boolean;
  testIds: { password: string; repeat: string };
}) {
  const t = useT();
  return (
    <>
      <Field
        label={props.label}
        hint={t('account.passwordRule')}
        type="password"
        autoComplete="new-password"
        minLength={10}
        value={props.password}
        onChange={props.onPassword}
        testId={props.testIds.password}
      />
      <Field
        label={t('account.repeatPassword')}
        type="password"
        autoComplete="new-password"
        minLength={10}
        value={props.repeat}
        onChange={props.onRepeat}
        testId={props.testIds.repeat}
      />
      {props.mismatch && <FormMessage error>{t('account.mismatch')}</FormMessage>}
    </>
  );
}
