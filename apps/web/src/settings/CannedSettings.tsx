import type { CannedResponse, Locale } from '@parley/contract';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useRef, useState, type SyntheticEvent } from 'react';
import { localeNames, locales, useT } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { meQuery } from '../router.js';
import { roleAtLeast } from './access.js';
import { settingsApi } from './api.js';
import { PlaceholderHelp } from './PlaceholderHelp.js';
import { cannedPlaceholders, insertPlaceholder } from './placeholders.js';
import {
  CheckboxField,
  EditableScreen,
  EditorForm,
  ItemList,
  muted,
  Outcome,
  secondaryButton,
  SelectField,
  TextArea,
  TextField,
} from './ui.js';
import {
  check,
  isValid,
  knownPlaceholders,
  maxLength,
  required,
  shortcut,
  type Problems,
} from './validate.js';

const cannedKey = ['settings', 'canned'];
const describe = (name: string) => `settings.placeholder.${name}` as MessageKey;

export function CannedSettings() {
  const t = useT();
  const canned = useQuery({ queryKey: cannedKey, queryFn: settingsApi.canned });
  return (
    <EditableScreen
      title={t('settings.section.canned')}
      intro={t('settings.canned.intro')}
      newLabel={t('settings.canned.new')}
      newTestId="canned-new"
      query={canned}
      none={t('settings.canned.none')}
      editor={(item, done) => <CannedForm canned={item} onDone={done} />}
      list={(items, edit) => <CannedList items={items} onEdit={edit} />}
    />
  );
}

function CannedList(props: { items: CannedResponse[]; onEdit: (c: CannedResponse) => void }) {
  const t = useT();
  return (
    <ItemList
      items={props.items}
      name={(c) => c.title}
      onEdit={props.onEdit}
      remove={settingsApi.deleteCanned}
      queryKey={cannedKey}
      testId="canned-list"
      rowTestId="canned-row"
      alignTop
    >
      {(c) => (
        <>
          <p className="font-medium">
            <bdi dir="auto">{c.title}</bdi>
            {c.shortcut && (
              <span className={`ms-2 font-mono text-xs ${muted}`} dir="ltr">
                /{c.shortcut}
              </span>
            )}
          </p>
          <p className={`text-xs ${muted}`}>
            {t(c.shared ? 'settings.canned.shared' : 'settings.canned.own')}
            {' · '}
            {c.language ? localeNames[c.language as Locale] : t('settings.canned.anyLanguage')}
          </p>
          <p className="mt-1 line-clamp-2 whitespace-pre-wrap text-sm" dir="auto">
            {c.body}
          </p>
        </>
      )}
    </ItemList>
  );
}

type CannedFields = 'title' | 'shortcut' | 'body';

function CannedForm({ canned, onDone }: { canned?: CannedResponse; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const { data: me } = useSuspenseQuery(meQuery);
  const mayShare = roleAtLeast(me.user.role, 'manager');
  const [values, setValues] = useState({
    title: canned?.title ?? '',
    shortcut: canned?.shortcut ?? '',
    language: (canned?.language ?? '') as Locale | '',
    body: canned?.body ?? '',
    shared: canned?.shared ?? mayShare,
  });
  const [problems, setProblems] = useState<Problems<CannedFields>>({});
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const set =
    <K extends keyof typeof values>(key: K) =>
    (value: (typeof values)[K]) =>
      setValues((v) => ({ ...v, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const fields = {
        title: values.title.trim(),
        body: values.body,
        shortcut: values.shortcut.trim() || null,
        language: values.language || null,
      };
      return canned
        ? settingsApi.updateCanned(canned.id, fields)
        : settingsApi.createCanned({ ...fields, shared: values.shared });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: cannedKey });
      await queryClient.invalidateQueries({ queryKey: ['canned'] });
      onDone();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<CannedFields>(values, {
      title: [required, maxLength(200)],
      shortcut: [shortcut],
      body: [required, maxLength(20_000), knownPlaceholders(cannedPlaceholders)],
    });
    setProblems(found);
    if (isValid(found)) save.mutate();
  };
  const insert = (name: string) => {
    const box = bodyRef.current;
    const next = insertPlaceholder(values.body, name, box ? box.selectionStart : null);
    set('body')(next.text);
    requestAnimationFrame(() => {
      box?.focus();
      box?.setSelectionRange(next.caret, next.caret);
    });
  };
  const title = canned ? t('settings.editItem', { name: canned.title }) : t('settings.canned.new');
  return (
    <EditorForm
      title={title}
      onSubmit={submit}
      pending={save.isPending}
      error={save.error}
      onCancel={onDone}
      after={canned && <Preview canned={canned} changed={values.body !== canned.body} />}
    >
      <TextField
        className="sm:col-span-2"
        label={t('settings.canned.title')}
        value={values.title}
        onChange={set('title')}
        problem={problems.title}
        dir="auto"
        data-testid="canned-title"
      />
      <TextField
        label={t('settings.canned.shortcut')}
        hint={t('settings.canned.shortcutHint')}
        value={values.shortcut}
        onChange={set('shortcut')}
        problem={problems.shortcut}
        dir="ltr"
      />
      <SelectField<Locale | ''>
        label={t('settings.canned.language')}
        value={values.language}
        onChange={set('language')}
        options={[
          { value: '', label: t('settings.canned.anyLanguage') },
          ...locales.map((code) => ({ value: code, label: localeNames[code] })),
        ]}
      />
      <div className="space-y-2 sm:col-span-2">
        <TextArea
          ref={bodyRef}
          label={t('settings.canned.body')}
          rows={6}
          value={values.body}
          onChange={set('body')}
          problem={problems.body}
          dir="auto"
          data-testid="canned-body"
        />
        <PlaceholderHelp names={cannedPlaceholders} describe={describe} onInsert={insert} />
      </div>
      {!canned && mayShare && (
        <div className="sm:col-span-2">
          <CheckboxField
            label={t('settings.canned.shareWithWorkspace')}
            checked={values.shared}
            onChange={set('shared')}
          />
        </div>
      )}
    </EditorForm>
  );
}

/** The saved text as the server fills it, for the newest conversation. */
function Preview({ canned, changed }: { canned: CannedResponse; changed: boolean }) {
  const t = useT();
  const preview = useMutation({
    mutationFn: async () => {
      const latest = (await settingsApi.latestConversation()).data[0];
      if (!latest) return null;
      const { text } = await settingsApi.renderCanned(canned.id, latest.id);
      return { text, number: latest.displayNumber };
    },
  });
  return (
    <div className="mt-4 border-t border-slate-200 pt-4 dark:border-slate-800">
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="button"
          className={secondaryButton}
          onClick={() => preview.mutate()}
          disabled={preview.isPending}
          data-testid="canned-preview"
        >
          {t('settings.canned.preview')}
        </button>
        <p className={`text-xs ${muted}`}>
          {t(changed ? 'settings.canned.previewSavedOnly' : 'settings.canned.previewHint')}
        </p>
      </div>
      <Outcome error={preview.error} />
      {preview.data === null && (
        <p className={`mt-2 text-sm ${muted}`}>{t('settings.canned.previewNoConversation')}</p>
      )}
      {preview.data && (
        <figure className="mt-3">
          <figcaption className={`text-xs ${muted}`}>
            {t('settings.canned.previewFor', { number: preview.data.number })}
          </figcaption>
          <p
            className="mt-1 whitespace-pre-wrap rounded-md bg-slate-50 p-3 text-sm dark:bg-slate-900"
            dir="auto"
            data-testid="canned-preview-text"
          >
            {preview.data.text}
          </p>
        </figure>
      )}
    </div>
  );
}
