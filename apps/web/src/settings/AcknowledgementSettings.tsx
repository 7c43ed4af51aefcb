import type { AcknowledgementTemplate } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useRef, useState, type SyntheticEvent } from 'react';
import { useIntl } from 'react-intl';
import { localeNames, useT } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { settingsApi } from './api.js';
import { PlaceholderHelp } from './PlaceholderHelp.js';
import { acknowledgementPlaceholders, insertPlaceholder } from './placeholders.js';
import {
  Card,
  FormButtons,
  muted,
  Outcome,
  QueryState,
  Screen,
  secondaryButton,
  TextArea,
  TextField,
} from './ui.js';
import {
  check,
  isValid,
  knownPlaceholders,
  maxLength,
  missingNumber,
  required,
  type Problems,
} from './validate.js';

const acksKey = ['settings', 'acknowledgements'];
const describe = (name: string) => `settings.placeholder.${name}` as MessageKey;

export function AcknowledgementSettings() {
  const t = useT();
  const templates = useQuery({ queryKey: acksKey, queryFn: settingsApi.acknowledgements });
  const workspace = useQuery({
    queryKey: ['settings', 'workspace'],
    queryFn: settingsApi.workspace,
  });
  return (
    <Screen title={t('settings.section.acknowledgements')} intro={t('settings.acks.intro')}>
      {workspace.data && !workspace.data.acknowledgementsEnabled && (
        <p
          role="status"
          className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100"
        >
          {t('settings.acks.disabled')}{' '}
          <Link to="/settings/workspace" className="underline">
            {t('settings.section.workspace')}
          </Link>
        </p>
      )}
      <QueryState pending={templates.isPending} error={templates.error} />
      {templates.data?.data.map((template) => (
        <TemplateCard key={`${template.locale}:${template.updatedAt ?? ''}`} template={template} />
      ))}
    </Screen>
  );
}

type AckFields = 'subject' | 'body';

function TemplateCard({ template }: { template: AcknowledgementTemplate }) {
  const t = useT();
  const intl = useIntl();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [values, setValues] = useState({ subject: template.subject, body: template.body });
  const [problems, setProblems] = useState<Problems<AckFields>>({});
  const focused = useRef<{
    field: AckFields;
    element: HTMLInputElement | HTMLTextAreaElement;
  } | null>(null);
  const language = localeNames[template.locale];
  const save = useMutation({
    mutationFn: () => settingsApi.saveAcknowledgement(template.locale, values),
    onSuccess: async () => {
      setEditing(false);
      await queryClient.invalidateQueries({ queryKey: acksKey });
    },
  });
  const reset = useMutation({
    mutationFn: () => settingsApi.resetAcknowledgement(template.locale),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: acksKey }),
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const rules = [required, knownPlaceholders(acknowledgementPlaceholders)];
    const found = check<AckFields>(values, {
      subject: [...rules, maxLength(300)],
      body: [...rules, maxLength(5000)],
    });
    const number = missingNumber(values.subject, values.body);
    if (!found.body && number) found.body = number;
    setProblems(found);
    if (isValid(found)) save.mutate();
  };
  const insert = (name: string) => {
    const target = focused.current ?? { field: 'body' as const, element: null };
    const current = values[target.field];
    const next = insertPlaceholder(current, name, target.element?.selectionStart ?? null);
    setValues((v) => ({ ...v, [target.field]: next.text }));
    requestAnimationFrame(() => {
      target.element?.focus();
      target.element?.setSelectionRange(next.caret, next.caret);
    });
  };
  return (
    <Card label={language}>
      <div className="flex flex-wrap items-center gap-3" data-testid={`ack-${template.locale}`}>
        <h3 className="flex-1 font-medium" lang={template.locale}>
          {language}
          <span
            className={`ms-2 rounded-full px-2 py-0.5 text-xs font-normal ${
              template.customized
                ? 'bg-indigo-100 text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100'
                : 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300'
            }`}
          >
            {template.customized
              ? t('settings.acks.customized', {
                  date: template.updatedAt
                    ? intl.formatDate(template.updatedAt, { dateStyle: 'medium' })
                    : '',
                })
              : t('settings.acks.builtIn')}
          </span>
        </h3>
        {!editing && (
          <button
            type="button"
            className={secondaryButton}
            onClick={() => setEditing(true)}
            aria-label={t('settings.editItem', { name: language })}
          >
            {t('settings.edit')}
          </button>
        )}
        {template.customized && (
          <button
            type="button"
            className={secondaryButton}
            disabled={reset.isPending}
            onClick={() => reset.mutate()}
            aria-label={t('settings.acks.resetFor', { language })}
          >
            {t('settings.acks.reset')}
          </button>
        )}
      </div>
      {!editing && (
        <div
          className="mt-3 space-y-1 text-sm"
          lang={template.locale}
          dir={template.locale === 'fa' ? 'rtl' : 'ltr'}
        >
          <p className="font-medium">{template.subject}</p>
          <p className={`whitespace-pre-wrap ${muted}`}>{template.body}</p>
        </div>
      )}
      {editing && (
        <form noValidate onSubmit={submit} className="mt-3 space-y-3">
          <TextField
            label={t('settings.acks.subject')}
            value={values.subject}
            onChange={(subject) => setValues((v) => ({ ...v, subject }))}
            onFocus={(e) => (focused.current = { field: 'subject', element: e.currentTarget })}
            problem={problems.subject}
            lang={template.locale}
            dir={template.locale === 'fa' ? 'rtl' : 'ltr'}
          />
          <TextArea
            label={t('settings.acks.body')}
            rows={7}
            value={values.body}
            onChange={(body) => setValues((v) => ({ ...v, body }))}
            onFocus={(e) => (focused.current = { field: 'body', element: e.currentTarget })}
            problem={problems.body}
            lang={template.locale}
            dir={template.locale === 'fa' ? 'rtl' : 'ltr'}
          />
          <PlaceholderHelp
            names={acknowledgementPlaceholders}
            describe={describe}
            onInsert={insert}
          />
          <FormButtons
            pending={save.isPending}
            onCancel={() => {
              setEditing(false);
              setValues({ subject: template.subject, body: template.body });
              setProblems({});
            }}
          />
        </form>
      )}
      <Outcome error={save.error ?? reset.error} />
    </Card>
  );
}
