import type { Agent, ChannelLimits, User } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n.js';
import { Absences } from './Absences.js';
import { ScheduleForm } from './ScheduleForm.js';
import { settingsApi } from './api.js';
import { channels } from './rules.js';
import {
  Card,
  CheckboxField,
  FormButtons,
  inlineInputClass,
  muted,
  Outcome,
  QueryState,
  Screen,
  SelectField,
  TextField,
} from './ui.js';
import { integerBetween, type Problem } from './validate.js';

const agentKey = (id: string) => ['settings', 'agent', id];

/** Managers: one person's working hours, limits per channel, skills and absences. */
export function AvailabilitySettings() {
  const t = useT();
  const users = useQuery({ queryKey: ['settings', 'users'], queryFn: settingsApi.users });
  const people = (users.data?.data ?? []).filter(
    (u) => u.status === 'active' && u.role !== 'collaborator',
  );
  const [chosen, setChosen] = useState('');
  const person = people.find((u) => u.id === chosen) ?? people[0];
  return (
    <Screen title={t('settings.section.availability')} intro={t('settings.availability.intro')}>
      <QueryState pending={users.isPending} error={users.error} />
      {person && (
        <>
          <SelectField
            className="max-w-sm"
            label={t('settings.availability.person')}
            value={person.id}
            onChange={setChosen}
            options={people.map((u) => ({ value: u.id, label: u.name }))}
            data-testid="availability-person"
          />
          <AgentPanels key={person.id} user={person} people={people} />
        </>
      )}
    </Screen>
  );
}

function AgentPanels({ user, people }: { user: User; people: User[] }) {
  const t = useT();
  const agent = useQuery({
    queryKey: agentKey(user.id),
    queryFn: () => settingsApi.agent(user.id),
  });
  if (!agent.data) return <QueryState pending={agent.isPending} error={agent.error} />;
  const zone = agent.data.schedule?.timeZone ?? user.timeZone;
  return (
    <>
      <ScheduleCard agent={agent.data} fallbackZone={user.timeZone} />
      <CapacityCard agent={agent.data} />
      <AgentSkillsCard agent={agent.data} />
      <Card label={t('settings.absences.title')}>
        <h3 className="mb-2 font-medium">{t('settings.absences.title')}</h3>
        <Absences
          userId={user.id}
          timeZone={zone}
          delegates={people.map((p) => ({ id: p.id, name: p.name }))}
        />
      </Card>
    </>
  );
}

/** Saving any part answers with the whole agent: the cache takes it as it is. */
function useAgentSave<A>(agent: Agent, run: (arg: A) => Promise<Agent>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: (saved) => queryClient.setQueryData(agentKey(agent.userId), saved),
  });
}

function ScheduleCard({ agent, fallbackZone }: { agent: Agent; fallbackZone: string }) {
  const t = useT();
  const queryClient = useQueryClient();
  return (
    <Card label={t('settings.availability.schedule')}>
      <h3 className="mb-1 font-medium">{t('settings.availability.schedule')}</h3>
      <ScheduleForm
        agent={agent}
        fallbackZone={fallbackZone}
        onSaved={(saved) => queryClient.setQueryData(agentKey(agent.userId), saved)}
      />
    </Card>
  );
}

const limitRule = integerBetween(0, 10_000);

function CapacityCard({ agent }: { agent: Agent }) {
  const t = useT();
  const [limits, setLimits] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      channels.map((c) => [
        c,
        agent.capacity.limits[c] === undefined ? '' : String(agent.capacity.limits[c]),
      ]),
    ),
  );
  const [problems, setProblems] = useState<Record<string, Problem | null>>({});
  const save = useAgentSave(agent, (body: ChannelLimits) =>
    settingsApi.setCapacity(agent.userId, { limits: body }),
  );
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = Object.fromEntries(channels.map((c) => [c, limitRule(limits[c] ?? '')]));
    setProblems(found);
    if (Object.values(found).some(Boolean)) return;
    save.mutate(
      Object.fromEntries(
        channels.filter((c) => (limits[c] ?? '').trim() !== '').map((c) => [c, Number(limits[c])]),
      ),
    );
  };
  return (
    <Card label={t('settings.availability.capacity')}>
      <h3 className="mb-1 font-medium">{t('settings.availability.capacity')}</h3>
      <p className={`mb-3 text-xs ${muted}`}>{t('settings.availability.capacityHint')}</p>
      <form noValidate onSubmit={submit} className="space-y-3">
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          {channels.map((c) => (
            <TextField
              key={c}
              label={t(`channel.${c}`)}
              value={limits[c] ?? ''}
              onChange={(value) => setLimits((l) => ({ ...l, [c]: value }))}
              problem={problems[c] ?? undefined}
              placeholder={t('settings.availability.noLimit')}
              inputMode="numeric"
              dir="ltr"
              data-testid={`limit-${c}`}
            />
          ))}
        </div>
        <FormButtons pending={save.isPending} />
        <Outcome error={save.error} done={save.isSuccess ? t('settings.saved') : null} />
      </form>
    </Card>
  );
}

function AgentSkillsCard({ agent }: { agent: Agent }) {
  const t = useT();
  const skills = useQuery({ queryKey: ['settings', 'skills'], queryFn: settingsApi.skills });
  const [levels, setLevels] = useState<Record<string, number>>(() =>
    Object.fromEntries(agent.skills.map((s) => [s.skillId, s.level])),
  );
  const save = useAgentSave(agent, () =>
    settingsApi.setAgentSkills(agent.userId, {
      skills: Object.entries(levels).map(([skillId, level]) => ({ skillId, level })),
    }),
  );
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    save.mutate(undefined);
  };
  const all = skills.data?.data ?? [];
  return (
    <Card label={t('settings.section.skills')}>
      <h3 className="mb-1 font-medium">{t('settings.section.skills')}</h3>
      <p className={`mb-3 text-xs ${muted}`}>{t('settings.availability.skillsHint')}</p>
      <QueryState pending={skills.isPending} error={skills.error} />
      {skills.data && all.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.skills.none')}</p>
      )}
      {all.length > 0 && (
        <form noValidate onSubmit={submit} className="space-y-3">
          <ul className="grid gap-2 sm:grid-cols-2">
            {all.map((skill) => {
              const name = skill.label ?? skill.value;
              const level = levels[skill.id];
              return (
                <li key={skill.id} className="flex items-center gap-2">
                  <div className="min-w-0 flex-1">
                    <CheckboxField
                      label={`${name} (${skill.type})`}
                      checked={level !== undefined}
                      onChange={(checked) =>
                        setLevels((l) =>
                          checked
                            ? { ...l, [skill.id]: 3 }
                            : Object.fromEntries(
                                Object.entries(l).filter(([id]) => id !== skill.id),
                              ),
                        )
                      }
                    />
                  </div>
                  {level !== undefined && (
                    <select
                      className={`${inlineInputClass} w-auto`}
                      aria-label={t('settings.availability.levelOf', { name })}
                      value={level}
                      onChange={(e) =>
                        setLevels((l) => ({ ...l, [skill.id]: Number(e.target.value) }))
                      }
                    >
                      {[1, 2, 3, 4, 5].map((n) => (
                        <option key={n} value={n}>
                          {t('settings.availability.level', { count: n })}
                        </option>
                      ))}
                    </select>
                  )}
                </li>
              );
            })}
          </ul>
          <FormButtons pending={save.isPending} />
          <Outcome error={save.error} done={save.isSuccess ? t('settings.saved') : null} />
        </form>
      )}
    </Card>
  );
}
