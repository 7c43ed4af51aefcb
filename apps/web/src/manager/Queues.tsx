import type { AgentLoadView, Channel, Conversation, TeamQueue } from '@parley/contract';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.js';
import { relativeTime } from '../format.js';
import { useLocale, useT } from '../i18n.js';
import { ChannelIcon, PriorityLabel } from '../pages/badges.js';
import { meQuery } from '../router.js';
import {
  Card,
  Outcome,
  QueryState,
  muted,
  primaryButton,
  secondaryButton,
} from '../settings/ui.js';
import { managerApi, queuesKey } from './api.js';
import {
  capacityOf,
  channelLoads,
  formatDuration,
  liveWait,
  transferCandidates,
  waitingList,
} from './logic.js';
import { useNow, useRefetchInterval } from './live.js';
import { ManagerFrame } from './ManagerFrame.js';
import { HeadRow, NumberAndSubject, rowClass, td } from './table.js';

export function Queues() {
  const t = useT();
  return (
    <ManagerFrame title={t('manager.queues.title')}>
      <QueuesBody />
    </ManagerFrame>
  );
}

function QueuesBody() {
  const t = useT();
  const intl = useIntl();
  const { locale } = useLocale();
  const navigate = useNavigate();
  const { team: selected } = useSearch({ from: '/queues' });
  const queues = useQuery({
    queryKey: queuesKey,
    queryFn: managerApi.queues,
    refetchInterval: useRefetchInterval(),
  });
  const now = useNow();

  if (!queues.data) return <QueryState pending={queues.isPending} error={queues.error} />;
  const { teams, agents } = queues.data;
  const team = teams.find((x) => x.teamId === selected);
  const shownAgents = team ? agents.filter((a) => a.teamIds.includes(team.teamId)) : agents;
  const wait = (x: TeamQueue) => liveWait(x.oldestWaitSeconds, queues.dataUpdatedAt, now);

  return (
    <>
      {queues.error ? <QueryState pending={false} error={queues.error} /> : null}
      <Card label={t('manager.queues.teams')} className="overflow-x-auto p-0">
        <table className="w-full text-sm" data-testid="teams-table">
          <caption className="px-3 pt-3 text-start font-medium">
            {t('manager.queues.teams')}
            <span className={`block text-xs font-normal ${muted}`}>
              {t('manager.queues.teamsHint')}
            </span>
          </caption>
          <HeadRow
            labels={[
              t('manager.queues.team'),
              t('manager.queues.waiting'),
              t('manager.queues.oldestWait'),
              t('manager.queues.open'),
              t('manager.queues.members'),
              t('manager.queues.available'),
            ]}
          />
          <tbody>
            {teams.length === 0 && (
              <tr className={rowClass}>
                <td colSpan={6} className={`${td} ${muted}`}>
                  {t('manager.queues.noTeams')}
                </td>
              </tr>
            )}
            {teams.map((x) => {
              const seconds = wait(x);
              const active = x.teamId === selected;
              return (
                <tr
                  key={x.teamId}
                  className={`${rowClass} ${active ? 'bg-indigo-50 dark:bg-indigo-950/60' : ''}`}
                  data-testid="team-row"
                >
                  <th scope="row" className={`${td} text-start font-medium`}>
                    <button
                      type="button"
                      aria-pressed={active}
                      className="text-start text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
                      onClick={() =>
                        void navigate({ to: '/queues', search: active ? {} : { team: x.teamId } })
                      }
                    >
                      {x.name}
                    </button>
                  </th>
                  <td
                    className={`${td} tabular-nums ${x.queued > 0 ? 'font-semibold' : ''}`}
                    data-testid="team-queued"
                  >
                    {intl.formatNumber(x.queued)}
                  </td>
                  <td className={`${td} tabular-nums`} data-testid="team-wait">
                    {seconds === null ? (
                      <span className={muted}>{t('manager.queues.noWait')}</span>
                    ) : (
                      <time
                        dateTime={`PT${seconds}S`}
                        className={seconds >= 15 * 60 ? 'text-red-700 dark:text-red-300' : ''}
                      >
                        {formatDuration(seconds, locale)}
                      </time>
                    )}
                  </td>
                  <td className={`${td} tabular-nums`}>{intl.formatNumber(x.open)}</td>
                  <td className={`${td} tabular-nums`}>{intl.formatNumber(x.members)}</td>
                  <td
                    className={`${td} tabular-nums ${
                      x.available === 0 && x.queued > 0 ? 'text-red-700 dark:text-red-300' : ''
                    }`}
                  >
                    {intl.formatNumber(x.available)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Card>

      {team && <TeamWaiting team={team} agents={agents} />}

      <Card label={t('manager.queues.agents')} className="overflow-x-auto p-0">
        <table className="w-full text-sm" data-testid="agents-table">
          <caption className="px-3 pt-3 text-start font-medium">
            {team ? t('manager.queues.agentsOf', { team: team.name }) : t('manager.queues.agents')}
          </caption>
          <HeadRow
            labels={[
              t('manager.queues.agent'),
              t('manager.queues.status'),
              t('manager.queues.load'),
              t('manager.queues.assignedToday'),
            ]}
          />
          <tbody>
            {shownAgents.length === 0 && (
              <tr className={rowClass}>
                <td colSpan={4} className={`${td} ${muted}`}>
                  {t('manager.queues.noAgents')}
                </td>
              </tr>
            )}
            {shownAgents.map((agent) => (
              <AgentRow key={agent.userId} agent={agent} teams={teams} />
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}

const presenceDot = {
  online: 'bg-emerald-500',
  away: 'bg-amber-500',
  offline: 'bg-slate-400',
} as const;

function AgentRow({ agent, teams }: { agent: AgentLoadView; teams: TeamQueue[] }) {
  const t = useT();
  const intl = useIntl();
  const loads = channelLoads(agent.load.byChannel, capacityOf(agent, teams));
  return (
    <tr className={rowClass} data-testid="agent-row">
      <th scope="row" className={`${td} text-start font-medium`}>
        {agent.name}
      </th>
      <td className={td}>
        <span className="flex items-center gap-1.5">
          <span
            aria-hidden
            className={`size-2 shrink-0 rounded-full ${presenceDot[agent.presence]}`}
          />
          {t(`presence.${agent.presence}`)}
        </span>
        <span
          className={`text-xs ${
            agent.availableNow ? 'text-emerald-700 dark:text-emerald-300' : muted
          }`}
        >
          {agent.availableNow ? t('manager.queues.availableNow') : t('manager.queues.notAvailable')}
        </span>
      </td>
      <td className={td}>
        <span className="font-medium tabular-nums">
          {t('manager.queues.total', { count: agent.load.total })}
        </span>
        {loads.length > 0 && (
          <ul className="mt-1 flex flex-wrap gap-1.5">
            {loads.map((l) => (
              <li
                key={l.channel}
                className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs tabular-nums ${
                  l.full
                    ? 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200'
                    : 'bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200'
                }`}
              >
                <ChannelIcon channel={l.channel as Channel} className="size-3.5 shrink-0" />
                {l.limit === null
                  ? t('manager.queues.channelLoad', { count: l.count })
                  : t('manager.queues.channelLoadOf', { count: l.count, max: l.limit })}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className={`${td} tabular-nums`}>{intl.formatNumber(agent.assignedToday)}</td>
    </tr>
  );
}

/** One team's waiting conversations: open one, take it, or hand it to someone. */
function TeamWaiting({ team, agents }: { team: TeamQueue; agents: AgentLoadView[] }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const { data: me } = useSuspenseQuery(meQuery);
  const meId = me.user.id;
  const waiting = useQuery({
    // Under 'conversations': the realtime client marks it stale with every list.
    queryKey: ['conversations', 'team-queue', team.teamId],
    queryFn: async () => {
      const filter = { teamId: team.teamId, assignee: 'unassigned' };
      const [fresh, open] = await Promise.all([
        api.conversations({ ...filter, status: 'new' }),
        api.conversations({ ...filter, status: 'open' }),
      ]);
      return waitingList(fresh.data, open.data);
    },
    refetchInterval: useRefetchInterval(),
  });
  const assign = useMutation({
    mutationFn: (props: { conversation: Conversation; to: AgentLoadView | 'me' }) =>
      api.update(props.conversation.id, {
        assigneeId: props.to === 'me' ? meId : props.to.userId,
      }),
    onSuccess: async (c, props) => {
      setDone(
        props.to === 'me'
          ? t('manager.waiting.assignedToMe', { number: c.displayNumber })
          : t('manager.waiting.handedTo', { number: c.displayNumber, name: props.to.name }),
      );
      await queryClient.invalidateQueries({ queryKey: ['conversations'] });
      await queryClient.invalidateQueries({ queryKey: queuesKey });
    },
    onError: () => setDone(null),
  });

  return (
    <Card label={t('manager.waiting.title', { team: team.name })}>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="font-medium">{t('manager.waiting.title', { team: team.name })}</h2>
        <Link
          to="/"
          search={{ view: 'unassigned', team: team.teamId }}
          className={secondaryButton}
          data-testid="waiting-inbox-link"
        >
          {t('manager.waiting.inInbox')}
        </Link>
      </div>
      <div aria-live="polite" className="mb-2">
        <Outcome error={assign.error} done={done} />
      </div>
      {!waiting.data ? (
        <QueryState pending={waiting.isPending} error={waiting.error} />
      ) : waiting.data.length === 0 ? (
        <p className={`text-sm ${muted}`}>{t('manager.waiting.none')}</p>
      ) : (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800" data-testid="waiting-list">
          {waiting.data.map((c) => (
            <WaitingRow
              key={c.id}
              conversation={c}
              team={team}
              agents={agents}
              meId={meId}
              pending={assign.isPending}
              onAssign={(to) => assign.mutate({ conversation: c, to })}
            />
          ))}
        </ul>
      )}
    </Card>
  );
}

function WaitingRow(props: {
  conversation: Conversation;
  team: TeamQueue;
  agents: AgentLoadView[];
  meId: string;
  pending: boolean;
  onAssign: (to: AgentLoadView | 'me') => void;
}) {
  const t = useT();
  const { locale } = useLocale();
  const selectId = useId();
  const { conversation: c } = props;
  const { available, unavailable } = transferCandidates(
    props.agents.filter((a) => a.userId !== props.meId),
    props.team.teamId,
  );
  const [to, setTo] = useState('');
  const target = props.agents.find((a) => a.userId === to);
  const option = (a: AgentLoadView) => (
    <option key={a.userId} value={a.userId}>
      {t('manager.waiting.agentOption', { name: a.name, count: a.load.total })}
    </option>
  );
  return (
    <li className="flex flex-wrap items-center gap-x-4 gap-y-2 py-2" data-testid="waiting-row">
      <div className="min-w-0 flex-1">
        <Link
          to="/conversations/$id"
          params={{ id: c.id }}
          search={{ view: 'unassigned', team: props.team.teamId }}
          className="flex items-center gap-2 text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-300"
        >
          <ChannelIcon channel={c.channel as Channel} className="size-4 shrink-0" />
          <NumberAndSubject displayNumber={c.displayNumber} subject={c.subject} />
        </Link>
        <p className={`flex flex-wrap gap-x-2 text-xs ${muted}`}>
          <span>{c.contact.name ?? c.contact.email ?? c.contact.phone}</span>
          <PriorityLabel priority={c.priority} />
          <time dateTime={c.createdAt}>{relativeTime(c.createdAt, locale)}</time>
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          className={primaryButton}
          disabled={props.pending}
          onClick={() => props.onAssign('me')}
        >
          {t('bulk.assignToMe')}
        </button>
        <label htmlFor={selectId} className="sr-only">
          {t('manager.waiting.handTo', { number: c.displayNumber })}
        </label>
        <select
          id={selectId}
          value={to}
          onChange={(e) => setTo(e.target.value)}
          className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
        >
          <option value="">{t('manager.waiting.choose')}</option>
          {available.length > 0 && (
            <optgroup label={t('manager.queues.availableNow')}>{available.map(option)}</optgroup>
          )}
          {unavailable.length > 0 && (
            <optgroup label={t('manager.queues.notAvailable')}>{unavailable.map(option)}</optgroup>
          )}
        </select>
        <button
          type="button"
          className={secondaryButton}
          disabled={props.pending || !target}
          onClick={() => target && props.onAssign(target)}
        >
          {t('manager.waiting.transfer')}
        </button>
      </div>
    </li>
  );
}
