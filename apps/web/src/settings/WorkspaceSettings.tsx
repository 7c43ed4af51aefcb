import type { Locale, Workspace, WorkspaceUpdateBody } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { localeNames, locales, useT } from '../i18n.js';
import { timeZones } from '../timezones.js';
import { settingsApi } from './api.js';
import {
  Card,
  CheckboxField,
  FormButtons,
  Outcome,
  QueryState,
  Screen,
  SelectField,
  TextField,
} from './ui.js';
import {
  check,
  integerBetween,
  isValid,
  maxLength,
  required,
  ticketPrefix,
  type Problems,
} from './validate.js';

type Fields = 'name' | 'ticketPrefix' | 'timeZone' | 'reopenWindowDays';

export function WorkspaceSettings() {
  const t = useT();
  const workspace = useQuery({
    queryKey: ['settings', 'workspace'],
    queryFn: settingsApi.workspace,
  });
  return (
    <Screen title={t('settings.section.workspace')} intro={t('settings.workspace.intro')}>
      <QueryState pending={workspace.isPending} error={workspace.error} />
      {workspace.data && <WorkspaceForm key={workspace.data.id} workspace={workspace.data} />}
    </Screen>
  );
}

function WorkspaceForm({ workspace }: { workspace: Workspace }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({
    name: workspace.name,
    ticketPrefix: workspace.ticketPrefix,
    timeZone: workspace.timeZone,
    reopenWindowDays: String(workspace.reopenWindowDays),
    defaultLocale: workspace.defaultLocale,
    acknowledgementsEnabled: workspace.acknowledgementsEnabled,
  });
  const [problems, setProblems] = useState<Problems<Fields>>({});
  const save = useMutation({
    mutationFn: settingsApi.updateWorkspace,
    onSuccess: async (saved) => {
      queryClient.setQueryData(['settings', 'workspace'], saved);
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    },
  });
  const set =
    <K extends keyof typeof values>(key: K) =>
    (value: (typeof values)[K]) => {
      setValues((v) => ({ ...v, [key]: value }));
      save.reset();
    };

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<Fields>(values, {
      name: [required, maxLength(120)],
      ticketPrefix: [ticketPrefix],
      timeZone: [required],
      reopenWindowDays: [required, integerBetween(0, 365)],
    });
    setProblems(found);
    if (!isValid(found)) return;
    const body: WorkspaceUpdateBody = {
      name: values.name.trim(),
      ticketPrefix: values.ticketPrefix,
      timeZone: values.timeZone,
      reopenWindowDays: Number(values.reopenWindowDays),
      defaultLocale: values.defaultLocale,
      acknowledgementsEnabled: values.acknowledgementsEnabled,
    };
    save.mutate(body);
  };

  return (
    <Card>
      <form noValidate onSubmit={submit} className="grid gap-4 sm:grid-cols-2">
        <TextField
          className="sm:col-span-2"
          label={t('settings.workspace.name')}
          value={values.name}
          onChange={set('name')}
          problem={problems.name}
          maxLength={120}
          data-testid="workspace-name"
        />
        <TextField
          label={t('settings.workspace.ticketPrefix')}
          hint={t('settings.workspace.ticketPrefixHint', {
            example: `${values.ticketPrefix}1042`,
          })}
          value={values.ticketPrefix}
          onChange={set('ticketPrefix')}
          problem={problems.ticketPrefix}
          maxLength={10}
          dir="ltr"
        />
        <SelectField<Locale>
          label={t('settings.workspace.defaultLocale')}
          hint={t('settings.workspace.defaultLocaleHint')}
          value={values.defaultLocale}
          onChange={set('defaultLocale')}
          options={locales.map((code) => ({ value: code, label: localeNames[code] }))}
        />
        <SelectField
          label={t('settings.workspace.timeZone')}
          value={values.timeZone}
          onChange={set('timeZone')}
          problem={problems.timeZone}
          options={timeZones(values.timeZone).map((zone) => ({ value: zone, label: zone }))}
          dir="ltr"
        />
        <TextField
          label={t('settings.workspace.reopenWindowDays')}
          hint={t('settings.workspace.reopenWindowDaysHint')}
          type="number"
          inputMode="numeric"
          min={0}
          max={365}
          value={values.reopenWindowDays}
          onChange={set('reopenWindowDays')}
          problem={problems.reopenWindowDays}
        />
        <div className="sm:col-span-2">
          <CheckboxField
            label={t('settings.workspace.acknowledgements')}
            hint={t('settings.workspace.acknowledgementsHint')}
            checked={values.acknowledgementsEnabled}
            onChange={set('acknowledgementsEnabled')}
          />
        </div>
        <div className="space-y-2 sm:col-span-2">
          <FormButtons pending={save.isPending} />
          <Outcome error={save.error} done={save.isSuccess ? t('settings.saved') : null} />
        </div>
      </form>
    </Card>
  );
}
