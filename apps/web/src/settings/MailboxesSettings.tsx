import type {
  Locale,
  Mailbox,
  MailboxCreateBody,
  MailboxUpdateBody,
  SmtpTransport,
} from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent, type ReactNode } from 'react';
import { useIntl } from 'react-intl';
import { localeNames, locales, useT } from '../i18n.js';
import { settingsApi } from './api.js';
import {
  Card,
  CheckboxField,
  DeleteButton,
  EditableScreen,
  FormButtons,
  muted,
  Outcome,
  secondaryButton,
  SecretState,
  SelectField,
  TextArea,
  TextField,
} from './ui.js';
import {
  check,
  email,
  emailItem,
  integerBetween,
  isValid,
  list,
  maxLength,
  parseList,
  required,
  type Problems,
} from './validate.js';

const mailboxesKey = ['settings', 'mailboxes'];

export function MailboxesSettings() {
  const t = useT();
  const mailboxes = useQuery({ queryKey: mailboxesKey, queryFn: settingsApi.mailboxes });
  const teams = useQuery({ queryKey: ['settings', 'teams'], queryFn: settingsApi.teams });
  const teamName = (id: string | null) => teams.data?.data.find((team) => team.id === id)?.name;
  return (
    <EditableScreen
      title={t('settings.section.mailboxes')}
      intro={t('settings.mailboxes.intro')}
      newLabel={t('settings.mailboxes.new')}
      query={mailboxes}
      none={t('settings.mailboxes.none')}
      editor={(item, done) => (
        <MailboxForm
          mailbox={item}
          teams={teams.data?.data.map((team) => ({ value: team.id, label: team.name })) ?? []}
          onDone={done}
        />
      )}
      list={(items, edit) =>
        items.map((mailbox) => (
          <MailboxCard
            key={mailbox.id}
            mailbox={mailbox}
            team={teamName(mailbox.teamId)}
            onEdit={() => edit(mailbox)}
          />
        ))
      }
    />
  );
}

function MailboxCard(props: { mailbox: Mailbox; team: string | undefined; onEdit: () => void }) {
  const t = useT();
  const intl = useIntl();
  const queryClient = useQueryClient();
  const { mailbox } = props;
  const remove = useMutation({
    mutationFn: () => settingsApi.deleteMailbox(mailbox.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailboxesKey }),
  });
  const row = (label: string, value: ReactNode) => (
    <div className="flex flex-wrap gap-x-2">
      <dt className={muted}>{label}</dt>
      <dd className="min-w-0">{value}</dd>
    </div>
  );
  return (
    <Card label={mailbox.name}>
      <div className="flex flex-wrap items-start gap-3" data-testid="mailbox-row">
        <div className="min-w-0 flex-1">
          <h3 className="font-medium">
            <bdi dir="auto">{mailbox.name}</bdi>
          </h3>
          <p className={`truncate text-sm ${muted}`}>
            <bdi dir="ltr">
              {mailbox.displayName
                ? `${mailbox.displayName} <${mailbox.address}>`
                : mailbox.address}
            </bdi>
          </p>
        </div>
        <button
          type="button"
          className={secondaryButton}
          onClick={props.onEdit}
          aria-label={t('settings.editItem', { name: mailbox.name })}
        >
          {t('settings.edit')}
        </button>
        <DeleteButton
          name={mailbox.name}
          pending={remove.isPending}
          onConfirm={() => remove.mutate()}
        />
      </div>
      <dl className="mt-3 grid gap-1 text-sm sm:grid-cols-2">
        {mailbox.aliases.length > 0 &&
          row(t('settings.mailboxes.aliases'), <span dir="ltr">{mailbox.aliases.join(', ')}</span>)}
        {row(t('settings.mailboxes.team'), props.team ?? t('settings.teams.noTeam'))}
        {row(
          t('settings.mailboxes.language'),
          mailbox.language ? localeNames[mailbox.language] : t('settings.mailboxes.languageAuto'),
        )}
        {row(
          t('settings.mailboxes.outbound'),
          mailbox.transport ? (
            <span className="inline-flex flex-wrap items-center gap-2">
              <span dir="ltr">
                {mailbox.transport.host}:{mailbox.transport.port}
              </span>
              <span>{t('settings.mailboxes.password')}:</span>
              <SecretState set={mailbox.transport.hasPassword} />
            </span>
          ) : (
            t('settings.mailboxes.relay')
          ),
        )}
        {mailbox.imap &&
          row(
            t('settings.mailboxes.imap'),
            <span>
              <span dir="ltr">{mailbox.imap.host}</span>
              {' · '}
              {mailbox.imap.lastPolledAt
                ? t('settings.mailboxes.lastPolled', {
                    when: intl.formatDate(mailbox.imap.lastPolledAt, {
                      dateStyle: 'short',
                      timeStyle: 'short',
                    }),
                  })
                : t('settings.mailboxes.neverPolled')}
              {mailbox.imap.lastError && (
                <span className="block text-red-700 dark:text-red-300">
                  {mailbox.imap.lastError}
                </span>
              )}
            </span>,
          )}
        {row(t('settings.mailboxes.dkim'), <SecretState set={mailbox.hasDkimKey} />)}
        {row(t('settings.mailboxes.webhookSecret'), <SecretState set={mailbox.hasWebhookSecret} />)}
      </dl>
      <Outcome error={remove.error} />
    </Card>
  );
}

type MailboxFields =
  | 'name'
  | 'address'
  | 'aliases'
  | 'displayName'
  | 'signature'
  | 'host'
  | 'port'
  | 'user'
  | 'password';

function MailboxForm(props: {
  mailbox?: Mailbox;
  teams: { value: string; label: string }[];
  onDone: () => void;
}) {
  const t = useT();
  const queryClient = useQueryClient();
  const { mailbox } = props;
  const initialLanguage: Locale | '' = mailbox?.language ?? '';
  const [values, setValues] = useState({
    name: mailbox?.name ?? '',
    address: mailbox?.address ?? '',
    aliases: (mailbox?.aliases ?? []).join('\n'),
    displayName: mailbox?.displayName ?? '',
    teamId: mailbox?.teamId ?? '',
    signature: mailbox?.signature ?? '',
    language: initialLanguage,
    ownSmtp: Boolean(mailbox?.transport),
    host: mailbox?.transport?.host ?? '',
    port: String(mailbox?.transport?.port ?? 587),
    secure: mailbox?.transport?.secure ?? false,
    user: mailbox?.transport?.user ?? '',
    password: '',
  });
  const [problems, setProblems] = useState<Problems<MailboxFields>>({});
  const set =
    <K extends keyof typeof values>(key: K) =>
    (value: (typeof values)[K]) =>
      setValues((v) => ({ ...v, [key]: value }));
  const save = useMutation({
    mutationFn: (body: MailboxCreateBody | MailboxUpdateBody) =>
      mailbox
        ? settingsApi.updateMailbox(mailbox.id, body)
        : settingsApi.createMailbox(body as MailboxCreateBody),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: mailboxesKey });
      props.onDone();
    },
  });
  const hadPassword = mailbox?.transport?.hasPassword ?? false;

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const smtp = values.ownSmtp;
    const found = check<MailboxFields>(values, {
      name: [required, maxLength(100)],
      address: mailbox ? [] : [required, email, maxLength(254)],
      aliases: [list({ maxItem: 254, maxCount: 20, each: emailItem })],
      displayName: [maxLength(100)],
      signature: [maxLength(5000)],
      host: smtp ? [required, maxLength(255)] : [],
      port: smtp ? [required, integerBetween(1, 65535)] : [],
      user: smtp ? [maxLength(255)] : [],
      password: smtp ? [maxLength(1000)] : [],
    });
    setProblems(found);
    if (!isValid(found)) return;
    // Write-only: an empty password field sends none, and the server keeps the stored one.
    const transport: SmtpTransport | null = smtp
      ? {
          host: values.host.trim(),
          port: Number(values.port),
          secure: values.secure,
          ...(values.user.trim() ? { user: values.user.trim() } : {}),
          ...(values.password ? { password: values.password } : {}),
        }
      : null;
    const name = values.name.trim();
    const aliases = parseList(values.aliases);
    const signature = values.signature.trim();
    const displayName = values.displayName.trim();
    const teamId = values.teamId || null;
    if (mailbox) {
      save.mutate({
        name,
        aliases,
        teamId,
        signature: signature || null,
        displayName: displayName || null,
        language: values.language || null,
        // Untouched outbound settings are not sent again.
        ...(smtp || mailbox.transport ? { transport } : {}),
      });
    } else {
      const body: MailboxCreateBody = { name, address: values.address.trim(), aliases, teamId };
      if (signature) body.signature = signature;
      if (displayName) body.displayName = displayName;
      if (values.language) body.language = values.language;
      if (transport) body.transport = transport;
      save.mutate(body);
    }
  };

  const title = mailbox
    ? t('settings.editItem', { name: mailbox.name })
    : t('settings.mailboxes.new');
  return (
    <Card label={title}>
      <h3 className="mb-3 font-medium">{title}</h3>
      <form noValidate onSubmit={submit} className="grid gap-4 sm:grid-cols-2">
        <TextField
          label={t('settings.mailboxes.name')}
          value={values.name}
          onChange={set('name')}
          problem={problems.name}
        />
        <TextField
          label={t('settings.mailboxes.address')}
          hint={mailbox ? t('settings.mailboxes.addressFixed') : undefined}
          type="email"
          value={values.address}
          onChange={set('address')}
          problem={problems.address}
          disabled={Boolean(mailbox)}
          dir="ltr"
        />
        <TextArea
          label={t('settings.mailboxes.aliases')}
          hint={t('settings.mailboxes.aliasesHint')}
          rows={2}
          value={values.aliases}
          onChange={set('aliases')}
          problem={problems.aliases}
          dir="ltr"
        />
        <TextField
          label={t('settings.mailboxes.displayName')}
          hint={t('settings.mailboxes.displayNameHint')}
          value={values.displayName}
          onChange={set('displayName')}
          problem={problems.displayName}
          dir="auto"
        />
        <SelectField
          label={t('settings.mailboxes.team')}
          value={values.teamId}
          onChange={set('teamId')}
          options={[{ value: '', label: t('settings.teams.noTeam') }, ...props.teams]}
        />
        <SelectField<Locale | ''>
          label={t('settings.mailboxes.language')}
          hint={t('settings.mailboxes.languageHint')}
          value={values.language}
          onChange={set('language')}
          options={[
            { value: '', label: t('settings.mailboxes.languageAuto') },
            ...locales.map((code) => ({ value: code, label: localeNames[code] })),
          ]}
        />
        <TextArea
          className="sm:col-span-2"
          label={t('settings.mailboxes.signature')}
          hint={t('settings.mailboxes.signatureHint')}
          rows={3}
          value={values.signature}
          onChange={set('signature')}
          problem={problems.signature}
          dir="auto"
        />
        <fieldset className="space-y-3 rounded-md border border-slate-200 p-3 sm:col-span-2 dark:border-slate-700">
          <legend className="px-1 text-sm font-medium">{t('settings.mailboxes.outbound')}</legend>
          <CheckboxField
            label={t('settings.mailboxes.ownSmtp')}
            hint={t('settings.mailboxes.ownSmtpHint')}
            checked={values.ownSmtp}
            onChange={set('ownSmtp')}
          />
          {values.ownSmtp && (
            <div className="grid gap-4 sm:grid-cols-2">
              <TextField
                label={t('settings.mailboxes.host')}
                value={values.host}
                onChange={set('host')}
                problem={problems.host}
                dir="ltr"
              />
              <TextField
                label={t('settings.mailboxes.port')}
                type="number"
                inputMode="numeric"
                value={values.port}
                onChange={set('port')}
                problem={problems.port}
              />
              <TextField
                label={t('settings.mailboxes.user')}
                autoComplete="off"
                value={values.user}
                onChange={set('user')}
                problem={problems.user}
                dir="ltr"
              />
              <TextField
                label={t('settings.mailboxes.password')}
                type="password"
                autoComplete="new-password"
                hint={
                  <span className="inline-flex flex-wrap items-center gap-2">
                    <SecretState set={hadPassword} />
                    {hadPassword ? t('settings.mailboxes.passwordKeep') : null}
                  </span>
                }
                value={values.password}
                onChange={set('password')}
                problem={problems.password}
              />
              <div className="sm:col-span-2">
                <CheckboxField
                  label={t('settings.mailboxes.secure')}
                  hint={t('settings.mailboxes.secureHint')}
                  checked={values.secure}
                  onChange={set('secure')}
                />
              </div>
            </div>
          )}
        </fieldset>
        <div className="space-y-2 sm:col-span-2">
          <FormButtons pending={save.isPending} onCancel={props.onDone} />
          <Outcome error={save.error} />
        </div>
      </form>
    </Card>
  );
}
