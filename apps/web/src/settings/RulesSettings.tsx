import type { RoutingRule } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode, type SyntheticEvent } from 'react';
import { localeNames, locales, useT } from '../i18n.js';
import { settingsApi } from './api.js';
import {
  formFromRule,
  otherConditions,
  priorities,
  ruleBody,
  channels,
  type RuleForm,
} from './rules.js';
import {
  CheckboxField,
  Choices,
  EditableScreen,
  EditorForm,
  ItemList,
  muted,
  SelectField,
  TextArea,
  TextField,
  useWeekdayName,
  ItemName,
} from './ui.js';
import {
  check,
  integerBetween,
  isValid,
  list,
  maxLength,
  required,
  type Problem,
  type Problems,
} from './validate.js';

const rulesKey = ['settings', 'rules'];
const weekdays = [1, 2, 3, 4, 5, 6, 7];

export function RulesSettings() {
  const t = useT();
  const rules = useQuery({ queryKey: rulesKey, queryFn: settingsApi.rules });
  const teams = useQuery({ queryKey: ['settings', 'teams'], queryFn: settingsApi.teams });
  const teamName = (id: string | undefined) => teams.data?.data.find((x) => x.id === id)?.name;
  return (
    <EditableScreen
      title={t('settings.section.rules')}
      intro={t('settings.rules.intro')}
      newLabel={t('settings.rules.new')}
      newTestId="rule-new"
      query={rules}
      none={t('settings.rules.none')}
      editor={(item, done) => <RuleEditor rule={item} onDone={done} />}
      list={(items, edit) => <RuleList rules={items} teamName={teamName} onEdit={edit} />}
    />
  );
}

function RuleList(props: {
  rules: RoutingRule[];
  teamName: (id: string | undefined) => string | undefined;
  onEdit: (rule: RoutingRule) => void;
}) {
  const t = useT();
  return (
    <ItemList
      items={props.rules}
      name={(rule) => rule.name}
      onEdit={props.onEdit}
      remove={settingsApi.deleteRule}
      queryKey={rulesKey}
      testId="rules-list"
      rowTestId="rule-row"
      ordered
    >
      {(rule) => (
        <>
          <ItemName name={rule.name} enabled={rule.enabled} />
          <p className={`text-sm ${muted}`}>
            {t('settings.rules.summary', {
              count: Object.keys(rule.conditions).length,
              team: props.teamName(rule.actions.teamId) ?? t('settings.teams.noTeam'),
            })}
          </p>
        </>
      )}
    </ItemList>
  );
}

type RuleFields = 'name' | 'position' | 'keywords' | 'tags' | 'addTags' | 'actions';

function RuleEditor({ rule, onDone }: { rule?: RoutingRule; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const teams = useQuery({ queryKey: ['settings', 'teams'], queryFn: settingsApi.teams });
  const skills = useQuery({ queryKey: ['settings', 'skills'], queryFn: settingsApi.skills });
  const mailboxes = useQuery({
    queryKey: ['settings', 'mailboxes'],
    queryFn: settingsApi.mailboxes,
  });
  const [form, setForm] = useState<RuleForm>(() => formFromRule(rule));
  const [problems, setProblems] = useState<Problems<RuleFields>>({});
  const set =
    <K extends keyof RuleForm>(key: K) =>
    (value: RuleForm[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const { conditions, actions } = ruleBody(form, rule);
      const common = {
        name: form.name.trim(),
        enabled: form.enabled,
        conditions,
        actions,
        ...(form.position.trim() ? { position: Number(form.position) } : {}),
      };
      return rule ? settingsApi.updateRule(rule.id, common) : settingsApi.createRule(common);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: rulesKey });
      onDone();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const words = (max: number) => list({ maxItem: max, maxCount: 100 });
    const found = check<RuleFields>(
      { ...form, actions: '' },
      {
        name: [required, maxLength(200)],
        position: [integerBetween(0, 1_000_000)],
        keywords: [words(200)],
        tags: [words(100)],
        addTags: [words(100)],
      },
    );
    const { actions } = ruleBody(form, rule);
    if (Object.keys(actions).length === 0)
      found.actions = { key: 'settings.rules.actionNeeded' } satisfies Problem;
    setProblems(found);
    if (isValid(found)) save.mutate();
  };
  const others = otherConditions(rule);
  const dayName = useWeekdayName();
  const section = (title: string, children: ReactNode) => (
    <fieldset className="space-y-3 rounded-md border border-slate-200 p-3 sm:col-span-2 dark:border-slate-700">
      <legend className="px-1 text-sm font-medium">{title}</legend>
      {children}
    </fieldset>
  );
  const title = rule ? t('settings.editItem', { name: rule.name }) : t('settings.rules.new');
  return (
    <EditorForm
      title={title}
      onSubmit={submit}
      pending={save.isPending}
      error={save.error}
      onCancel={onDone}
    >
      <TextField
        label={t('settings.rules.name')}
        value={form.name}
        onChange={set('name')}
        problem={problems.name}
        dir="auto"
        data-testid="rule-name"
      />
      <TextField
        label={t('settings.rules.position')}
        hint={t('settings.rules.positionHint')}
        type="number"
        inputMode="numeric"
        min={0}
        value={form.position}
        onChange={set('position')}
        problem={problems.position}
      />
      <div className="sm:col-span-2">
        <CheckboxField
          label={t('settings.rules.enabled')}
          checked={form.enabled}
          onChange={set('enabled')}
        />
      </div>
      {section(
        t('settings.rules.when'),
        <>
          <p className={`text-xs ${muted}`}>{t('settings.rules.whenHint')}</p>
          <Choices
            legend={t('settings.rules.channels')}
            options={channels.map((c) => ({ value: c, label: t(`channel.${c}`) }))}
            chosen={form.channels}
            onChange={set('channels')}
          />
          {mailboxes.data && mailboxes.data.data.length > 0 && (
            <Choices
              legend={t('settings.rules.mailboxes')}
              options={mailboxes.data.data.map((m) => ({ value: m.id, label: m.address }))}
              chosen={form.mailboxIds}
              onChange={set('mailboxIds')}
            />
          )}
          <Choices
            legend={t('settings.rules.languages')}
            options={locales.map((l) => ({ value: l, label: localeNames[l] }))}
            chosen={form.languages}
            onChange={set('languages')}
          />
          <Choices
            legend={t('settings.rules.priorities')}
            options={priorities.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
            chosen={form.priorities}
            onChange={set('priorities')}
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextArea
              label={t('settings.rules.keywords')}
              hint={t('settings.rules.listHint')}
              rows={2}
              value={form.keywords}
              onChange={set('keywords')}
              problem={problems.keywords}
              dir="auto"
              data-testid="rule-keywords"
            />
            <TextArea
              label={t('settings.rules.tags')}
              hint={t('settings.rules.listHint')}
              rows={2}
              value={form.tags}
              onChange={set('tags')}
              problem={problems.tags}
              dir="auto"
            />
          </div>
          <CheckboxField
            label={t('settings.rules.hours')}
            checked={form.hoursOn}
            onChange={set('hoursOn')}
          />
          {form.hoursOn && (
            <div className="grid gap-4 sm:grid-cols-2">
              <TextField
                label={t('settings.rules.from')}
                type="time"
                value={form.from}
                onChange={set('from')}
              />
              <TextField
                label={t('settings.rules.to')}
                type="time"
                value={form.to}
                onChange={set('to')}
              />
              <div className="sm:col-span-2">
                <Choices
                  legend={t('settings.rules.weekdays')}
                  options={weekdays.map((d) => ({ value: d, label: dayName(d) }))}
                  chosen={form.weekdays}
                  onChange={set('weekdays')}
                />
              </div>
            </div>
          )}
          {others.length > 0 && (
            <p className={`text-xs ${muted}`}>
              {t('settings.rules.otherConditions', { names: others.join(', ') })}
            </p>
          )}
        </>,
      )}
      {section(
        t('settings.rules.then'),
        <>
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              label={t('settings.rules.team')}
              value={form.teamId}
              onChange={set('teamId')}
              options={[
                { value: '', label: t('settings.rules.noTeam') },
                ...(teams.data?.data ?? []).map((x) => ({ value: x.id, label: x.name })),
              ]}
              data-testid="rule-team"
            />
            <SelectField
              label={t('settings.rules.setPriority')}
              value={form.setPriority}
              onChange={set('setPriority')}
              options={[
                { value: '' as const, label: t('settings.rules.keepPriority') },
                ...priorities.map((p) => ({ value: p, label: t(`priority.${p}`) })),
              ]}
            />
            <TextArea
              label={t('settings.rules.addTags')}
              hint={t('settings.rules.listHint')}
              rows={2}
              value={form.addTags}
              onChange={set('addTags')}
              problem={problems.addTags}
              dir="auto"
            />
          </div>
          {skills.data && skills.data.data.length > 0 && (
            <Choices
              legend={t('settings.rules.requiredSkills')}
              options={skills.data.data.map((s) => ({
                value: s.id,
                label: s.label ? `${s.label} (${s.type})` : `${s.type}: ${s.value}`,
              }))}
              chosen={form.requiredSkills}
              onChange={set('requiredSkills')}
            />
          )}
          {form.teamId && (
            <CheckboxField
              label={t('settings.rules.escalate')}
              hint={t('settings.rules.escalateHint')}
              checked={form.escalate}
              onChange={set('escalate')}
            />
          )}
          {problems.actions && (
            <p role="alert" className="text-xs text-red-700 dark:text-red-300">
              {t(problems.actions.key)}
            </p>
          )}
        </>,
      )}
    </EditorForm>
  );
}
