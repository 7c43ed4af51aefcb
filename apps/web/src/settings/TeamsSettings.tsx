import type {
  AssignmentStrategy,
  HandBack,
  Team,
  TeamCreateBody,
  TeamDetail,
  TeamKind,
  TeamSettingsBody,
  TeamUpdateBody,
} from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n.js';
import { settingsApi } from './api.js';
import {
  Card,
  CheckboxField,
  DeleteButton,
  FormButtons,
  inputClass,
  muted,
  Outcome,
  primaryButton,
  QueryState,
  Screen,
  secondaryButton,
  SelectField,
  TextArea,
  TextField,
} from './ui.js';
import {
  check,
  integerBetween,
  isValid,
  maxLength,
  numberBetween,
  required,
  type Problems,
} from './validate.js';

const kinds: TeamKind[] = [
  'support',
  'tier',
  'region',
  'product',
  'sales',
  'finance',
  'legal',
  'other',
];
const strategies: AssignmentStrategy[] = [
  'manual',
  'least_loaded',
  'round_robin',
  'skills_best_match',
  'sticky',
];

const teamsKey = ['settings', 'teams'];

export function TeamsSettings() {
  const t = useT();
  const teams = useQuery({ queryKey: teamsKey, queryFn: settingsApi.teams });
  // null: the list; 'new': a new team; an id: that team's form and members.
  const [editing, setEditing] = useState<string | null>(null);
  const editingTeam = teams.data?.data.find((team) => team.id === editing);
  return (
    <Screen
      title={t('settings.section.teams')}
      intro={t('settings.teams.intro')}
      actions={
        editing === null && (
          <button
            type="button"
            className={primaryButton}
            onClick={() => setEditing('new')}
            data-testid="team-new"
          >
            {t('settings.teams.new')}
          </button>
        )
      }
    >
      <QueryState pending={teams.isPending} error={teams.error} />
      {editing === 'new' && teams.data && <TeamForm teams={teams.data.data} onDone={setEditing} />}
      {editingTeam && teams.data && (
        <>
          <TeamForm team={editingTeam} teams={teams.data.data} onDone={setEditing} />
          <Members teamId={editingTeam.id} />
        </>
      )}
      {editing === null && teams.data && <TeamList teams={teams.data.data} onEdit={setEditing} />}
    </Screen>
  );
}

function TeamList({ teams, onEdit }: { teams: Team[]; onEdit: (id: string) => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: settingsApi.deleteTeam,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: teamsKey }),
  });
  if (teams.length === 0) return <p className={`text-sm ${muted}`}>{t('settings.teams.none')}</p>;
  return (
    <Card>
      <ul className="divide-y divide-slate-200 dark:divide-slate-800" data-testid="teams-list">
        {teams.map((team) => (
          <li
            key={team.id}
            className="flex flex-wrap items-center gap-3 py-3"
            data-testid="team-row"
          >
            <div className="min-w-0 flex-1">
              <p className="font-medium">
                <bdi dir="auto">{team.name}</bdi>
                {team.settings.isDefault && (
                  <span className="ms-2 rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-normal text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100">
                    {t('settings.teams.default')}
                  </span>
                )}
              </p>
              <p className={`text-sm ${muted}`}>
                {t(`settings.teamKind.${team.kind}`)} ·{' '}
                {t(`settings.strategy.${team.assignmentStrategy}`)} ·{' '}
                {t('settings.teams.members', { count: team.memberCount })}
              </p>
            </div>
            <button
              type="button"
              className={secondaryButton}
              onClick={() => onEdit(team.id)}
              aria-label={t('settings.editItem', { name: team.name })}
            >
              {t('settings.edit')}
            </button>
            <DeleteButton
              name={team.name}
              pending={remove.isPending}
              onConfirm={() => remove.mutate(team.id)}
            />
          </li>
        ))}
      </ul>
      <Outcome error={remove.error} />
    </Card>
  );
}

type TeamFields = 'name' | 'description' | 'slaGoal' | 'overflowMinutes';

function TeamForm(props: { team?: Team; teams: Team[]; onDone: (id: string | null) => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const team = props.team;
  const calendars = useQuery({
    queryKey: ['settings', 'calendars'],
    queryFn: settingsApi.calendars,
  });
  const [values, setValues] = useState({
    name: team?.name ?? '',
    kind: team?.kind ?? 'support',
    description: team?.description ?? '',
    assignmentStrategy: team?.assignmentStrategy ?? 'least_loaded',
    isDefault: team?.settings.isDefault ?? false,
    handBack: team?.settings.handBack ?? 'queue',
    handBackOnOffline: team?.settings.handBackOnOffline ?? false,
    requireLanguageSkill: team?.settings.requireLanguageSkill ?? false,
    escalationTeamId: team?.settings.escalationTeamId ?? '',
    slaGoal: String(Math.round((team?.settings.slaGoal ?? 0.8) * 100)),
    overflowTeamId: team?.settings.overflow?.teamId ?? '',
    overflowMinutes: team?.settings.overflow
      ? String(Math.round(team.settings.overflow.afterSeconds / 60))
      : '30',
    calendarId: team?.calendarId ?? '',
  });
  const [problems, setProblems] = useState<Problems<TeamFields>>({});
  const set =
    <K extends keyof typeof values>(key: K) =>
    (value: (typeof values)[K]) =>
      setValues((v) => ({ ...v, [key]: value }));
  const save = useMutation({
    mutationFn: (body: TeamCreateBody | TeamUpdateBody) =>
      team ? settingsApi.updateTeam(team.id, body) : settingsApi.createTeam(body as TeamCreateBody),
    onSuccess: async (saved: TeamDetail) => {
      await queryClient.invalidateQueries({ queryKey: teamsKey });
      await queryClient.invalidateQueries({ queryKey: ['teams'] });
      // A new team goes on to its members; an edited one back to the list.
      props.onDone(team ? null : saved.id);
    },
  });
  const others = props.teams.filter((other) => other.id !== team?.id);
  const teamOptions = [
    { value: '', label: t('settings.teams.noTeam') },
    ...others.map((other) => ({ value: other.id, label: other.name })),
  ];

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<TeamFields>(values, {
      name: [required, maxLength(100)],
      description: [maxLength(2000)],
      slaGoal: [required, numberBetween(0, 100)],
      overflowMinutes: values.overflowTeamId ? [required, integerBetween(1, 43_200)] : [],
    });
    setProblems(found);
    if (!isValid(found)) return;
    const settings: TeamSettingsBody = {
      isDefault: values.isDefault,
      handBack: values.handBack,
      handBackOnOffline: values.handBackOnOffline,
      requireLanguageSkill: values.requireLanguageSkill,
      escalationTeamId: values.escalationTeamId || null,
      slaGoal: Number(values.slaGoal) / 100,
      overflow: values.overflowTeamId
        ? { teamId: values.overflowTeamId, afterSeconds: Number(values.overflowMinutes) * 60 }
        : null,
    };
    save.mutate({
      name: values.name.trim(),
      kind: values.kind,
      description: values.description.trim() || null,
      assignmentStrategy: values.assignmentStrategy,
      calendarId: values.calendarId || null,
      settings,
    });
  };

  return (
    <Card label={team ? t('settings.editItem', { name: team.name }) : t('settings.teams.new')}>
      <h3 className="mb-3 font-medium">{team ? team.name : t('settings.teams.new')}</h3>
      <form noValidate onSubmit={submit} className="grid gap-4 sm:grid-cols-2">
        <TextField
          label={t('settings.teams.name')}
          value={values.name}
          onChange={set('name')}
          problem={problems.name}
          maxLength={100}
          data-testid="team-name"
        />
        <SelectField<TeamKind>
          label={t('settings.teams.kind')}
          value={values.kind}
          onChange={set('kind')}
          options={kinds.map((kind) => ({ value: kind, label: t(`settings.teamKind.${kind}`) }))}
        />
        <TextArea
          className="sm:col-span-2"
          rows={2}
          label={t('settings.teams.description')}
          value={values.description}
          onChange={set('description')}
          problem={problems.description}
        />
        <SelectField<AssignmentStrategy>
          label={t('settings.teams.strategy')}
          hint={t('settings.teams.strategyHint')}
          value={values.assignmentStrategy}
          onChange={set('assignmentStrategy')}
          options={strategies.map((s) => ({ value: s, label: t(`settings.strategy.${s}`) }))}
        />
        <SelectField
          label={t('settings.teams.calendar')}
          hint={t('settings.teams.calendarHint')}
          value={values.calendarId}
          onChange={set('calendarId')}
          options={[
            { value: '', label: t('settings.teams.noCalendar') },
            ...(calendars.data?.data ?? []).map((c) => ({ value: c.id, label: c.name })),
          ]}
        />
        <SelectField
          label={t('settings.teams.escalation')}
          hint={t('settings.teams.escalationHint')}
          value={values.escalationTeamId}
          onChange={set('escalationTeamId')}
          options={teamOptions}
        />
        <TextField
          label={t('settings.teams.slaGoal')}
          hint={t('settings.teams.slaGoalHint')}
          type="number"
          inputMode="decimal"
          min={0}
          max={100}
          value={values.slaGoal}
          onChange={set('slaGoal')}
          problem={problems.slaGoal}
        />
        <SelectField
          label={t('settings.teams.overflow')}
          hint={t('settings.teams.overflowHint')}
          value={values.overflowTeamId}
          onChange={set('overflowTeamId')}
          options={teamOptions}
        />
        {values.overflowTeamId && (
          <TextField
            label={t('settings.teams.overflowMinutes')}
            type="number"
            inputMode="numeric"
            min={1}
            value={values.overflowMinutes}
            onChange={set('overflowMinutes')}
            problem={problems.overflowMinutes}
          />
        )}
        <SelectField<HandBack>
          label={t('settings.teams.handBack')}
          value={values.handBack}
          onChange={set('handBack')}
          options={[
            { value: 'queue', label: t('settings.teams.handBackQueue') },
            { value: 'delegate', label: t('settings.teams.handBackDelegate') },
          ]}
        />
        <div className="space-y-3 sm:col-span-2">
          <CheckboxField
            label={t('settings.teams.isDefault')}
            hint={t('settings.teams.isDefaultHint')}
            checked={values.isDefault}
            onChange={set('isDefault')}
          />
          <CheckboxField
            label={t('settings.teams.handBackOnOffline')}
            checked={values.handBackOnOffline}
            onChange={set('handBackOnOffline')}
          />
          <CheckboxField
            label={t('settings.teams.requireLanguageSkill')}
            hint={t('settings.teams.requireLanguageSkillHint')}
            checked={values.requireLanguageSkill}
            onChange={set('requireLanguageSkill')}
          />
        </div>
        <div className="space-y-2 sm:col-span-2">
          <FormButtons pending={save.isPending} onCancel={() => props.onDone(null)} />
          <Outcome error={save.error} />
        </div>
      </form>
    </Card>
  );
}

function Members({ teamId }: { teamId: string }) {
  const t = useT();
  const queryClient = useQueryClient();
  const team = useQuery({
    queryKey: ['settings', 'team', teamId],
    queryFn: () => settingsApi.team(teamId),
  });
  const users = useQuery({ queryKey: ['settings', 'users'], queryFn: settingsApi.users });
  const [userId, setUserId] = useState('');
  const [lead, setLead] = useState(false);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['settings', 'team', teamId] });
    await queryClient.invalidateQueries({ queryKey: teamsKey });
  };
  const add = useMutation({
    mutationFn: (member: { userId: string; lead: boolean }) =>
      settingsApi.addMember(teamId, member.userId, member.lead),
    onSuccess: async () => {
      setUserId('');
      setLead(false);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (memberId: string) => settingsApi.removeMember(teamId, memberId),
    onSuccess: refresh,
  });
  const members = team.data?.members ?? [];
  const candidates = (users.data?.data ?? []).filter(
    (u) => u.status === 'active' && !members.some((m) => m.userId === u.id),
  );
  return (
    <Card label={t('settings.teams.membersTitle')}>
      <h3 className="mb-3 font-medium">{t('settings.teams.membersTitle')}</h3>
      <QueryState pending={team.isPending} error={team.error} />
      {team.data && members.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.teams.noMembers')}</p>
      )}
      <ul className="divide-y divide-slate-200 dark:divide-slate-800" data-testid="members-list">
        {members.map((member) => (
          <li key={member.userId} className="flex flex-wrap items-center gap-3 py-2">
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-medium">
                <bdi dir="auto">{member.name}</bdi>
              </p>
              <p className={`truncate text-xs ${muted}`}>
                <bdi dir="ltr">{member.email}</bdi>
              </p>
            </div>
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                className="size-4 accent-indigo-600"
                checked={member.lead}
                disabled={add.isPending}
                onChange={(e) => add.mutate({ userId: member.userId, lead: e.target.checked })}
              />
              {t('settings.teams.lead')}
              <span className="sr-only">{member.name}</span>
            </label>
            <button
              type="button"
              className={secondaryButton}
              disabled={remove.isPending}
              onClick={() => remove.mutate(member.userId)}
              aria-label={t('settings.teams.removeMember', { name: member.name })}
            >
              {t('settings.remove')}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="mt-4 flex flex-wrap items-end gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (userId) add.mutate({ userId, lead });
        }}
      >
        <label className="min-w-48 flex-1 text-sm font-medium">
          {t('settings.teams.addMember')}
          <select
            className={inputClass}
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            data-testid="member-select"
          >
            <option value="">{t('settings.teams.pickPerson')}</option>
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input
            type="checkbox"
            className="size-4 accent-indigo-600"
            checked={lead}
            onChange={(e) => setLead(e.target.checked)}
          />
          {t('settings.teams.asLead')}
        </label>
        <button
          type="submit"
          className={primaryButton}
          disabled={!userId || add.isPending}
          data-testid="member-add"
        >
          {t('settings.add')}
        </button>
      </form>
      <Outcome error={add.error ?? remove.error} />
    </Card>
  );
}
