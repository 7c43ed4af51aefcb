import type { WorkInterval } from '@parley/contract';
import { Plus, X } from 'lucide-react';
import { useId, useMemo } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../i18n.js';
import { timeZones } from '../timezones.js';
import { hoursProblems, overnight, weekdays, type HoursForm } from './hours.js';
import { inlineInputClass, muted, secondaryButton, TextField, useWeekdayName } from './ui.js';
import type { Problem } from './validate.js';

/**
 * Opening hours per weekday: any number of intervals a day (up to the API's six), none for
 * a closed day. Times are typed as HH:MM (a time picker cannot say 24:00, the end of a day).
 */
export function WeeklyHoursEditor(props: {
  value: HoursForm;
  onChange: (value: HoursForm) => void;
  /** Show each interval's problem (after a save was tried). */
  showProblems: boolean;
  legend: string;
}) {
  const t = useT();
  const dayName = useWeekdayName();
  const problems = props.showProblems ? hoursProblems(props.value) : {};
  const setDay = (day: (typeof weekdays)[number], intervals: WorkInterval[]) =>
    props.onChange({ ...props.value, [day]: intervals });
  return (
    <fieldset className="min-w-0" data-testid="weekly-hours">
      <legend className="text-sm font-medium">{props.legend}</legend>
      <p className={`text-xs ${muted}`}>{t('settings.hours.hint')}</p>
      <ul className="mt-2 divide-y divide-slate-200 dark:divide-slate-800">
        {weekdays.map((day, index) => {
          const name = dayName(index + 1);
          const intervals = props.value[day];
          return (
            <li key={day} className="flex flex-wrap items-start gap-x-3 gap-y-2 py-2">
              <span className="w-16 shrink-0 pt-1.5 text-sm font-medium">{name}</span>
              <div className="min-w-0 flex-1 space-y-2">
                {intervals.length === 0 && (
                  <p className={`pt-1.5 text-sm ${muted}`}>{t('settings.hours.closed')}</p>
                )}
                {intervals.map((interval, n) => (
                  <IntervalRow
                    key={n}
                    day={name}
                    interval={interval}
                    problem={problems[day]?.[n] ?? null}
                    onChange={(changed) =>
                      setDay(
                        day,
                        intervals.map((x, i) => (i === n ? changed : x)),
                      )
                    }
                    onRemove={() =>
                      setDay(
                        day,
                        intervals.filter((_, i) => i !== n),
                      )
                    }
                  />
                ))}
              </div>
              {intervals.length < 6 && (
                <button
                  type="button"
                  className={`${secondaryButton} flex items-center gap-1`}
                  aria-label={t('settings.hours.addFor', { name })}
                  onClick={() => {
                    const last = intervals.at(-1);
                    setDay(day, [
                      ...intervals,
                      last ? { from: last.to, to: '24:00' } : { from: '09:00', to: '17:00' },
                    ]);
                  }}
                >
                  <Plus aria-hidden className="size-4" />
                  {t('settings.hours.add')}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

function IntervalRow(props: {
  day: string;
  interval: WorkInterval;
  problem: Problem | null;
  onChange: (interval: WorkInterval) => void;
  onRemove: () => void;
}) {
  const t = useT();
  const errorId = useId();
  const a11y = {
    'aria-invalid': Boolean(props.problem),
    ...(props.problem ? { 'aria-describedby': errorId } : {}),
  };
  const clock = `${inlineInputClass} w-20 text-center tabular-nums`;
  return (
    <div>
      <div className="flex flex-wrap items-center gap-2" data-testid="interval">
        <input
          {...a11y}
          className={clock}
          dir="ltr"
          inputMode="numeric"
          placeholder="09:00"
          aria-label={t('settings.hours.from', { name: props.day })}
          value={props.interval.from}
          onChange={(e) => props.onChange({ ...props.interval, from: e.target.value.trim() })}
        />
        <span aria-hidden>–</span>
        <input
          {...a11y}
          className={clock}
          dir="ltr"
          inputMode="numeric"
          placeholder="17:00"
          aria-label={t('settings.hours.to', { name: props.day })}
          value={props.interval.to}
          onChange={(e) => props.onChange({ ...props.interval, to: e.target.value.trim() })}
        />
        {overnight(props.interval) && (
          <span className={`text-xs ${muted}`}>{t('settings.hours.overnight')}</span>
        )}
        <button
          type="button"
          className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
          aria-label={t('settings.hours.remove', {
            name: props.day,
            from: props.interval.from,
            to: props.interval.to,
          })}
          onClick={props.onRemove}
        >
          <X aria-hidden className="size-4" />
        </button>
      </div>
      {props.problem && (
        <p id={errorId} className="mt-1 text-xs text-red-700 dark:text-red-300">
          {t(props.problem.key, props.problem.values)}
        </p>
      )}
    </div>
  );
}

/** A time zone typed with suggestions from every zone the browser knows (search as you type). */
export function TimeZoneField(props: {
  label: string;
  value: string;
  onChange: (zone: string) => void;
  problem?: Problem | undefined;
  testId?: string;
}) {
  const t = useT();
  const listId = useId();
  const zones = useMemo(() => timeZones(), []);
  return (
    <>
      <TextField
        label={props.label}
        hint={t('settings.hours.timeZoneHint')}
        value={props.value}
        onChange={props.onChange}
        problem={props.problem}
        list={listId}
        autoComplete="off"
        spellCheck={false}
        dir="ltr"
        data-testid={props.testId}
      />
      <datalist id={listId}>
        {zones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
    </>
  );
}

/** Countries (ISO 3166-1 alpha-2) by their name in the user's language, sorted by it. */
export function useCountries(): { code: string; name: string }[] {
  const intl = useIntl();
  return useMemo(() => {
    const names = new Intl.DisplayNames([intl.locale], { type: 'region', fallback: 'none' });
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const found: { code: string; name: string }[] = [];
    for (const a of letters)
      for (const b of letters) {
        const code = a + b;
        const name = names.of(code);
        // Private-use and grouping codes (XA, QO, EU, UN…) are no country's holidays.
        if (name && !/^(AA|Q[M-Z]|X[A-JL-Z]|ZZ|EU|EZ|UN)$/.test(code)) found.push({ code, name });
      }
    return found.sort((x, y) => x.name.localeCompare(y.name, intl.locale));
  }, [intl.locale]);
}
