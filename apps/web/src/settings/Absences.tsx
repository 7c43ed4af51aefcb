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
  secondaryButton,
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
  const [editing, setEditing] = useState<string | null>(null);
  const today = dayIn(new Date(), props.timeZone);
  /** The form that adds an absence, or changes `absence`. */
  const form = (absence?: Absence) => (
    <AbsenceForm
      userId={props.userId}
      delegates={props.delegates}
      today={today}
      timeZone={props.timeZone}
      {...(absence ? { absence, onCancel: () => setEditing(null) } : {})}
      onDone={async () => {
        setEditing(null);
        await refresh();
      }}
    />
  );
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
          if (editing === absence.id)
            return (
              <li key={absence.id} className="py-2" data-testid="absence-row">
                {form(absence)}
              </li>
            );
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
              <button
                type="button"
                className={secondaryButton}
                onClick={() => setEditing(absence.id)}
                aria-label={t('settings.editItem', { name: text })}
                data-testid="absence-edit"
              >
                {t('settings.edit')}
              </button>
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
      {editing === null && form()}
    </div>
  );
}

type AbsenceFields = 'startDate' | 'endDate' | 'reason';

/** The calendar day (YYYY-MM-DD) an instant falls on in `timeZone`. */
export const dayIn = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone }).format(at);

/**
 * An absence as the form's whole days in `timeZone`: the day it starts and the last day it
 * covers (an all-day one ends at the midnight after it; one ending at 12:00 covers that day).
 */
export function absenceDays(absence: Pick<Absence, 'startsAt' | 'endsAt'>, timeZone: string) {
  return {
    startDate: dayIn(new Date(absence.startsAt), timeZone),
    endDate: dayIn(new Date(new Date(absence.endsAt).getTime() - 1), timeZone),
  };
}

/**
 * Adds an absence, or (given `absence`) changes one: whole days in the person's zone, the
 * reason and, where offered, the delegate. The last day may not be before the first.
 */
function AbsenceForm(props: {
  userId: string;
  delegates: { id: string; name: string }[] | undefined;
  today: string;
  timeZone: string;
  absence?: Absence;
  onCancel?: () => void;
  onDone: () => Promise<void>;
}) {
  const t = useT();
  const { absence } = props;
  const empty = { startDate: props.today, endDate: props.today, reason: '', delegateId: '' };
  const [values, setValues] = useState(
    absence
      ? {
          ...absenceDays(absence, props.timeZone),
          reason: absence.reason ?? '',
          delegateId: absence.delegateId ?? '',
        }
      : empty,
  );
  const [problems, setProblems] = useState<Problems<AbsenceFields>>({});
  const set = (key: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const body = {
        startDate: values.startDate,
        endDate: values.endDate,
        reason: values.reason.trim() || null,
      };
      // Without a choice of delegate on screen, the one set (by a manager) stays.
      return absence
        ? settingsApi.updateAbsence(absence.id, {
            ...body,
            ...(props.delegates ? { delegateId: values.delegateId || null } : {}),
          })
        : settingsApi.createAbsence({
            userId: props.userId,
            ...body,
            ...(values.delegateId ? { delegateId: values.delegateId } : {}),
          });
    },
    onSuccess: async () => {
      setValues(empty);
      await props.onDone();
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
    if (isValid(found)) save.mutate();
  };
  const title = absence ? t('settings.absences.change') : t('settings.absences.add');
  return (
    <form
      noValidate
      onSubmit={submit}
      aria-label={title}
      className={`grid gap-3 sm:grid-cols-2 ${
        absence ? '' : 'border-t border-slate-200 pt-3 dark:border-slate-800'
      }`}
      data-testid={absence ? 'absence-edit-form' : 'absence-form'}
    >
      <h4 className="text-sm font-medium sm:col-span-2">{title}</h4>
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
        <FormButtons
          pending={save.isPending}
          save={absence ? undefined : t('settings.absences.addButton')}
          onCancel={props.onCancel}
        />
        <Outcome error={save.error} />
      </div>
    </form>
  );
}
