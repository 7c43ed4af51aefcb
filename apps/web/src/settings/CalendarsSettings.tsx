import type { Calendar, CalendarCreateBody } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { X } from 'lucide-react';
import { useState, type SyntheticEvent } from 'react';
import { useIntl } from 'react-intl';
import { ApiError } from '../api.js';
import { useT } from '../i18n.js';
import { isTimeZone } from '../timezones.js';
import { settingsApi } from './api.js';
import { hasHours, hoursForm, hoursProblems, officeHours, weeklyHours, weekdays } from './hours.js';
import { TimeZoneField, useCountries, WeeklyHoursEditor } from './HoursFields.js';
import {
  Card,
  CheckboxField,
  EditableScreen,
  EditorForm,
  ItemList,
  inlineInputClass,
  muted,
  QueryState,
  secondaryButton,
  SelectField,
  TextField,
} from './ui.js';
import {
  check,
  isValid,
  matches,
  maxLength,
  required,
  type Problem,
  type Problems,
} from './validate.js';

export const calendarsKey = ['settings', 'calendars'];

export function CalendarsSettings() {
  const t = useT();
  const calendars = useQuery({ queryKey: calendarsKey, queryFn: settingsApi.calendars });
  return (
    <EditableScreen
      title={t('settings.section.calendars')}
      intro={t('settings.calendars.intro')}
      newLabel={t('settings.calendars.new')}
      newTestId="calendar-new"
      query={calendars}
      none={t('settings.calendars.none')}
      editor={(item, done) => <CalendarEditor calendar={item} onDone={done} />}
      list={(items, edit) => <CalendarList calendars={items} onEdit={edit} />}
    />
  );
}

function CalendarList(props: { calendars: Calendar[]; onEdit: (calendar: Calendar) => void }) {
  const t = useT();
  const countries = useCountries();
  return (
    <ItemList
      items={props.calendars}
      name={(calendar) => calendar.name}
      onEdit={props.onEdit}
      remove={settingsApi.deleteCalendar}
      queryKey={calendarsKey}
      testId="calendars-list"
      rowTestId="calendar-row"
    >
      {(calendar) => {
        const openDays = weekdays.filter((d) => (calendar.weeklyHours[d] ?? []).length > 0);
        const holidays = calendar.holidays;
        const country = holidays
          ? (countries.find((c) => c.code === holidays.country)?.name ?? holidays.country)
          : null;
        return (
          <>
            <p className="font-medium">
              <bdi dir="auto">{calendar.name}</bdi>
            </p>
            <p className={`text-sm ${muted}`}>
              <bdi dir="ltr">{calendar.timeZone}</bdi> ·{' '}
              {calendar.alwaysOpen
                ? t('settings.calendars.alwaysOpenShort')
                : t('settings.calendars.openDays', { count: openDays.length })}
              {country && <> · {t('settings.calendars.holidaysOf', { name: country })}</>}
            </p>
          </>
        );
      }}
    </ItemList>
  );
}

type CalendarFields = 'name' | 'timeZone' | 'region' | 'hours' | 'holidays';

const timeZoneRule = (zone: string): Problem | null =>
  zone.trim() === '' || isTimeZone(zone.trim()) ? null : { key: 'settings.invalid.timeZone' };

/** A refusal the server tied to a field of this form, shown at that field. */
function serverProblem(error: unknown): Problems<CalendarFields> {
  if (!(error instanceof ApiError)) return {};
  if (error.code === 'invalid_time_zone') return { timeZone: { key: 'settings.invalid.timeZone' } };
  if (error.code === 'validation_failed' && error.message.startsWith('body.holidays'))
    return { holidays: { key: 'settings.calendars.unknownHolidays' } };
  return {};
}

function CalendarEditor({ calendar, onDone }: { calendar?: Calendar; onDone: () => void }) {
  const t = useT();
  const intl = useIntl();
  const queryClient = useQueryClient();
  const countries = useCountries();
  const [values, setValues] = useState({
    name: calendar?.name ?? '',
    timeZone: calendar?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    alwaysOpen: calendar?.alwaysOpen ?? false,
    country: calendar?.holidays?.country ?? '',
    region: calendar?.holidays?.region ?? '',
  });
  const [hours, setHours] = useState(calendar ? hoursForm(calendar.weeklyHours) : officeHours());
  const [closedDates, setClosedDates] = useState<string[]>(calendar?.closedDates ?? []);
  const [newDate, setNewDate] = useState('');
  const [problems, setProblems] = useState<Problems<CalendarFields>>({});
  const [tried, setTried] = useState(false);
  const set =
    <K extends keyof typeof values>(key: K) =>
    (value: (typeof values)[K]) =>
      setValues((v) => ({ ...v, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: values.name.trim(),
        timeZone: values.timeZone.trim(),
        alwaysOpen: values.alwaysOpen,
        weeklyHours: weeklyHours(hours),
        holidays: values.country
          ? { country: values.country, region: values.region.trim().toUpperCase() || null }
          : null,
        closedDates,
      } satisfies CalendarCreateBody;
      return calendar
        ? settingsApi.updateCalendar(calendar.id, body)
        : settingsApi.createCalendar(body);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: calendarsKey });
      onDone();
    },
    onError: (error) => setProblems((p) => ({ ...p, ...serverProblem(error) })),
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    const found = check<CalendarFields>(
      { ...values, hours: '', holidays: '', region: values.region.trim().toUpperCase() },
      {
        name: [required, maxLength(100)],
        timeZone: [required, timeZoneRule],
        region: [matches(/^[A-Z0-9]{1,3}$/, 'settings.invalid.region')],
      },
    );
    if (!values.alwaysOpen && Object.keys(hoursProblems(hours)).length > 0)
      found.hours = { key: 'settings.invalid.hoursBelow' };
    else if (!values.alwaysOpen && !hasHours(hours))
      found.hours = { key: 'settings.invalid.noHours' };
    setProblems(found);
    if (isValid(found)) save.mutate();
  };
  const addDate = () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(newDate) || closedDates.includes(newDate)) return;
    setClosedDates([...closedDates, newDate].sort());
    setNewDate('');
  };
  const dateText = (date: string) =>
    intl.formatDate(`${date}T12:00:00Z`, { dateStyle: 'medium', timeZone: 'UTC' });
  const title = calendar
    ? t('settings.editItem', { name: calendar.name })
    : t('settings.calendars.new');
  return (
    <>
      <EditorForm
        title={title}
        onSubmit={submit}
        pending={save.isPending}
        error={save.error}
        onCancel={onDone}
      >
        <TextField
          label={t('settings.calendars.name')}
          value={values.name}
          onChange={set('name')}
          problem={problems.name}
          dir="auto"
          data-testid="calendar-name"
        />
        <TimeZoneField
          label={t('settings.calendars.timeZone')}
          value={values.timeZone}
          onChange={set('timeZone')}
          problem={problems.timeZone}
          testId="calendar-time-zone"
        />
        <div className="sm:col-span-2">
          <CheckboxField
            label={t('settings.calendars.alwaysOpen')}
            hint={t('settings.calendars.alwaysOpenHint')}
            checked={values.alwaysOpen}
            onChange={set('alwaysOpen')}
          />
        </div>
        {!values.alwaysOpen && (
          <div className="sm:col-span-2">
            <WeeklyHoursEditor
              legend={t('settings.calendars.hours')}
              value={hours}
              onChange={setHours}
              showProblems={tried}
            />
            {problems.hours && (
              <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
                {t(problems.hours.key, problems.hours.values)}
              </p>
            )}
          </div>
        )}
        <SelectField
          label={t('settings.calendars.country')}
          hint={t('settings.calendars.countryHint')}
          value={values.country}
          onChange={set('country')}
          problem={problems.holidays}
          options={[
            { value: '', label: t('settings.calendars.noHolidays') },
            ...countries.map((c) => ({ value: c.code, label: c.name })),
          ]}
          data-testid="calendar-country"
        />
        <TextField
          label={t('settings.calendars.region')}
          hint={t('settings.calendars.regionHint')}
          value={values.region}
          onChange={set('region')}
          problem={problems.region}
          disabled={!values.country}
          maxLength={3}
          dir="ltr"
        />
        <fieldset className="min-w-0 sm:col-span-2">
          <legend className="text-sm font-medium">{t('settings.calendars.closedDates')}</legend>
          <p className={`text-xs ${muted}`}>{t('settings.calendars.closedDatesHint')}</p>
          <ul className="mt-2 flex flex-wrap gap-2" data-testid="closed-dates">
            {closedDates.map((date) => (
              <li
                key={date}
                className="flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pe-1 ps-3 text-sm dark:bg-slate-800"
              >
                {dateText(date)}
                <button
                  type="button"
                  className="rounded-full p-0.5 hover:bg-slate-200 dark:hover:bg-slate-700"
                  aria-label={t('settings.calendars.removeDate', { date: dateText(date) })}
                  onClick={() => setClosedDates(closedDates.filter((d) => d !== date))}
                >
                  <X aria-hidden className="size-3.5" />
                </button>
              </li>
            ))}
          </ul>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <input
              type="date"
              className={`${inlineInputClass} w-auto`}
              aria-label={t('settings.calendars.closedDate')}
              value={newDate}
              onChange={(e) => setNewDate(e.target.value)}
              data-testid="closed-date"
            />
            <button type="button" className={secondaryButton} onClick={addDate}>
              {t('settings.calendars.addDate')}
            </button>
          </div>
        </fieldset>
      </EditorForm>
      {calendar && <UpcomingClosedDays calendar={calendar} />}
    </>
  );
}

/** The next days the calendar is closed all day, as the server works them out. */
function UpcomingClosedDays({ calendar }: { calendar: Calendar }) {
  const t = useT();
  const intl = useIntl();
  // Today on the calendar's own wall clock (en-CA writes dates as YYYY-MM-DD).
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: calendar.timeZone }).format(
    new Date(),
  );
  const year = Number(today.slice(0, 4));
  const days = useQuery({
    queryKey: [...calendarsKey, calendar.id, 'closed-days', calendar.updatedAt, year],
    queryFn: async () => {
      const [now, next] = await Promise.all([
        settingsApi.closedDays(calendar.id, year),
        settingsApi.closedDays(calendar.id, year + 1),
      ]);
      return [...now.data, ...next.data].filter((d) => d.date >= today).slice(0, 8);
    },
  });
  return (
    <Card label={t('settings.calendars.upcoming')}>
      <h3 className="mb-2 font-medium">{t('settings.calendars.upcoming')}</h3>
      <QueryState pending={days.isPending} error={days.error} />
      {days.data?.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.calendars.noUpcoming')}</p>
      )}
      <ul className="divide-y divide-slate-200 dark:divide-slate-800" data-testid="upcoming-closed">
        {days.data?.map((day) => (
          <li key={day.date} className="flex flex-wrap justify-between gap-2 py-1.5 text-sm">
            <span>
              {intl.formatDate(`${day.date}T12:00:00Z`, {
                dateStyle: 'full',
                timeZone: 'UTC',
              })}
            </span>
            <span className={muted}>
              {day.source === 'holiday'
                ? (day.name ?? t('settings.calendars.publicHoliday'))
                : t('settings.calendars.ownClosedDay')}
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
