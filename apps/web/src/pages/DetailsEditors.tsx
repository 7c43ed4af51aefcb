import type { CustomField, FieldValue, FieldValues } from '@parley/contract';
import { useQuery } from '@tanstack/react-query';
import { X } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { api } from '../api.js';
import { useT } from '../i18n.js';

const control =
  'rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900';

/** The tags a conversation may carry (the API's limits). */
export const TAG_LIMITS = { count: 20, length: 50 };

/**
 * A tag typed by an agent, as the API will take it: trimmed, inner spaces kept, within the
 * length limit; null when it is empty, already there, or the list is full.
 */
export function tagToAdd(typed: string, tags: readonly string[]): string | null {
  const tag = typed.trim().replace(/\s+/g, ' ').slice(0, TAG_LIMITS.length);
  if (!tag || tags.length >= TAG_LIMITS.count) return null;
  return tags.some((t) => t.toLowerCase() === tag.toLowerCase()) ? null : tag;
}

/** A tag as a list item with its × (which `label` names for screen readers). */
export function RemovableTag(props: {
  tag: string;
  label: string;
  pending: boolean;
  onRemove: () => void;
  className: string;
}) {
  return (
    <li className={`flex items-center gap-0.5 rounded ps-1.5 text-xs ${props.className}`}>
      <span dir="auto">{props.tag}</span>
      <button
        type="button"
        disabled={props.pending}
        onClick={props.onRemove}
        className="rounded p-0.5 hover:bg-slate-200 disabled:opacity-50 dark:hover:bg-slate-700"
        aria-label={props.label}
      >
        <X aria-hidden className="size-3" />
      </button>
    </li>
  );
}

/** The conversation's tags: each removable, a new one added with Enter. */
export function TagEditor(props: {
  tags: string[];
  pending: boolean;
  onChange: (tags: string[]) => void;
}) {
  const t = useT();
  const inputId = useId();
  const [typed, setTyped] = useState('');
  const add = () => {
    const tag = tagToAdd(typed, props.tags);
    if (tag) props.onChange([...props.tags, tag]);
    setTyped('');
  };
  return (
    <div data-testid="tag-editor">
      <label htmlFor={inputId} className="mb-1 block">
        {t('panel.tags')}
      </label>
      {props.tags.length === 0 ? (
        <p className="mb-1 text-slate-600 dark:text-slate-400">{t('panel.noTags')}</p>
      ) : (
        <ul className="mb-1 flex flex-wrap gap-1">
          {props.tags.map((tag) => (
            <RemovableTag
              key={tag}
              tag={tag}
              label={t('panel.removeTag', { tag })}
              pending={props.pending}
              onRemove={() => props.onChange(props.tags.filter((x) => x !== tag))}
              className="bg-slate-100 dark:bg-slate-800"
            />
          ))}
        </ul>
      )}
      <input
        id={inputId}
        className={`${control} w-full`}
        value={typed}
        maxLength={TAG_LIMITS.length}
        placeholder={t('panel.addTag')}
        disabled={props.pending || props.tags.length >= TAG_LIMITS.count}
        onChange={(e) => setTyped(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add();
          }
        }}
        onBlur={add}
        data-testid="tag-input"
      />
    </div>
  );
}

/** A field's value as its input shows it (the empty string for none). */
export function fieldInputValue(field: Pick<CustomField, 'type'>, value: FieldValue | undefined) {
  if (value === undefined || value === null) return '';
  if (field.type === 'number') return typeof value === 'number' ? String(value) : '';
  return typeof value === 'string' ? value : '';
}

/**
 * What an input's text means for a field: null removes the value, undefined is not a value
 * (a number that does not parse: nothing is sent).
 */
export function parseFieldInput(
  field: Pick<CustomField, 'type'>,
  text: string,
): FieldValue | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (field.type === 'number') {
    const n = Number(trimmed.replace(',', '.'));
    return Number.isFinite(n) ? n : undefined;
  }
  return trimmed;
}

/**
 * The workspace's custom fields of conversations, each editable in place: a change is saved
 * when the control settles (a choice at once, typed text when it loses focus).
 */
export function FieldEditors(props: {
  values: FieldValues;
  pending: boolean;
  onChange: (values: FieldValues) => void;
}) {
  const fields = useQuery({
    queryKey: ['custom-fields', 'conversation'],
    queryFn: () => api.customFields('conversation'),
    staleTime: 60_000,
  });
  const defined = fields.data?.data ?? [];
  if (defined.length === 0) return null;
  return (
    <div className="space-y-2" data-testid="field-editors">
      {defined.map((field) => (
        <FieldEditor
          key={field.id}
          field={field}
          value={props.values[field.key]}
          pending={props.pending}
          onChange={(value) => props.onChange({ [field.key]: value })}
        />
      ))}
    </div>
  );
}

function FieldEditor(props: {
  field: CustomField;
  value: FieldValue | undefined;
  pending: boolean;
  onChange: (value: FieldValue) => void;
}) {
  const t = useT();
  const id = useId();
  const { field, value } = props;
  const shown = fieldInputValue(field, value);
  const [text, setText] = useState(shown);
  // Another agent's change (or this one's, saved) replaces what the input shows.
  useEffect(() => setText(shown), [shown]);
  const save = (next: string) => {
    const parsed = parseFieldInput(field, next);
    if (parsed === undefined || next === shown) return;
    props.onChange(parsed);
  };
  const label = (
    <label htmlFor={id} className="min-w-0 truncate" title={field.description ?? undefined}>
      {field.label}
    </label>
  );
  const row = 'flex items-center justify-between gap-2';
  if (field.type === 'boolean')
    return (
      <p className={row}>
        {label}
        <input
          id={id}
          type="checkbox"
          className="size-4"
          checked={value === true}
          disabled={props.pending}
          onChange={(e) => props.onChange(e.target.checked)}
        />
      </p>
    );
  if (field.type === 'select')
    return (
      <p className={row}>
        {label}
        <select
          id={id}
          className={`${control} max-w-40`}
          value={shown}
          disabled={props.pending}
          onChange={(e) => props.onChange(e.target.value || null)}
        >
          <option value="">—</option>
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      </p>
    );
  if (field.type === 'multiselect') {
    const chosen = Array.isArray(value) ? value : [];
    return (
      <fieldset>
        <legend className="mb-1">{field.label}</legend>
        <div className="flex flex-wrap gap-x-3 gap-y-1">
          {field.options.map((option) => (
            <label key={option} className="flex items-center gap-1">
              <input
                type="checkbox"
                className="size-4"
                checked={chosen.includes(option)}
                disabled={props.pending}
                onChange={(e) =>
                  props.onChange(
                    e.target.checked
                      ? field.options.filter((o) => o === option || chosen.includes(o))
                      : chosen.filter((o) => o !== option).length > 0
                        ? chosen.filter((o) => o !== option)
                        : null,
                  )
                }
              />
              {option}
            </label>
          ))}
        </div>
      </fieldset>
    );
  }
  return (
    <p className={row}>
      {label}
      <input
        id={id}
        type={field.type === 'date' ? 'date' : field.type === 'number' ? 'number' : 'text'}
        inputMode={field.type === 'number' ? 'decimal' : undefined}
        className={`${control} w-40`}
        value={text}
        maxLength={500}
        disabled={props.pending}
        aria-invalid={parseFieldInput(field, text) === undefined}
        placeholder={field.type === 'text' ? t('panel.fieldEmpty') : undefined}
        onChange={(e) => {
          setText(e.target.value);
          // A date picker's choice is final; typed text waits for the blur.
          if (field.type === 'date') save(e.target.value);
        }}
        onBlur={() => save(text)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
        }}
      />
    </p>
  );
}
