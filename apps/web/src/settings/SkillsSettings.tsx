import type { Skill } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n.js';
import { settingsApi } from './api.js';
import {
  Card,
  DeleteButton,
  FormButtons,
  muted,
  Outcome,
  primaryButton,
  QueryState,
  Screen,
  secondaryButton,
  TextField,
} from './ui.js';
import { check, identifier, isValid, maxLength, required, type Problems } from './validate.js';

const skillsKey = ['settings', 'skills'];
/** The types routing knows by name; others are the workspace's own. */
const commonTypes = ['language', 'product', 'region', 'channel', 'tier'] as const;
type CommonType = (typeof commonTypes)[number];
const isCommon = (type: string): type is CommonType =>
  (commonTypes as readonly string[]).includes(type);

export function SkillsSettings() {
  const t = useT();
  const skills = useQuery({ queryKey: skillsKey, queryFn: settingsApi.skills });
  const [editing, setEditing] = useState<Skill | 'new' | null>(null);
  const byType = new Map<string, Skill[]>();
  for (const skill of skills.data?.data ?? [])
    byType.set(skill.type, [...(byType.get(skill.type) ?? []), skill]);
  return (
    <Screen
      title={t('settings.section.skills')}
      intro={t('settings.skills.intro')}
      actions={
        editing === null && (
          <button type="button" className={primaryButton} onClick={() => setEditing('new')}>
            {t('settings.skills.new')}
          </button>
        )
      }
    >
      <QueryState pending={skills.isPending} error={skills.error} />
      {editing !== null && (
        <SkillForm
          key={editing === 'new' ? 'new' : editing.id}
          skill={editing === 'new' ? undefined : editing}
          onDone={() => setEditing(null)}
        />
      )}
      {skills.data?.data.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.skills.none')}</p>
      )}
      {[...byType].map(([type, list]) => (
        <SkillGroup key={type} type={type} skills={list} onEdit={setEditing} />
      ))}
    </Screen>
  );
}

function SkillGroup(props: { type: string; skills: Skill[]; onEdit: (skill: Skill) => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: settingsApi.deleteSkill,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: skillsKey }),
  });
  const typeName = isCommon(props.type) ? t(`settings.skillType.${props.type}`) : props.type;
  return (
    <Card label={typeName}>
      <h3 className="mb-2 font-medium">{typeName}</h3>
      <ul className="divide-y divide-slate-200 dark:divide-slate-800">
        {props.skills.map((skill) => {
          const name = skill.label ?? skill.value;
          return (
            <li key={skill.id} className="flex flex-wrap items-center gap-3 py-2">
              <p className="min-w-0 flex-1 text-sm">
                <span className="font-medium" dir="auto">
                  {name}
                </span>
                {skill.label && (
                  <span className={`ms-2 ${muted}`} dir="ltr">
                    {skill.value}
                  </span>
                )}
              </p>
              <button
                type="button"
                className={secondaryButton}
                onClick={() => props.onEdit(skill)}
                aria-label={t('settings.editItem', { name })}
              >
                {t('settings.edit')}
              </button>
              <DeleteButton
                name={name}
                pending={remove.isPending}
                onConfirm={() => remove.mutate(skill.id)}
              />
            </li>
          );
        })}
      </ul>
      <Outcome error={remove.error} />
    </Card>
  );
}

type SkillFields = 'type' | 'value' | 'label';

function SkillForm({ skill, onDone }: { skill?: Skill; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({
    type: skill?.type ?? 'language',
    value: skill?.value ?? '',
    label: skill?.label ?? '',
  });
  const [problems, setProblems] = useState<Problems<SkillFields>>({});
  const save = useMutation({
    mutationFn: () => {
      const label = values.label.trim() || null;
      return skill
        ? settingsApi.updateSkill(skill.id, { value: values.value.trim(), label })
        : settingsApi.createSkill({ type: values.type, value: values.value.trim(), label });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: skillsKey });
      onDone();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<SkillFields>(values, {
      type: [required, identifier],
      value: [required, maxLength(100)],
      label: [maxLength(200)],
    });
    setProblems(found);
    if (isValid(found)) save.mutate();
  };
  const title = skill
    ? t('settings.editItem', { name: skill.label ?? skill.value })
    : t('settings.skills.new');
  return (
    <Card label={title}>
      <h3 className="mb-3 font-medium">{title}</h3>
      <form noValidate onSubmit={submit} className="grid gap-4 sm:grid-cols-3">
        <TextField
          label={t('settings.skills.type')}
          hint={t('settings.skills.typeHint')}
          value={values.type}
          onChange={(type) => setValues((v) => ({ ...v, type }))}
          problem={problems.type}
          disabled={Boolean(skill)}
          list="skill-types"
          dir="ltr"
        />
        <datalist id="skill-types">
          {commonTypes.map((type) => (
            <option key={type} value={type} />
          ))}
        </datalist>
        <TextField
          label={t('settings.skills.value')}
          hint={t('settings.skills.valueHint')}
          value={values.value}
          onChange={(value) => setValues((v) => ({ ...v, value }))}
          problem={problems.value}
          dir="auto"
        />
        <TextField
          label={t('settings.skills.label')}
          value={values.label}
          onChange={(label) => setValues((v) => ({ ...v, label }))}
          problem={problems.label}
          dir="auto"
        />
        <div className="space-y-2 sm:col-span-3">
          <FormButtons pending={save.isPending} onCancel={onDone} />
          <Outcome error={save.error} />
        </div>
      </form>
    </Card>
  );
}
