import type { SlaReport as Report, SlaTargetName } from '@parley/contract';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useMemo } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.js';
import { relativeTime } from '../format.js';
import { useLocale, useT } from '../i18n.js';
import { Card, QueryState, SelectField, muted } from '../settings/ui.js';
import { forecastKey, managerApi } from './api.js';
import {
  barPercent,
  formatDuration,
  periodRange,
  periods,
  slaTargets,
  totalsByTarget,
  type Period,
} from './logic.js';
import { ManagerFrame } from './ManagerFrame.js';
import { HeadRow, NumberAndSubject, rowClass, td as cell } from './table.js';
import { useRefetchInterval } from './live.js';

const td = `${cell} tabular-nums`;

/** One colour per target, the same in the chart and its legend. */
const targetColour: Record<SlaTargetName, string> = {
  firstResponse: 'bg-indigo-600 dark:bg-indigo-400',
  nextResponse: 'bg-sky-600 dark:bg-sky-400',
  resolution: 'bg-emerald-600 dark:bg-emerald-400',
};

type GroupBy = 'policy' | 'team';

export function SlaReport() {
  const t = useT();
  return (
    <ManagerFrame title={t('manager.sla.title')}>
      <ReportBody />
      <Forecast />
    </ManagerFrame>
  );
}

/** What both parts of the screen use: words, numbers, the period and team in the address. */
function useReportScreen() {
  const intl = useIntl();
  const percent = (share: number | null) =>
    share === null ? '—' : intl.formatNumber(share, { style: 'percent', maximumFractionDigits: 1 });
  return {
    t: useT(),
    intl,
    locale: useLocale().locale,
    percent,
    navigate: useNavigate(),
    search: useSearch({ from: '/reports/sla' }),
  };
}

function ReportBody() {
  const { t, intl, locale, percent, navigate, search } = useReportScreen();
  const period: Period = (periods as readonly string[]).includes(search.period ?? '')
    ? (search.period as Period)
    : '7d';
  const groupBy: GroupBy = search.groupBy === 'team' ? 'team' : 'policy';
  // The range is fixed per choice (and per day), so the query key is stable.
  const range = useMemo(() => periodRange(period, new Date()), [period]);
  const report = useQuery({
    queryKey: ['sla-report', range.from, range.to, groupBy],
    queryFn: () => managerApi.slaReport({ ...range, groupBy }),
  });
  const setSearch = (next: { period?: Period; groupBy?: GroupBy }) =>
    void navigate({ to: '/reports/sla', search: { ...search, ...next } });
  const duration = (seconds: number | null) =>
    seconds === null ? '—' : formatDuration(seconds, locale);
  const groupName = (g: Report['data'][number]) =>
    g.name ?? (groupBy === 'team' ? t('manager.sla.noTeam') : t('manager.sla.noPolicy'));

  return (
    <>
      <div className="flex flex-wrap items-end gap-4">
        <SelectField
          label={t('manager.sla.period')}
          value={period}
          onChange={(value) => setSearch({ period: value })}
          options={periods.map((p) => ({ value: p, label: t(`manager.sla.period.${p}`) }))}
        />
        <SelectField
          label={t('manager.sla.groupBy')}
          value={groupBy}
          onChange={(value) => setSearch({ groupBy: value })}
          options={[
            { value: 'policy', label: t('manager.sla.byPolicy') },
            { value: 'team', label: t('manager.sla.byTeam') },
          ]}
        />
      </div>
      {!report.data ? (
        <QueryState pending={report.isPending} error={report.error} />
      ) : report.data.data.length === 0 ? (
        <Card>
          <p className={`text-sm ${muted}`}>{t('manager.sla.empty')}</p>
        </Card>
      ) : (
        <>
          <ul className="grid gap-3 sm:grid-cols-3" data-testid="sla-totals">
            {totalsByTarget(report.data.data).map((x) => (
              <li
                key={x.target}
                className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900/40"
              >
                <p className={`text-sm ${muted}`}>{t(`manager.sla.target.${x.target}`)}</p>
                <p className="text-2xl font-semibold tabular-nums">{percent(x.attainment)}</p>
                <p className={`text-xs ${muted}`}>
                  {t('manager.sla.metCount', { count: x.metOnTime })} ·{' '}
                  {t('manager.sla.breachedCount', { count: x.breached })}
                </p>
              </li>
            ))}
          </ul>

          <Card>
            <figure aria-labelledby="sla-chart-title" data-testid="sla-chart">
              <figcaption id="sla-chart-title" className="mb-1 font-medium">
                {t('manager.sla.chart')}
              </figcaption>
              <ul className={`mb-3 flex flex-wrap gap-3 text-xs ${muted}`} aria-hidden>
                {slaTargets.map((target) => (
                  <li key={target} className="flex items-center gap-1.5">
                    <span className={`size-3 rounded-sm ${targetColour[target]}`} />
                    {t(`manager.sla.target.${target}`)}
                  </li>
                ))}
              </ul>
              <div className="space-y-4">
                {report.data.data.map((group) => (
                  <div key={group.id ?? 'none'}>
                    <p className="mb-1 text-sm font-medium">{groupName(group)}</p>
                    <ul className="space-y-1">
                      {group.targets.map((x) => (
                        <li
                          key={x.target}
                          className="grid grid-cols-[8rem_1fr_4rem] items-center gap-2 text-xs"
                        >
                          <span className={`truncate ${muted}`}>
                            {t(`manager.sla.target.${x.target}`)}
                          </span>
                          <span className="h-3 rounded-sm bg-slate-100 dark:bg-slate-800">
                            <span
                              className={`block h-3 rounded-sm ${targetColour[x.target]}`}
                              style={{ width: `${barPercent(x.attainment)}%` }}
                            />
                          </span>
                          <span className="text-end tabular-nums">{percent(x.attainment)}</span>
                        </li>
                      ))}
                    </ul>
                  </div>
                ))}
              </div>
            </figure>
          </Card>

          <Card className="overflow-x-auto p-0">
            <table className="w-full text-sm" data-testid="sla-table">
              <caption className="px-3 pt-3 text-start font-medium">
                {t('manager.sla.figures', {
                  from: intl.formatDate(report.data.from, { dateStyle: 'medium' }),
                  to: intl.formatDate(new Date(Date.parse(report.data.to) - 1), {
                    dateStyle: 'medium',
                  }),
                })}
              </caption>
              <HeadRow
                labels={[
                  groupBy === 'team' ? t('manager.queues.team') : t('manager.sla.policy'),
                  t('manager.sla.target'),
                  t('manager.sla.started'),
                  t('manager.sla.met'),
                  t('manager.sla.breached'),
                  t('manager.sla.attainment'),
                  t('manager.sla.median'),
                  t('manager.sla.p90'),
                ]}
              />
              <tbody>
                {report.data.data.flatMap((group) =>
                  group.targets.map((x, i) => (
                    <tr key={`${group.id ?? 'none'}-${x.target}`} className={rowClass}>
                      <th scope="row" className={`${td} text-start font-medium`}>
                        {i === 0 ? (
                          groupName(group)
                        ) : (
                          <span className="sr-only">{groupName(group)}</span>
                        )}
                      </th>
                      <td className={td}>{t(`manager.sla.target.${x.target}`)}</td>
                      <td className={td}>{intl.formatNumber(x.started)}</td>
                      <td className={td}>{intl.formatNumber(x.metOnTime)}</td>
                      <td
                        className={`${td} ${x.breached > 0 ? 'text-red-700 dark:text-red-300' : ''}`}
                      >
                        {intl.formatNumber(x.breached)}
                      </td>
                      <td className={td}>{percent(x.attainment)}</td>
                      <td className={td}>{duration(x.medianSeconds)}</td>
                      <td className={td}>{duration(x.p90Seconds)}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </Card>
        </>
      )}
    </>
  );
}

/** Which waiting conversations of a team will breach before an agent reaches them. */
function Forecast() {
  const { t, intl, locale, percent, navigate, search } = useReportScreen();
  const teams = useQuery({ queryKey: ['teams'], queryFn: api.teams });
  const teamId = search.team ?? teams.data?.data[0]?.id;
  const refetchInterval = useRefetchInterval();
  const forecast = useQuery({
    queryKey: forecastKey(teamId ?? ''),
    queryFn: () => managerApi.forecast(teamId ?? ''),
    enabled: Boolean(teamId),
    refetchInterval,
  });
  const when = (iso: string | null, none: string) =>
    iso ? (
      <time
        dateTime={iso}
        title={intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' })}
      >
        {relativeTime(iso, locale)}
      </time>
    ) : (
      <span className={muted}>{none}</span>
    );

  return (
    <Card>
      <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="font-medium">{t('manager.forecast.title')}</h2>
          <p className={`text-sm ${muted}`}>{t('manager.forecast.intro')}</p>
        </div>
        {teams.data && teams.data.data.length > 0 && (
          <SelectField
            label={t('manager.queues.team')}
            value={teamId ?? ''}
            onChange={(value) =>
              void navigate({ to: '/reports/sla', search: { ...search, team: value } })
            }
            options={teams.data.data.map((x) => ({ value: x.id, label: x.name }))}
          />
        )}
      </div>
      {teams.data?.data.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('manager.queues.noTeams')}</p>
      )}
      {!forecast.data ? (
        teamId && <QueryState pending={forecast.isPending} error={forecast.error} />
      ) : (
        <div className="space-y-3" data-testid="forecast">
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-3">
            {(
              [
                ['manager.forecast.queued', intl.formatNumber(forecast.data.inputs.queued)],
                [
                  'manager.forecast.availableAgents',
                  intl.formatNumber(forecast.data.inputs.availableAgents),
                ],
                ['manager.forecast.freeSlots', intl.formatNumber(forecast.data.inputs.freeSlots)],
                [
                  'manager.forecast.handling',
                  formatDuration(forecast.data.inputs.handlingSeconds, locale),
                ],
                [
                  'manager.forecast.arrivals',
                  intl.formatNumber(forecast.data.inputs.arrivalsPerHour, {
                    maximumFractionDigits: 1,
                  }),
                ],
                ...(forecast.data.staffing
                  ? ([
                      [
                        'manager.forecast.expected',
                        percent(forecast.data.staffing.expectedAttainment),
                      ],
                      ['manager.forecast.goal', percent(forecast.data.staffing.goal)],
                    ] as const)
                  : []),
              ] as const
            ).map(([key, value]) => (
              <div key={key}>
                <dt className={`text-xs ${muted}`}>{t(key)}</dt>
                <dd className="font-medium tabular-nums">{value}</dd>
              </div>
            ))}
          </dl>
          {forecast.data.staffing?.belowGoal && (
            <p
              role="status"
              className="rounded-md bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100"
            >
              {t('manager.forecast.belowGoal')}
            </p>
          )}
          {forecast.data.conversations.length === 0 ? (
            <p className={`text-sm ${muted}`}>{t('manager.waiting.none')}</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-sm" data-testid="forecast-table">
                <caption className="sr-only">{t('manager.forecast.title')}</caption>
                <HeadRow
                  labels={[
                    t('manager.forecast.conversation'),
                    t('manager.forecast.position'),
                    t('manager.forecast.reach'),
                    t('manager.forecast.due'),
                    t('manager.forecast.risk'),
                  ]}
                />
                <tbody>
                  {forecast.data.conversations.map((c) => (
                    <tr key={c.id} className={rowClass}>
                      <th scope="row" className={`${td} max-w-xs text-start`}>
                        <Link
                          to="/conversations/$id"
                          params={{ id: c.id }}
                          search={{ view: 'unassigned', team: teamId }}
                          className="flex gap-2 font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                        >
                          <NumberAndSubject displayNumber={c.displayNumber} subject={c.subject} />
                        </Link>
                      </th>
                      <td className={td}>{intl.formatNumber(c.position + 1)}</td>
                      <td className={td}>
                        {when(c.expectedReachAt, t('manager.forecast.nobody'))}
                      </td>
                      <td className={td}>{when(c.dueAt, t('manager.forecast.noDue'))}</td>
                      <td className={td}>
                        {c.atRisk ? (
                          <span className="rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800 dark:bg-red-950 dark:text-red-200">
                            {t('manager.forecast.atRisk')}
                          </span>
                        ) : (
                          <span className={`text-xs ${muted}`}>{t('manager.forecast.onTime')}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
