import type { Absence } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../i18n.js';
import { settingsApi } from './api.js';
import {
  DeleteButton,
  FormButtons,
  muted,
  Outcome,
  QueryState,
  SelectField,
  TextField,
} from './ui.js';
import { check, isValid, maxLength, required, type Problems } from './validate.js';

export const absencesKey = (userId: string) => ['absences', userId];

/**
 * Someone's absences and vacations that have not ended, with a form to add one (whole days
 * in their time zone) and a way to remove one. Managers see anyone's; everyone their own.
 */
export function Absences(props: {
  userId: string;
  /** The zone the absence's days are counted in (the agent's hours', else their profile's). */
  timeZone: string;
  /** Who may take the conversations meanwhile (left out: no choice of delegate). */
  delegates?: { id: string; name: string }[];
}) {
  const t = useT();
  const intl = useIntl();
  const queryClient = useQueryClient();
  const absences = useQuery({
    queryKey: absencesKey(props.userId),
    queryFn: () => settingsApi.absences(props.userId),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: absencesKey(props.userId) });
  const remove = useMutation({ mutationFn: settingsApi.deleteAbsence, onSuccess: refresh });
  const when = (absence: Absence) => {
    const start = new Date(absence.startsAt);
    // An all-day absence ends at the midnight after its last day: show that last day.
    const end = new Date(new Date(absence.endsAt).getTime() - (absence.allDay ? 1 : 0));
    return intl.formatDateTimeRange(start, end, {
      dateStyle: 'medium',
      ...(absence.allDay ? {} : { timeStyle: 'short' }),
      timeZone: props.timeZone,
    });
  };
  const delegateName = (id: string | null) => props.delegates?.find((d) => d.id === id)?.name;
  const now = Date.now();
  return (
    <div className="space-y-3">
      <QueryState pending={absences.isPending} error={absences.error} />
      {absences.data?.data.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.absences.none')}</p>
      )}
      <ul className="divide-y divide-slate-200 dark:divide-slate-800" data-testid="absences-list">
        {absences.data?.data.map((absence) => {
          const text = when(absence);
          const current = new Date(absence.startsAt).getTime() <= now;
          const delegate = delegateName(absence.delegateId);
          return (
            <li
              key={absence.id}
              className="flex flex-wrap items-center gap-3 py-2"
              data-testid="absence-row"
            >
              <div className="min-w-0 flex-1 text-sm">
                <p className="font-medium">
                  {text}
                  {current && (
                    <span className="ms-2 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-normal text-amber-900 dark:bg-amber-900/60 dark:text-amber-100">
                      {t('settings.absences.now')}
                    </span>
                  )}
                </p>
                {(absence.reason ?? delegate) && (
                  <p className={muted}>
                    {absence.reason && <bdi dir="auto">{absence.reason}</bdi>}
                    {absence.reason && delegate && ' · '}
                    {delegate && t('settings.absences.delegatedTo', { name: delegate })}
                  </p>
                )}
              </div>
              <DeleteButton
                name={text}
                pending={remove.isPending}
                onConfirm={() => remove.mutate(absence.id)}
              />
            </li>
          );
        })}
      </ul>
      <Outcome error={remove.error} />
      <AbsenceForm
        userId={props.userId}
        delegates={props.delegates}
        onAdded={refresh}
        today={new Intl.DateTimeFormat('en-CA', { timeZone: props.timeZone }).format(new Date())}
      />
    </div>
  );
}

type AbsenceFields = 'startDate' | 'endDate' | 'reason';

function AbsenceForm(props: {
  userId: string;
  delegates: { id: string; name: string }[] | undefined;
  today: string;
  onAdded: () => Promise<void>;
}) {
  const t = useT();
  const empty = { startDate: props.today, endDate: props.today, reason: '', delegateId: '' };
  const [values, setValues] = useState(empty);
  const [problems, setProblems] = useState<Problems<AbsenceFields>>({});
  const set = (key: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [key]: value }));
  const add = useMutation({
    mutationFn: () =>
      settingsApi.createAbsence({
        userId: props.userId,
        startDate: values.startDate,
        endDate: values.endDate,
        reason: values.reason.trim() || null,
        ...(values.delegateId ? { delegateId: values.delegateId } : {}),
      }),
    onSuccess: async () => {
      setValues(empty);
      await props.onAdded();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<AbsenceFields>(values, {
      startDate: [required],
      endDate: [required],
      reason: [maxLength(500)],
    });
    if (!found.endDate && values.endDate < values.startDate)
      found.endDate = { key: 'settings.absences.endBeforeStart' };
    setProblems(found);
    if (isValid(found)) add.mutate();
  };
  return (
    <form
      noValidate
      onSubmit={submit}
      aria-label={t('settings.absences.add')}
      className="grid gap-3 border-t border-slate-200 pt-3 sm:grid-cols-2 dark:border-slate-800"
    >
      <h4 className="text-sm font-medium sm:col-span-2">{t('settings.absences.add')}</h4>
      <TextField
        label={t('settings.absences.from')}
        type="date"
        value={values.startDate}
        onChange={set('startDate')}
        problem={problems.startDate}
        data-testid="absence-start"
      />
      <TextField
        label={t('settings.absences.to')}
        hint={t('settings.absences.toHint')}
        type="date"
        value={values.endDate}
        onChange={set('endDate')}
        problem={problems.endDate}
        data-testid="absence-end"
      />
      <TextField
        label={t('settings.absences.reason')}
        value={values.reason}
        onChange={set('reason')}
        problem={problems.reason}
        dir="auto"
        data-testid="absence-reason"
      />
      {props.delegates && (
        <SelectField
          label={t('settings.absences.delegate')}
          hint={t('settings.absences.delegateHint')}
          value={values.delegateId}
          onChange={set('delegateId')}
          options={[
            { value: '', label: t('settings.absences.noDelegate') },
            ...props.delegates
              .filter((d) => d.id !== props.userId)
              .map((d) => ({ value: d.id, label: d.name })),
          ]}
        />
      )}
      <div className="space-y-2 sm:col-span-2">
        <FormButtons pending={add.isPending} save={t('settings.absences.addButton')} />
        <Outcome error={add.error} />
      </div>
    </form>
  );
}
