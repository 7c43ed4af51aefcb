import type { SlaPolicy, SlaTargetName } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode, type SyntheticEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../i18n.js';
import { settingsApi } from './api.js';
import { calendarsKey } from './CalendarsSettings.js';
import { duration, durationParts } from './duration.js';
import { channels, priorities } from './rules.js';
import {
  escalationDoesNothing,
  newEscalation,
  percentsProblem,
  policyBody,
  policyForm,
  slaTargetNames,
  type EscalationForm,
  type PolicyForm,
} from './sla.js';
import {
  CheckboxField,
  Choices,
  EditableScreen,
  EditorForm,
  ItemList,
  muted,
  secondaryButton,
  SelectField,
  TextArea,
  TextField,
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

const policiesKey = ['settings', 'sla-policies'];
const teamsKey = ['settings', 'teams'];

export function SlaSettings() {
  const t = useT();
  const policies = useQuery({ queryKey: policiesKey, queryFn: settingsApi.policies });
  return (
    <EditableScreen
      title={t('settings.section.sla')}
      intro={t('settings.sla.intro')}
      newLabel={t('settings.sla.new')}
      newTestId="policy-new"
      query={policies}
      none={t('settings.sla.none')}
      editor={(item, done) => <PolicyEditor policy={item} onDone={done} />}
      list={(items, edit) => <PolicyList policies={items} onEdit={edit} />}
    />
  );
}

/** A duration in the user's language: "1 hr, 30 min", "۲ ساعت". */
export function useDurationText() {
  const intl = useIntl();
  return (seconds: number) => {
    const { days, hours, minutes } = durationParts(seconds);
    const unit = (value: number, name: 'day' | 'hour' | 'minute') =>
      intl.formatNumber(value, { style: 'unit', unit: name, unitDisplay: 'short' });
    const parts = [
      days ? unit(days, 'day') : null,
      hours ? unit(hours, 'hour') : null,
      minutes || (!days && !hours) ? unit(minutes, 'minute') : null,
    ].filter((p): p is string => p !== null);
    return intl.formatList(parts, { type: 'unit', style: 'narrow' });
  };
}

function PolicyList(props: { policies: SlaPolicy[]; onEdit: (policy: SlaPolicy) => void }) {
  const t = useT();
  const durationText = useDurationText();
  const calendars = useQuery({ queryKey: calendarsKey, queryFn: settingsApi.calendars });
  const calendarName = (id: string | null) =>
    id
      ? (calendars.data?.data.find((c) => c.id === id)?.name ?? '…')
      : t('settings.sla.teamCalendar');
  return (
    <ItemList
      items={props.policies}
      name={(policy) => policy.name}
      onEdit={props.onEdit}
      remove={settingsApi.deletePolicy}
      queryKey={policiesKey}
      testId="policies-list"
      rowTestId="policy-row"
      ordered
    >
      {(policy) => (
        <>
          <ItemName name={policy.name} enabled={policy.enabled} />
          <p className={`text-sm ${muted}`}>
            {(policy.conditions.priorities ?? []).map((p) => t(`priority.${p}`)).join(', ') ||
              t('settings.sla.anyPriority')}{' '}
            · <bdi dir="auto">{calendarName(policy.calendarId)}</bdi>
          </p>
          <dl className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-sm">
            {slaTargetNames.map((name) => {
              const target = policy.targets[name];
              if (!target) return null;
              return (
                <div key={name} className="flex gap-1">
                  <dt className={muted}>{t(`settings.sla.target.${name}`)}:</dt>
                  <dd>{durationText(target.seconds)}</dd>
                </div>
              );
            })}
          </dl>
        </>
      )}
    </ItemList>
  );
}

type PolicyFields =
  | 'name'
  | 'description'
  | 'position'
  | 'categories'
  | 'tags'
  | 'warnAtPercent'
  | 'targets'
  | SlaTargetName;

const targetDuration = duration(60, 366 * 86_400);
const words = list({ maxItem: 100, maxCount: 100 });

function PolicyEditor({ policy, onDone }: { policy?: SlaPolicy; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const teams = useQuery({ queryKey: teamsKey, queryFn: settingsApi.teams });
  const calendars = useQuery({ queryKey: calendarsKey, queryFn: settingsApi.calendars });
  const [form, setForm] = useState(() => policyForm(policy));
  const [problems, setProblems] = useState<Problems<PolicyFields>>({});
  const [escalationProblem, setEscalationProblem] = useState<Problem | null>(null);
  const set =
    <K extends keyof PolicyForm>(key: K) =>
    (value: PolicyForm[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const setTarget = (name: SlaTargetName, changes: Partial<PolicyForm['targets'][SlaTargetName]>) =>
    setForm((f) => ({
      ...f,
      targets: { ...f.targets, [name]: { ...f.targets[name], ...changes } },
    }));
  const save = useMutation({
    mutationFn: () => {
      const body = policyBody(form, policy);
      return policy ? settingsApi.updatePolicy(policy.id, body) : settingsApi.createPolicy(body);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: policiesKey });
      onDone();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<PolicyFields>(
      {
        ...form,
        firstResponse: form.targets.firstResponse.duration,
        nextResponse: form.targets.nextResponse.duration,
        resolution: form.targets.resolution.duration,
        targets: '',
      },
      {
        name: [required, maxLength(100)],
        description: [maxLength(2000)],
        position: [integerBetween(0, 1_000_000)],
        categories: [words],
        tags: [words],
        warnAtPercent: [percentsProblem],
        firstResponse: [targetDuration],
        nextResponse: [targetDuration],
        resolution: [targetDuration],
      },
    );
    if (slaTargetNames.every((name) => form.targets[name].duration.trim() === ''))
      found.targets = { key: 'settings.sla.targetNeeded' };
    const idle = form.escalations.some(escalationDoesNothing);
    setEscalationProblem(idle ? { key: 'settings.sla.escalationIdle' } : null);
    setProblems(found);
    if (isValid(found) && !idle) save.mutate();
  };
  const section = (title: string, children: ReactNode, hint?: string) => (
    <fieldset className="space-y-3 rounded-md border border-slate-200 p-3 sm:col-span-2 dark:border-slate-700">
      <legend className="px-1 text-sm font-semibold">{title}</legend>
      {hint && <p className={`text-xs ${muted}`}>{hint}</p>}
      {children}
    </fieldset>
  );
  const teamOptions = (teams.data?.data ?? []).map((team) => ({
    value: team.id,
    label: team.name,
  }));
  const title = policy ? t('settings.editItem', { name: policy.name }) : t('settings.sla.new');
  return (
    <EditorForm
      title={title}
      onSubmit={submit}
      pending={save.isPending}
      error={save.error}
      onCancel={onDone}
    >
      <TextField
        label={t('settings.sla.name')}
        value={form.name}
        onChange={set('name')}
        problem={problems.name}
        dir="auto"
        data-testid="policy-name"
      />
      <TextField
        label={t('settings.rules.position')}
        hint={t('settings.sla.positionHint')}
        value={form.position}
        onChange={set('position')}
        problem={problems.position}
        inputMode="numeric"
        dir="ltr"
      />
      <TextArea
        className="sm:col-span-2"
        label={t('settings.sla.description')}
        rows={2}
        value={form.description}
        onChange={set('description')}
        problem={problems.description}
        dir="auto"
      />
      <div className="space-y-2 sm:col-span-2">
        <CheckboxField
          label={t('settings.sla.enabled')}
          checked={form.enabled}
          onChange={set('enabled')}
        />
      </div>

      {section(
        t('settings.sla.appliesTo'),
        <>
          <Choices
            legend={t('settings.rules.priorities')}
            options={priorities.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
            chosen={form.priorities}
            onChange={set('priorities')}
          />
          <Choices
            legend={t('settings.rules.channels')}
            options={channels.map((c) => ({ value: c, label: t(`channel.${c}`) }))}
            chosen={form.channels}
            onChange={set('channels')}
          />
          {teamOptions.length > 0 && (
            <Choices
              legend={t('settings.section.teams')}
              options={teamOptions}
              chosen={form.teamIds}
              onChange={set('teamIds')}
            />
          )}
          <div className="grid gap-4 sm:grid-cols-2">
            <TextArea
              label={t('settings.sla.categories')}
              hint={t('settings.rules.listHint')}
              rows={2}
              value={form.categories}
              onChange={set('categories')}
              problem={problems.categories}
              dir="auto"
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
          {(policy?.conditions.organizationIds ?? policy?.conditions.contact) && (
            <p className={`text-xs ${muted}`}>{t('settings.sla.otherConditions')}</p>
          )}
        </>,
        t('settings.sla.appliesToHint'),
      )}

      {section(
        t('settings.sla.targets'),
        <>
          <div className="grid gap-4 sm:grid-cols-3">
            {slaTargetNames.map((name) => (
              <div key={name} className="space-y-2">
                <TextField
                  label={t(`settings.sla.target.${name}`)}
                  value={form.targets[name].duration}
                  onChange={(value) => setTarget(name, { duration: value })}
                  problem={problems[name]}
                  placeholder={t('settings.sla.noTarget')}
                  dir="ltr"
                  data-testid={`target-${name}`}
                />
                <CheckboxField
                  label={t('settings.sla.businessHours')}
                  checked={form.targets[name].businessHours}
                  onChange={(businessHours) => setTarget(name, { businessHours })}
                />
              </div>
            ))}
          </div>
          {problems.targets && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {t(problems.targets.key)}
            </p>
          )}
          <SelectField
            label={t('settings.sla.calendar')}
            hint={t('settings.sla.calendarHint')}
            value={form.calendarId}
            onChange={set('calendarId')}
            options={[
              { value: '', label: t('settings.sla.teamCalendar') },
              ...(calendars.data?.data ?? []).map((c) => ({ value: c.id, label: c.name })),
            ]}
            data-testid="policy-calendar"
          />
          <CheckboxField
            label={t('settings.sla.pauseOnHold')}
            hint={t('settings.sla.pauseOnHoldHint')}
            checked={form.pauseOnHold}
            onChange={set('pauseOnHold')}
          />
        </>,
        t('settings.sla.targetsHint'),
      )}

      {section(
        t('settings.sla.warnings'),
        <>
          <TextField
            label={t('settings.sla.warnAt')}
            hint={t('settings.sla.warnAtHint')}
            value={form.warnAtPercent}
            onChange={set('warnAtPercent')}
            problem={problems.warnAtPercent}
            dir="ltr"
          />
          <Escalations
            escalations={form.escalations}
            onChange={set('escalations')}
            teams={teamOptions}
          />
          {escalationProblem && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {t(escalationProblem.key)}
            </p>
          )}
        </>,
      )}
    </EditorForm>
  );
}

function Escalations(props: {
  escalations: EscalationForm[];
  onChange: (escalations: EscalationForm[]) => void;
  teams: { value: string; label: string }[];
}) {
  const t = useT();
  const change = (n: number, changes: Partial<EscalationForm>) =>
    props.onChange(props.escalations.map((e, i) => (i === n ? { ...e, ...changes } : e)));
  return (
    <div className="space-y-2">
      <h4 className="text-sm font-medium">{t('settings.sla.escalations')}</h4>
      {props.escalations.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.sla.noEscalations')}</p>
      )}
      <div className="space-y-2">
        {props.escalations.map((e, n) => {
          const label = t('settings.sla.escalationN', { count: n + 1 });
          return (
            <div
              key={n}
              role="group"
              aria-label={label}
              className="flex flex-wrap items-end gap-3 rounded-md bg-slate-50 p-2 dark:bg-slate-800/50"
            >
              <SelectField
                label={t('settings.sla.escalateOn')}
                value={e.on}
                onChange={(on) => change(n, { on })}
                options={[
                  { value: 'warning', label: t('settings.sla.onWarning') },
                  { value: 'breach', label: t('settings.sla.onBreach') },
                ]}
              />
              <SelectField<SlaTargetName | ''>
                label={t('settings.sla.ofTarget')}
                value={e.target}
                onChange={(target) => change(n, { target })}
                options={[
                  { value: '', label: t('settings.sla.anyTarget') },
                  ...slaTargetNames.map((name) => ({
                    value: name,
                    label: t(`settings.sla.target.${name}`),
                  })),
                ]}
              />
              <SelectField
                label={t('settings.sla.moveTo')}
                value={e.moveToTeamId}
                onChange={(moveToTeamId) => change(n, { moveToTeamId })}
                options={[{ value: '', label: t('settings.sla.stay') }, ...props.teams]}
              />
              <div className="space-y-1 pb-1">
                <CheckboxField
                  label={t('settings.sla.raisePriority')}
                  checked={e.raisePriority}
                  onChange={(raisePriority) => change(n, { raisePriority })}
                />
                <CheckboxField
                  label={t('settings.sla.unassign')}
                  checked={e.unassign}
                  onChange={(unassign) => change(n, { unassign })}
                />
              </div>
              <button
                type="button"
                className={`${secondaryButton} ms-auto`}
                aria-label={t('settings.sla.removeEscalation', { count: n + 1 })}
                onClick={() => props.onChange(props.escalations.filter((_, i) => i !== n))}
              >
                {t('settings.sla.remove')}
              </button>
            </div>
          );
        })}
      </div>
      {props.escalations.length < 10 && (
        <button
          type="button"
          className={secondaryButton}
          onClick={() => props.onChange([...props.escalations, newEscalation()])}
        >
          {t('settings.sla.addEscalation')}
        </button>
      )}
    </div>
  );
}
