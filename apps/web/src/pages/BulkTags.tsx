import type { Conversation } from '@parley/contract';
import { useId, useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n.js';
import { RemovableTag, TAG_LIMITS, tagToAdd } from './DetailsEditors.js';

/**
 * The tags the conversations carry, each once (ignoring case, as the API compares them), the
 * most common first, then alphabetically.
 */
export function tagsIn(conversations: readonly Pick<Conversation, 'tags'>[]): string[] {
  const counts = new Map<string, { tag: string; n: number }>();
  for (const { tags } of conversations)
    for (const tag of tags) {
      const seen = counts.get(tag.toLowerCase());
      if (seen) seen.n += 1;
      else counts.set(tag.toLowerCase(), { tag, n: 1 });
    }
  return [...counts.values()]
    .sort((a, b) => b.n - a.n || a.tag.localeCompare(b.tag))
    .map((entry) => entry.tag);
}

/**
 * The bulk bar's tagging: a tag added to every selected conversation (suggested from the tags
 * the list shows), or one of theirs removed from all of them (`addTags` / `removeTags`: each
 * conversation keeps its other tags).
 */
export function BulkTagger(props: {
  /** The selected conversations (their tags can be removed). */
  selected: readonly Pick<Conversation, 'tags'>[];
  /** Tags to suggest: those of the conversations in the list. */
  known: readonly string[];
  pending: boolean;
  onAdd: (tag: string) => void;
  onRemove: (tag: string) => void;
}) {
  const t = useT();
  const inputId = useId();
  const listId = useId();
  const [typed, setTyped] = useState('');
  const present = tagsIn(props.selected);
  const add = (event: SyntheticEvent) => {
    event.preventDefault();
    const tag = tagToAdd(typed, []);
    if (!tag) return;
    props.onAdd(tag);
    setTyped('');
  };
  return (
    <div className="basis-full space-y-2 pt-1" data-testid="bulk-tagger">
      <form onSubmit={add} className="flex flex-wrap items-center gap-2">
        <label htmlFor={inputId}>{t('bulk.addTag')}</label>
        <input
          id={inputId}
          list={listId}
          value={typed}
          maxLength={TAG_LIMITS.length}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={t('bulk.tagPlaceholder')}
          className="w-40 rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
          data-testid="bulk-tag-input"
          dir="auto"
        />
        <datalist id={listId}>
          {props.known.map((tag) => (
            <option key={tag} value={tag} />
          ))}
        </datalist>
        <button
          type="submit"
          disabled={props.pending || !tagToAdd(typed, [])}
          className="rounded-md bg-white px-2 py-1 shadow-sm disabled:opacity-50 dark:bg-slate-800"
          data-testid="bulk-tag-add"
        >
          {t('bulk.addTagButton')}
        </button>
      </form>
      {present.length === 0 ? (
        <p className="text-slate-600 dark:text-slate-300">{t('bulk.noTags')}</p>
      ) : (
        <div className="flex flex-wrap items-center gap-1">
          <span className="me-1">{t('bulk.removeTags')}</span>
          <ul className="flex flex-wrap gap-1">
            {present.map((tag) => (
              <RemovableTag
                key={tag}
                tag={tag}
                label={t('bulk.removeTag', { tag })}
                pending={props.pending}
                onRemove={() => props.onRemove(tag)}
                className="bg-white shadow-sm dark:bg-slate-800"
              />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
