import {
  Fragment,
  useId,
  useState,
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  type SelectHTMLAttributes,
  type SyntheticEvent,
  type TextareaHTMLAttributes,
} from 'react';
import { ApiError } from '../api.js';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useIntl } from 'react-intl';
import { useErrorText, useT } from '../i18n.js';
import { en, type MessageKey } from '../messages/en.js';
import { toggled } from './rules.js';
import type { Problem } from './validate.js';

/** An API error in the user's language: the settings' own words for a code, else the app's. */
export function useSettingsErrorText() {
  const t = useT();
  const base = useErrorText();
  return (error: unknown): string => {
    if (error instanceof ApiError) {
      const key = `settings.error.${error.code}`;
      if (key in en) return t(key as MessageKey, { message: error.message });
    }
    return base(error);
  };
}

export const inputClass =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 aria-[invalid=true]:border-red-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:aria-[invalid=true]:border-red-400';
/** The field style for a control sized by its content (add a width: w-auto, w-20…). */
export const inlineInputClass = inputClass.replace('mt-1 block w-full ', '');
export const primaryButton =
  'rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60';
export const secondaryButton =
  'rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-800 hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800';
export const dangerButton =
  'rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950';
export const muted = 'text-slate-600 dark:text-slate-400';

/** A screen of settings: its title, a line about it, actions at the end of the title row. */
export function Screen(props: {
  title: string;
  intro?: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section
      aria-labelledby="settings-screen-title"
      className="mx-auto w-full max-w-4xl p-4 md:p-6"
    >
      <div className="mb-4 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 id="settings-screen-title" className="text-lg font-semibold">
            {props.title}
          </h2>
          {props.intro && <p className={`mt-1 text-sm ${muted}`}>{props.intro}</p>}
        </div>
        {props.actions && <div className="flex shrink-0 gap-2">{props.actions}</div>}
      </div>
      <div className="space-y-4">{props.children}</div>
    </section>
  );
}

/**
 * A screen that lists things and edits one at a time: the "new" button while the list shows,
 * the query's state, the editor (keyed by what it edits, so switching starts afresh), and
 * the list — or the `none` line when there is nothing (without `none`, the list always).
 */
export function EditableScreen<T extends { id: string }>(props: {
  title: string;
  intro: string;
  newLabel: string;
  newTestId?: string;
  query: { isPending: boolean; error: unknown; data?: { data: T[] } | undefined };
  none?: string;
  editor: (item: T | undefined, done: () => void) => ReactNode;
  list: (items: T[], edit: (item: T) => void) => ReactNode;
}) {
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  const items = props.query.data?.data;
  const done = () => setEditing(null);
  return (
    <Screen
      title={props.title}
      intro={props.intro}
      actions={
        editing === null && (
          <button
            type="button"
            className={primaryButton}
            onClick={() => setEditing('new')}
            data-testid={props.newTestId}
          >
            {props.newLabel}
          </button>
        )
      }
    >
      <QueryState pending={props.query.isPending} error={props.query.error} />
      {editing !== null && (
        <Fragment key={editing === 'new' ? 'new' : editing.id}>
          {props.editor(editing === 'new' ? undefined : editing, done)}
        </Fragment>
      )}
      {editing === null && items && props.none !== undefined && items.length === 0 && (
        <p className={`text-sm ${muted}`}>{props.none}</p>
      )}
      {editing === null &&
        items &&
        (props.none === undefined || items.length > 0) &&
        props.list(items, setEditing)}
    </Screen>
  );
}

/** Loading, or the error of a query in readable words (a 403 says who may see it). */
export function QueryState(props: { pending: boolean; error: unknown }) {
  const t = useT();
  const errorText = useSettingsErrorText();
  if (props.error)
    return (
      <p
        role="alert"
        className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
      >
        {errorText(props.error)}
      </p>
    );
  if (props.pending) return <p className={`text-sm ${muted}`}>{t('app.loading')}</p>;
  return null;
}

/** A mutation's failure, or a confirmation after it succeeded. */
export function Outcome(props: { error?: unknown; done?: string | null }) {
  const errorText = useSettingsErrorText();
  if (props.error)
    return (
      <p
        role="alert"
        className="text-sm text-red-700 dark:text-red-300"
        data-testid="settings-error"
      >
        {errorText(props.error)}
      </p>
    );
  if (props.done)
    return (
      <p role="status" className="text-sm text-emerald-700 dark:text-emerald-300">
        {props.done}
      </p>
    );
  return null;
}

interface FieldProps {
  label: string;
  problem?: Problem | undefined;
  hint?: ReactNode;
  className?: string;
}

/** A labelled control with its hint and its problem, tied by ids for screen readers. */
function Field(
  props: FieldProps & {
    children: (a11y: {
      id: string;
      'aria-invalid': boolean;
      'aria-describedby'?: string;
    }) => ReactNode;
  },
) {
  const t = useT();
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [props.hint ? hintId : null, props.problem ? errorId : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={props.className}>
      <label htmlFor={id} className="block text-sm font-medium">
        {props.label}
      </label>
      {props.children({
        id,
        'aria-invalid': Boolean(props.problem),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {props.hint && (
        <p id={hintId} className={`mt-1 text-xs ${muted}`}>
          {props.hint}
        </p>
      )}
      {props.problem && (
        <p id={errorId} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {t(props.problem.key, props.problem.values)}
        </p>
      )}
    </div>
  );
}

type Native<E> = Omit<E, 'value' | 'onChange' | 'className' | 'id'>;

export function TextField(
  props: FieldProps &
    Native<InputHTMLAttributes<HTMLInputElement>> & {
      value: string;
      onChange: (value: string) => void;
    },
) {
  const { label, problem, hint, className, value, onChange, ...rest } = props;
  return (
    <Field label={label} problem={problem} hint={hint} className={className}>
      {(a11y) => (
        <input
          {...rest}
          {...a11y}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className={inputClass}
        />
      )}
    </Field>
  );
}

export function TextArea(
  props: FieldProps &
    Native<TextareaHTMLAttributes<HTMLTextAreaElement>> & {
      value: string;
      onChange: (value: string) => void;
      ref?: Ref<HTMLTextAreaElement>;
    },
) {
  const { label, problem, hint, className, value, onChange, ...rest } = props;
  return (
    <Field label={label} problem={problem} hint={hint} className={className}>
      {(a11y) => (
        <textarea
          rows={4}
          {...rest}
          {...a11y}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className={inputClass}
        />
      )}
    </Field>
  );
}

export function SelectField<V extends string>(
  props: FieldProps &
    Native<SelectHTMLAttributes<HTMLSelectElement>> & {
      value: V;
      onChange: (value: V) => void;
      options: readonly { value: V; label: string }[];
    },
) {
  const { label, problem, hint, className, value, onChange, options, ...rest } = props;
  return (
    <Field label={label} problem={problem} hint={hint} className={className}>
      {(a11y) => (
        <select
          {...rest}
          {...a11y}
          value={value}
          onChange={(e) => onChange(e.target.value as V)}
          className={inputClass}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function CheckboxField(props: {
  label: string;
  hint?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId?: string;
}) {
  const id = useId();
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
        className="mt-0.5 size-4 shrink-0 accent-indigo-600"
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        data-testid={props.testId}
      />
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          {props.label}
        </label>
        {props.hint && (
          <p id={`${id}-hint`} className={`text-xs ${muted}`}>
            {props.hint}
          </p>
        )}
      </div>
    </div>
  );
}

/** The words of a two-step destructive button: its label, its accessible name, the question. */
const verbs = {
  delete: {
    label: 'settings.delete',
    item: 'settings.deleteItem',
    confirm: 'settings.confirmDelete',
  },
  revoke: {
    label: 'settings.revoke',
    item: 'settings.revokeItem',
    confirm: 'settings.confirmRevoke',
  },
  resetTwoFactor: {
    label: 'settings.users.resetTwoFactor',
    item: 'settings.users.resetTwoFactorOf',
    confirm: 'settings.users.confirmResetTwoFactor',
  },
} as const;

/**
 * Delete (revoke, reset) in two steps: the button asks, a second button confirms (no
 * browser dialog).
 */
export function DeleteButton(props: {
  name: string;
  onConfirm: () => void;
  pending?: boolean;
  verb?: keyof typeof verbs;
}) {
  const t = useT();
  const [asking, setAsking] = useState(false);
  const words = verbs[props.verb ?? 'delete'];
  if (!asking)
    return (
      <button
        type="button"
        className={dangerButton}
        onClick={() => setAsking(true)}
        aria-label={t(words.item, { name: props.name })}
      >
        {t(words.label)}
      </button>
    );
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <span className="text-sm">{t(words.confirm, { name: props.name })}</span>
      <button
        type="button"
        className={dangerButton}
        disabled={props.pending}
        data-testid="confirm-delete"
        onClick={() => {
          props.onConfirm();
          setAsking(false);
        }}
      >
        {t(words.label)}
      </button>
      <button type="button" className={secondaryButton} onClick={() => setAsking(false)}>
        {t('settings.cancel')}
      </button>
    </span>
  );
}

/** A bordered box for a list or a form. */
export function Card(props: { children: ReactNode; className?: string; label?: string }) {
  return (
    <div
      aria-label={props.label}
      role={props.label ? 'group' : undefined}
      className={`rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900/40 ${props.className ?? ''}`}
    >
      {props.children}
    </div>
  );
}

/** A form's buttons: save (submit) and cancel. */
export function FormButtons(props: { pending: boolean; onCancel?: () => void; save?: string }) {
  const t = useT();
  return (
    <div className="flex flex-wrap items-center gap-2 pt-2">
      <button type="submit" className={primaryButton} disabled={props.pending}>
        {props.pending ? t('settings.saving') : (props.save ?? t('settings.save'))}
      </button>
      {props.onCancel && (
        <button type="button" className={secondaryButton} onClick={props.onCancel}>
          {t('settings.cancel')}
        </button>
      )}
    </div>
  );
}

/** A small set-or-not badge for write-only secrets. */
export function SecretState({ set }: { set: boolean }) {
  const t = useT();
  return (
    <span
      className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${
        set
          ? 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200'
          : 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300'
      }`}
    >
      {t(set ? 'settings.secretSet' : 'settings.secretNotSet')}
    </span>
  );
}

/** A group of checkboxes with a legend (each box labelled by its option). */
export function Choices<T extends string | number>(props: {
  legend: string;
  options: readonly { value: T; label: string }[];
  chosen: readonly T[];
  onChange: (chosen: T[]) => void;
}) {
  const id = useId();
  return (
    <fieldset>
      <legend className="text-sm font-medium">{props.legend}</legend>
      <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
        {props.options.map((option) => (
          <label
            key={String(option.value)}
            htmlFor={`${id}-${String(option.value)}`}
            className="flex items-center gap-1.5 text-sm"
          >
            <input
              id={`${id}-${String(option.value)}`}
              type="checkbox"
              className="size-4 accent-indigo-600"
              checked={props.chosen.includes(option.value)}
              onChange={(e) =>
                props.onChange(
                  toggled(
                    props.options.map((o) => o.value),
                    props.chosen,
                    option.value,
                    e.target.checked,
                  ),
                )
              }
            />
            <bdi dir="auto">{option.label}</bdi>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A weekday's short name in the user's language, by ISO number (1 is Monday). */
export function useWeekdayName() {
  const intl = useIntl();
  // 2024-01-01 was a Monday: ISO weekday 1.
  return (day: number) =>
    intl.formatDate(new Date(Date.UTC(2024, 0, day)), { weekday: 'short', timeZone: 'UTC' });
}

/** A listed item's name, marked "off" when it is switched off (rules, SLA policies). */
export function ItemName(props: { name: string; enabled: boolean }) {
  const t = useT();
  return (
    <p className="font-medium">
      <bdi dir="auto">{props.name}</bdi>
      {!props.enabled && (
        <span className="ms-2 rounded-full bg-slate-200 px-2 py-0.5 text-xs font-normal text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          {t('settings.rules.off')}
        </span>
      )}
    </p>
  );
}

/**
 * The list of an `EditableScreen`: each thing's own lines, then Edit and a two-step Delete
 * (which refreshes `queryKey`; a refusal shows under the list in words).
 */
export function ItemList<T extends { id: string }>(props: {
  items: readonly T[];
  name: (item: T) => string;
  onEdit: (item: T) => void;
  remove: (id: string) => Promise<unknown>;
  queryKey: readonly unknown[];
  testId: string;
  rowTestId: string;
  /** The order matters (tried first to last): an ordered list. */
  ordered?: boolean;
  /** Rows whose lines run long put the buttons at the top. */
  alignTop?: boolean;
  children: (item: T) => ReactNode;
}) {
  const t = useT();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: props.remove,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: props.queryKey }),
  });
  const List = props.ordered ? 'ol' : 'ul';
  return (
    <Card>
      <List className="divide-y divide-slate-200 dark:divide-slate-800" data-testid={props.testId}>
        {props.items.map((item) => {
          const name = props.name(item);
          return (
            <li
              key={item.id}
              className={`flex flex-wrap gap-3 py-3 ${props.alignTop ? 'items-start' : 'items-center'}`}
              data-testid={props.rowTestId}
            >
              <div className="min-w-0 flex-1">{props.children(item)}</div>
              <button
                type="button"
                className={secondaryButton}
                onClick={() => props.onEdit(item)}
                aria-label={t('settings.editItem', { name })}
              >
                {t('settings.edit')}
              </button>
              <DeleteButton
                name={name}
                pending={remove.isPending}
                onConfirm={() => remove.mutate(item.id)}
              />
            </li>
          );
        })}
      </List>
      <Outcome error={remove.error} />
    </Card>
  );
}

/** An editor: its title, the fields in two columns, save and cancel, and the outcome. */
export function EditorForm(props: {
  title: string;
  onSubmit: (event: SyntheticEvent) => void;
  pending: boolean;
  error: unknown;
  onCancel: () => void;
  children: ReactNode;
  /** Shown in the card below the form (a preview). */
  after?: ReactNode;
}) {
  return (
    <Card label={props.title}>
      <h3 className="mb-3 font-medium">{props.title}</h3>
      <form noValidate onSubmit={props.onSubmit} className="grid gap-4 sm:grid-cols-2">
        {props.children}
        <div className="space-y-2 sm:col-span-2">
          <FormButtons pending={props.pending} onCancel={props.onCancel} />
          <Outcome error={props.error} />
        </div>
      </form>
      {props.after}
    </Card>
  );
}
