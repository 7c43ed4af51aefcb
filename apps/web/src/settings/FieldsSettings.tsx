import type { CustomField, FieldEntity, FieldType } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n.js';
import { settingsApi } from './api.js';
import {
  Card,
  DeleteButton,
  EditableScreen,
  FormButtons,
  muted,
  Outcome,
  secondaryButton,
  SelectField,
  TextArea,
  TextField,
} from './ui.js';
import {
  check,
  identifier,
  integerBetween,
  isValid,
  isChoice,
  maxLength,
  optionsProblem,
  parseLines,
  required,
  type Problems,
} from './validate.js';

const fieldsKey = ['settings', 'fields'];
const entities: FieldEntity[] = ['conversation', 'contact'];
const types: FieldType[] = ['text', 'number', 'boolean', 'date', 'select', 'multiselect'];

export function FieldsSettings() {
  const t = useT();
  const fields = useQuery({ queryKey: fieldsKey, queryFn: settingsApi.fields });
  return (
    <EditableScreen
      title={t('settings.section.fields')}
      intro={t('settings.fields.intro')}
      newLabel={t('settings.fields.new')}
      newTestId="field-new"
      query={fields}
      editor={(item, done) => <FieldForm field={item} onDone={done} />}
      list={(items, edit) =>
        entities.map((entity) => (
          <FieldGroup
            key={entity}
            entity={entity}
            fields={items.filter((f) => f.entity === entity)}
            onEdit={edit}
          />
        ))
      }
    />
  );
}

function FieldGroup(props: {
  entity: FieldEntity;
  fields: CustomField[];
  onEdit: (field: CustomField) => void;
}) {
  const t = useT();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: settingsApi.deleteField,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: fieldsKey }),
  });
  const title = t(`settings.fields.entity.${props.entity}`);
  return (
    <Card label={title}>
      <h3 className="mb-2 font-medium">{title}</h3>
      {props.fields.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.fields.none')}</p>
      )}
      <ul
        className="divide-y divide-slate-200 dark:divide-slate-800"
        data-testid={`fields-${props.entity}`}
      >
        {props.fields.map((field) => (
          <li
            key={field.id}
            className="flex flex-wrap items-center gap-3 py-2"
            data-testid="field-row"
          >
            <div className="min-w-0 flex-1">
              <p className="text-sm font-medium">
                <bdi dir="auto">{field.label}</bdi>
                <span className={`ms-2 font-mono text-xs font-normal ${muted}`} dir="ltr">
                  {field.key}
                </span>
              </p>
              <p className={`text-xs ${muted}`}>
                {t(`settings.fieldType.${field.type}`)}
                {field.options.length > 0 && (
                  <>
                    {' · '}
                    <span dir="auto">{field.options.join(', ')}</span>
                  </>
                )}
              </p>
            </div>
            <button
              type="button"
              className={secondaryButton}
              onClick={() => props.onEdit(field)}
              aria-label={t('settings.editItem', { name: field.label })}
            >
              {t('settings.edit')}
            </button>
            <DeleteButton
              name={field.label}
              pending={remove.isPending}
              onConfirm={() => remove.mutate(field.id)}
            />
          </li>
        ))}
      </ul>
      <Outcome error={remove.error} />
    </Card>
  );
}

type FieldFields = 'key' | 'label' | 'options' | 'position';

function FieldForm({ field, onDone }: { field?: CustomField; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({
    entity: field?.entity ?? 'conversation',
    key: field?.key ?? '',
    label: field?.label ?? '',
    type: field?.type ?? 'text',
    options: (field?.options ?? []).join('\n'),
    position: field ? String(field.position) : '',
  });
  const [problems, setProblems] = useState<Problems<FieldFields>>({});
  const set =
    <K extends keyof typeof values>(key: K) =>
    (value: (typeof values)[K]) =>
      setValues((v) => ({ ...v, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const options = isChoice(values.type) ? parseLines(values.options) : undefined;
      const position = values.position.trim() === '' ? undefined : Number(values.position);
      const common = {
        label: values.label.trim(),
        ...(options ? { options } : {}),
        ...(position !== undefined ? { position } : {}),
      };
      return field
        ? settingsApi.updateField(field.id, common)
        : settingsApi.createField({
            ...common,
            entity: values.entity,
            key: values.key,
            type: values.type,
          });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: fieldsKey });
      onDone();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<FieldFields>(values, {
      key: field ? [] : [required, identifier],
      label: [required, maxLength(100)],
      position: [integerBetween(0, 10_000)],
    });
    const options = optionsProblem(values.type, values.options);
    if (options) found.options = options;
    setProblems(found);
    if (isValid(found)) save.mutate();
  };
  const title = field ? t('settings.editItem', { name: field.label }) : t('settings.fields.new');
  return (
    <Card label={title}>
      <h3 className="mb-3 font-medium">{title}</h3>
      <form noValidate onSubmit={submit} className="grid gap-4 sm:grid-cols-2">
        <SelectField<FieldEntity>
          label={t('settings.fields.entity')}
          value={values.entity}
          onChange={set('entity')}
          disabled={Boolean(field)}
          options={entities.map((e) => ({ value: e, label: t(`settings.fields.entity.${e}`) }))}
        />
        <SelectField<FieldType>
          label={t('settings.fields.type')}
          value={values.type}
          onChange={set('type')}
          disabled={Boolean(field)}
          options={types.map((type) => ({ value: type, label: t(`settings.fieldType.${type}`) }))}
          data-testid="field-type"
        />
        <TextField
          label={t('settings.fields.label')}
          value={values.label}
          onChange={set('label')}
          problem={problems.label}
          dir="auto"
          data-testid="field-label"
        />
        <TextField
          label={t('settings.fields.key')}
          hint={t(field ? 'settings.fields.keyFixed' : 'settings.fields.keyHint')}
          value={values.key}
          onChange={set('key')}
          problem={problems.key}
          disabled={Boolean(field)}
          dir="ltr"
          data-testid="field-key"
        />
        {isChoice(values.type) && (
          <TextArea
            label={t('settings.fields.options')}
            hint={t('settings.fields.optionsHint')}
            rows={4}
            value={values.options}
            onChange={set('options')}
            problem={problems.options}
            dir="auto"
            data-testid="field-options"
          />
        )}
        <TextField
          label={t('settings.fields.position')}
          hint={t('settings.fields.positionHint')}
          type="number"
          inputMode="numeric"
          min={0}
          value={values.position}
          onChange={set('position')}
          problem={problems.position}
        />
        <div className="space-y-2 sm:col-span-2">
          <FormButtons pending={save.isPending} onCancel={onDone} />
          <Outcome error={save.error} />
        </div>
      </form>
    </Card>
  );
}
