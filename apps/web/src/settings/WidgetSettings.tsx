import type { Locale, PrechatField, WidgetSettings as Widget } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SyntheticEvent } from 'react';
import { localeNames, locales, useT } from '../i18n.js';
import { settingsApi } from './api.js';
import {
  Card,
  CheckboxField,
  dangerButton,
  FormButtons,
  inputClass,
  muted,
  Outcome,
  QueryState,
  Screen,
  SecretState,
  secondaryButton,
  SelectField,
  TextArea,
  TextField,
} from './ui.js';
import { check, isValid, matches, maxLength, required, type Problems } from './validate.js';

const widgetKey = ['settings', 'widget'];
const prechatFields: PrechatField[] = ['name', 'email', 'phone', 'topic'];
export const hexColor = matches(/^#[0-9a-fA-F]{6}$/, 'settings.invalid.color');

export function WidgetSettings() {
  const t = useT();
  const widget = useQuery({ queryKey: widgetKey, queryFn: settingsApi.widget });
  return (
    <Screen title={t('settings.section.widget')} intro={t('settings.widget.intro')}>
      <QueryState pending={widget.isPending} error={widget.error} />
      {widget.data && (
        <>
          <Embed widget={widget.data} />
          <WidgetForm key={widget.data.publicKey} widget={widget.data} />
          <IdentitySecret widget={widget.data} />
        </>
      )}
    </Screen>
  );
}

function Embed({ widget }: { widget: Widget }) {
  const t = useT();
  const id = useId();
  const snippet = `<script src="${location.origin}/widget.js" data-parley-key="${widget.publicKey}" async></script>`;
  return (
    <Card>
      <label htmlFor={id} className="block text-sm font-medium">
        {t('settings.widget.embed')}
      </label>
      <p className={`text-xs ${muted}`}>{t('settings.widget.embedHint', { tag: '</body>' })}</p>
      <textarea
        id={id}
        readOnly
        rows={2}
        value={snippet}
        onFocus={(e) => e.target.select()}
        className={`${inputClass} font-mono text-xs`}
        dir="ltr"
      />
    </Card>
  );
}

type WidgetFields = 'title' | 'color' | `greeting.${Locale}`;

function WidgetForm({ widget }: { widget: Widget }) {
  const t = useT();
  const queryClient = useQueryClient();
  const teams = useQuery({ queryKey: ['settings', 'teams'], queryFn: settingsApi.teams });
  const [values, setValues] = useState({
    enabled: widget.enabled,
    title: widget.title,
    color: widget.color,
    teamId: widget.teamId ?? '',
    prechatEnabled: widget.prechat.enabled,
    fields: widget.prechat.fields,
    required: widget.prechat.required,
    greeting: Object.fromEntries(locales.map((l) => [l, widget.greeting[l] ?? ''])) as Record<
      Locale,
      string
    >,
  });
  const [problems, setProblems] = useState<Problems<WidgetFields>>({});
  const save = useMutation({
    mutationFn: settingsApi.updateWidget,
    onSuccess: (saved) => queryClient.setQueryData(widgetKey, saved),
  });
  const toggle = (list: PrechatField[], field: PrechatField, on: boolean) =>
    on
      ? prechatFields.filter((f) => f === field || list.includes(f))
      : list.filter((f) => f !== field);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const flat: Record<WidgetFields, string> = {
      title: values.title,
      color: values.color,
      ...(Object.fromEntries(locales.map((l) => [`greeting.${l}`, values.greeting[l]])) as Record<
        `greeting.${Locale}`,
        string
      >),
    };
    const found = check<WidgetFields>(flat, {
      title: [required, maxLength(80)],
      color: [required, hexColor],
      ...Object.fromEntries(locales.map((l) => [`greeting.${l}`, [maxLength(500)]])),
    });
    setProblems(found);
    if (!isValid(found)) return;
    save.mutate({
      enabled: values.enabled,
      title: values.title.trim(),
      color: values.color,
      teamId: values.teamId || null,
      greeting: Object.fromEntries(
        locales.filter((l) => values.greeting[l].trim()).map((l) => [l, values.greeting[l].trim()]),
      ),
      prechat: {
        enabled: values.prechatEnabled,
        fields: values.fields,
        required: values.required.filter((f) => values.fields.includes(f)),
      },
    });
  };

  return (
    <Card>
      <form noValidate onSubmit={submit} className="grid gap-4 sm:grid-cols-2">
        <div className="sm:col-span-2">
          <CheckboxField
            label={t('settings.widget.enabled')}
            checked={values.enabled}
            onChange={(enabled) => setValues((v) => ({ ...v, enabled }))}
          />
        </div>
        <TextField
          label={t('settings.widget.title')}
          value={values.title}
          onChange={(title) => setValues((v) => ({ ...v, title }))}
          problem={problems.title}
          dir="auto"
        />
        <div className="flex items-end gap-2">
          <TextField
            className="flex-1"
            label={t('settings.widget.color')}
            value={values.color}
            onChange={(color) => setValues((v) => ({ ...v, color }))}
            problem={problems.color}
            dir="ltr"
          />
          <input
            type="color"
            aria-label={t('settings.widget.pickColor')}
            value={/^#[0-9a-fA-F]{6}$/.test(values.color) ? values.color : '#4f46e5'}
            onChange={(e) => setValues((v) => ({ ...v, color: e.target.value }))}
            className="mb-0.5 h-9 w-12 shrink-0 cursor-pointer rounded-md border border-slate-300 bg-white dark:border-slate-700 dark:bg-slate-900"
          />
        </div>
        <SelectField
          label={t('settings.widget.team')}
          hint={t('settings.widget.teamHint')}
          value={values.teamId}
          onChange={(teamId) => setValues((v) => ({ ...v, teamId }))}
          options={[
            { value: '', label: t('settings.teams.noTeam') },
            ...(teams.data?.data ?? []).map((team) => ({ value: team.id, label: team.name })),
          ]}
        />
        <fieldset className="space-y-2 rounded-md border border-slate-200 p-3 sm:col-span-2 dark:border-slate-700">
          <legend className="px-1 text-sm font-medium">{t('settings.widget.prechat')}</legend>
          <CheckboxField
            label={t('settings.widget.prechatEnabled')}
            checked={values.prechatEnabled}
            onChange={(prechatEnabled) => setValues((v) => ({ ...v, prechatEnabled }))}
          />
          {values.prechatEnabled && (
            <table className="text-sm">
              <thead>
                <tr>
                  <th scope="col" className="pe-4 text-start font-medium">
                    {t('settings.widget.field')}
                  </th>
                  <th scope="col" className="pe-4 text-start font-medium">
                    {t('settings.widget.ask')}
                  </th>
                  <th scope="col" className="text-start font-medium">
                    {t('settings.widget.require')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {prechatFields.map((field) => {
                  const label = t(`settings.widget.prechat.${field}`);
                  const asked = values.fields.includes(field);
                  return (
                    <tr key={field}>
                      <th scope="row" className="pe-4 text-start font-normal">
                        {label}
                      </th>
                      <td className="pe-4">
                        <input
                          type="checkbox"
                          className="size-4 accent-indigo-600"
                          aria-label={t('settings.widget.askFor', { field: label })}
                          checked={asked}
                          onChange={(e) =>
                            setValues((v) => ({
                              ...v,
                              fields: toggle(v.fields, field, e.target.checked),
                            }))
                          }
                        />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          className="size-4 accent-indigo-600"
                          aria-label={t('settings.widget.requireField', { field: label })}
                          disabled={!asked}
                          checked={asked && values.required.includes(field)}
                          onChange={(e) =>
                            setValues((v) => ({
                              ...v,
                              required: toggle(v.required, field, e.target.checked),
                            }))
                          }
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </fieldset>
        <fieldset className="space-y-3 rounded-md border border-slate-200 p-3 sm:col-span-2 dark:border-slate-700">
          <legend className="px-1 text-sm font-medium">{t('settings.widget.greetings')}</legend>
          <p className={`text-xs ${muted}`}>{t('settings.widget.greetingsHint')}</p>
          {locales.map((locale) => (
            <TextArea
              key={locale}
              label={localeNames[locale]}
              rows={2}
              lang={locale}
              dir={locale === 'fa' ? 'rtl' : 'ltr'}
              value={values.greeting[locale]}
              onChange={(text) =>
                setValues((v) => ({ ...v, greeting: { ...v.greeting, [locale]: text } }))
              }
              problem={problems[`greeting.${locale}`]}
            />
          ))}
        </fieldset>
        <div className="space-y-2 sm:col-span-2">
          <FormButtons pending={save.isPending} />
          <Outcome error={save.error} done={save.isSuccess ? t('settings.saved') : null} />
        </div>
      </form>
    </Card>
  );
}

function IdentitySecret({ widget }: { widget: Widget }) {
  const t = useT();
  const queryClient = useQueryClient();
  const id = useId();
  const [asking, setAsking] = useState(false);
  const rotate = useMutation({
    mutationFn: settingsApi.rotateWidgetSecret,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: widgetKey }),
  });
  // A new secret stops the old one at once: ask first when there is one.
  const go = () => {
    setAsking(false);
    rotate.mutate();
  };
  return (
    <Card>
      <h3 className="font-medium">{t('settings.widget.identity')}</h3>
      <p className={`mt-1 text-sm ${muted}`}>{t('settings.widget.identityHint')}</p>
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <SecretState set={widget.identityVerification} />
        {!asking && (
          <button
            type="button"
            className={secondaryButton}
            disabled={rotate.isPending}
            onClick={() => (widget.identityVerification ? setAsking(true) : go())}
          >
            {t(
              widget.identityVerification ? 'settings.widget.rotate' : 'settings.widget.makeSecret',
            )}
          </button>
        )}
        {asking && (
          <span className="inline-flex flex-wrap items-center gap-2">
            <span className="text-sm">{t('settings.widget.rotateConfirm')}</span>
            <button type="button" className={dangerButton} onClick={go}>
              {t('settings.widget.rotate')}
            </button>
            <button type="button" className={secondaryButton} onClick={() => setAsking(false)}>
              {t('settings.cancel')}
            </button>
          </span>
        )}
      </div>
      {rotate.data && (
        <div
          role="status"
          className="mt-3 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
        >
          <label htmlFor={id}>{t('settings.widget.secretOnce')}</label>
          <input
            id={id}
            readOnly
            value={rotate.data.secret}
            onFocus={(e) => e.target.select()}
            className={`${inputClass} font-mono text-xs`}
            dir="ltr"
          />
        </div>
      )}
      <Outcome error={rotate.error} />
    </Card>
  );
}
