import type { Agent } from '@parley/contract';
import { useMutation } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n.js';
import { isTimeZone } from '../timezones.js';
import { settingsApi } from './api.js';
import { hasHours, hoursForm, hoursProblems, officeHours, weeklyHours } from './hours.js';
import { TimeZoneField, WeeklyHoursEditor } from './HoursFields.js';
import { CheckboxField, FormButtons, Outcome } from './ui.js';
import type { Problem } from './validate.js';

/**
 * Someone's working hours: set hours or none (available whenever online), the zone and the
 * weekly intervals, checked as the server checks them. A manager's for anyone (the
 * availability screen), everyone's own on the profile; the server refuses others.
 */
export function ScheduleForm({
  agent,
  fallbackZone,
  onSaved,
}: {
  agent: Agent;
  /** The zone offered when there are no hours yet (the person's profile zone). */
  fallbackZone: string;
  /** The whole agent as the server answers it. */
  onSaved: (agent: Agent) => void;
}) {
  const t = useT();
  const [on, setOn] = useState(agent.schedule !== null);
  const [zone, setZone] = useState(agent.schedule?.timeZone ?? fallbackZone);
  const [hours, setHours] = useState(
    agent.schedule ? hoursForm(agent.schedule.weeklyHours) : officeHours(),
  );
  const [tried, setTried] = useState(false);
  const [problem, setProblem] = useState<{ zone?: Problem; hours?: Problem }>({});
  const save = useMutation({
    mutationFn: (schedule: boolean) =>
      schedule
        ? settingsApi.setSchedule(agent.userId, {
            timeZone: zone.trim(),
            weeklyHours: weeklyHours(hours),
          })
        : settingsApi.clearSchedule(agent.userId),
    onSuccess: onSaved,
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    const found: typeof problem = {};
    if (on) {
      if (!isTimeZone(zone.trim())) found.zone = { key: 'settings.invalid.timeZone' };
      if (Object.keys(hoursProblems(hours)).length > 0)
        found.hours = { key: 'settings.invalid.hoursBelow' };
      else if (!hasHours(hours)) found.hours = { key: 'settings.invalid.noHours' };
    }
    setProblem(found);
    if (!found.zone && !found.hours) save.mutate(on);
  };
  return (
    <form noValidate onSubmit={submit} className="space-y-4" data-testid="schedule-form">
      <CheckboxField
        label={t('settings.availability.hasSchedule')}
        hint={t('settings.availability.hasScheduleHint')}
        checked={on}
        onChange={setOn}
      />
      {on && (
        <>
          <div className="max-w-sm">
            <TimeZoneField
              label={t('settings.calendars.timeZone')}
              value={zone}
              onChange={setZone}
              problem={problem.zone}
            />
          </div>
          <WeeklyHoursEditor
            legend={t('settings.availability.hours')}
            value={hours}
            onChange={setHours}
            showProblems={tried}
          />
          {problem.hours && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {t(problem.hours.key)}
            </p>
          )}
        </>
      )}
      <FormButtons pending={save.isPending} />
      <Outcome error={save.error} done={save.isSuccess ? t('settings.saved') : null} />
    </form>
  );
}
