import type { InvitationCreated, Role, User } from '@parley/contract';
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  useSuspenseQuery,
} from '@tanstack/react-query';
import { useDeferredValue, useState, type SyntheticEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../i18n.js';
import { meQuery } from '../router.js';
import { canManageUser, grantableRoles } from './access.js';
import { settingsApi } from './api.js';
import {
  Card,
  DeleteButton,
  FormButtons,
  inputClass,
  muted,
  Outcome,
  QueryState,
  Screen,
  secondaryButton,
  SelectField,
  TextField,
} from './ui.js';
import { check, email, isValid, maxLength, required, type Problems } from './validate.js';

export function UsersSettings() {
  const t = useT();
  return (
    <Screen title={t('settings.section.users')} intro={t('settings.users.intro')}>
      <Invitations />
      <People />
    </Screen>
  );
}

/** People in pages of this many, by name. */
const PEOPLE_PAGE = 50;

function People() {
  const t = useT();
  const { data: me } = useSuspenseQuery(meQuery);
  const [typed, setTyped] = useState('');
  const q = useDeferredValue(typed.trim());
  const users = useInfiniteQuery({
    queryKey: ['settings', 'users', 'people', q],
    queryFn: ({ pageParam }) => settingsApi.people({ q, cursor: pageParam, limit: PEOPLE_PAGE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // A new search keeps the last list on screen until its answer comes.
    placeholderData: keepPreviousData,
  });
  const people = users.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <Card>
      <h3 className="mb-3 font-medium">{t('settings.users.people')}</h3>
      <TextField
        className="mb-2 max-w-sm"
        label={t('settings.users.find')}
        type="search"
        value={typed}
        onChange={setTyped}
        placeholder={t('settings.users.findPlaceholder')}
        data-testid="people-search"
      />
      <QueryState pending={users.isPending} error={users.error} />
      {users.isSuccess && people.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.users.noMatch', { q })}</p>
      )}
      <ul className="divide-y divide-slate-200 dark:divide-slate-800" data-testid="users-list">
        {people.map((user) => (
          <UserRow
            key={user.id}
            user={user}
            actorRole={me.user.role}
            self={user.id === me.user.id}
          />
        ))}
      </ul>
      {people.length > 0 && (
        <div className="mt-3 flex flex-wrap items-center gap-3">
          <p className={`text-sm ${muted}`} role="status" data-testid="people-shown">
            {t('settings.users.shown', { count: people.length })}
          </p>
          {users.hasNextPage && (
            <button
              type="button"
              className={secondaryButton}
              disabled={users.isFetchingNextPage}
              onClick={() => void users.fetchNextPage()}
              data-testid="people-more"
            >
              {t('list.more')}
            </button>
          )}
        </div>
      )}
    </Card>
  );
}

function UserRow({ user, actorRole, self }: { user: User; actorRole: Role; self: boolean }) {
  const t = useT();
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (changes: { role?: Role; status?: 'active' | 'deactivated' }) =>
      settingsApi.updateUser(user.id, changes),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['settings', 'users'] }),
  });
  const resetTwoFactor = useMutation({
    mutationFn: () => settingsApi.resetTwoFactor(user.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['settings', 'users'] }),
  });
  const editable = !self && canManageUser(actorRole, user.role);
  const roles = grantableRoles(actorRole);
  const deactivated = user.status === 'deactivated';
  return (
    <li className="flex flex-wrap items-center gap-3 py-3" data-testid="user-row">
      <div className="min-w-0 flex-1">
        <p className={`truncate font-medium ${deactivated ? 'line-through opacity-70' : ''}`}>
          <bdi dir="auto">{user.name}</bdi>
          {self && (
            <span className={`ms-2 text-xs font-normal ${muted}`}>{t('settings.users.you')}</span>
          )}
        </p>
        <p className={`truncate text-sm ${muted}`}>
          <bdi dir="ltr">{user.email}</bdi>
        </p>
      </div>
      {deactivated && (
        <span className="rounded-full bg-slate-200 px-2 py-0.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          {t('settings.users.deactivated')}
        </span>
      )}
      {user.twoFactorEnabled && (
        <span
          className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
          data-testid="two-factor-on"
        >
          {t('settings.users.twoFactorOn')}
        </span>
      )}
      {editable ? (
        <label className="flex items-center gap-2 text-sm">
          <span className="sr-only">{t('settings.users.roleOf', { name: user.name })}</span>
          <select
            className={`${inputClass} mt-0 w-auto`}
            value={user.role}
            disabled={update.isPending}
            onChange={(e) => update.mutate({ role: e.target.value as Role })}
          >
            {(roles.includes(user.role) ? roles : [user.role, ...roles]).map((role) => (
              <option key={role} value={role}>
                {t(`settings.role.${role}`)}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <span className="text-sm">{t(`settings.role.${user.role}`)}</span>
      )}
      {editable && (
        <button
          type="button"
          className={secondaryButton}
          disabled={update.isPending}
          onClick={() => update.mutate({ status: deactivated ? 'active' : 'deactivated' })}
          aria-label={t(
            deactivated ? 'settings.users.reactivateName' : 'settings.users.deactivateName',
            {
              name: user.name,
            },
          )}
        >
          {t(deactivated ? 'settings.users.reactivate' : 'settings.users.deactivate')}
        </button>
      )}
      {editable && user.twoFactorEnabled && (
        // A lost phone: the person signs in with the password alone and sets it up again.
        <DeleteButton
          verb="resetTwoFactor"
          name={user.name}
          pending={resetTwoFactor.isPending}
          onConfirm={() => resetTwoFactor.mutate()}
        />
      )}
      {(update.error ?? resetTwoFactor.error) != null && (
        <div className="basis-full">
          <Outcome error={update.error ?? resetTwoFactor.error} />
        </div>
      )}
    </li>
  );
}

type InviteFields = 'email' | 'name';

function Invitations() {
  const t = useT();
  const intl = useIntl();
  const queryClient = useQueryClient();
  const { data: me } = useSuspenseQuery(meQuery);
  const invitations = useQuery({
    queryKey: ['settings', 'invitations'],
    queryFn: settingsApi.invitations,
  });
  const roles = grantableRoles(me.user.role);
  const [values, setValues] = useState({ email: '', name: '', role: 'agent' as Role });
  const [problems, setProblems] = useState<Problems<InviteFields>>({});
  const [sent, setSent] = useState<InvitationCreated | null>(null);
  const invite = useMutation({
    mutationFn: settingsApi.invite,
    onSuccess: async (created) => {
      setSent(created);
      setValues({ email: '', name: '', role: values.role });
      await queryClient.invalidateQueries({ queryKey: ['settings', 'invitations'] });
    },
  });
  const revoke = useMutation({
    mutationFn: settingsApi.revokeInvitation,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['settings', 'invitations'] }),
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = check<InviteFields>(values, {
      email: [required, email, maxLength(254)],
      name: [maxLength(120)],
    });
    setProblems(found);
    if (!isValid(found)) return;
    setSent(null);
    invite.mutate({
      email: values.email.trim(),
      role: values.role,
      ...(values.name.trim() ? { name: values.name.trim() } : {}),
    });
  };
  const date = (iso: string) => intl.formatDate(iso, { dateStyle: 'medium' });
  return (
    <Card>
      <h3 className="mb-3 font-medium">{t('settings.users.invite')}</h3>
      <form
        noValidate
        onSubmit={submit}
        className="grid gap-3 sm:grid-cols-3"
        aria-label={t('settings.users.invite')}
      >
        <TextField
          label={t('settings.users.email')}
          type="email"
          autoComplete="off"
          value={values.email}
          onChange={(email) => setValues((v) => ({ ...v, email }))}
          problem={problems.email}
          dir="ltr"
          data-testid="invite-email"
        />
        <TextField
          label={t('settings.users.nameOptional')}
          value={values.name}
          onChange={(name) => setValues((v) => ({ ...v, name }))}
          problem={problems.name}
        />
        <SelectField<Role>
          label={t('settings.users.role')}
          value={values.role}
          onChange={(role) => setValues((v) => ({ ...v, role }))}
          options={roles.map((role) => ({ value: role, label: t(`settings.role.${role}`) }))}
          data-testid="invite-role"
        />
        <div className="space-y-2 sm:col-span-3">
          <FormButtons pending={invite.isPending} save={t('settings.users.sendInvitation')} />
          <Outcome error={invite.error} />
          {sent && (
            <div
              role="status"
              className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
            >
              <p>{t('settings.users.invited', { email: sent.email })}</p>
              <p className="mt-1">{t('settings.users.inviteLink')}</p>
              <input
                readOnly
                aria-label={t('settings.users.inviteLink')}
                value={sent.acceptUrl}
                onFocus={(e) => e.target.select()}
                className={`${inputClass} font-mono text-xs`}
                dir="ltr"
              />
            </div>
          )}
        </div>
      </form>

      <h4 className="mb-2 mt-6 text-sm font-medium">{t('settings.users.pending')}</h4>
      <QueryState pending={invitations.isPending} error={invitations.error} />
      {invitations.data?.data.length === 0 && (
        <p className={`text-sm ${muted}`}>{t('settings.users.noPending')}</p>
      )}
      <ul
        className="divide-y divide-slate-200 dark:divide-slate-800"
        data-testid="invitations-list"
      >
        {invitations.data?.data.map((invitation) => (
          <li
            key={invitation.id}
            className="flex flex-wrap items-center gap-3 py-2"
            data-testid="invitation-row"
          >
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-medium">
                <bdi dir="ltr">{invitation.email}</bdi>
              </p>
              <p className={`text-xs ${muted}`}>
                {t(`settings.role.${invitation.role}`)} ·{' '}
                {t('settings.users.expires', { date: date(invitation.expiresAt) })}
              </p>
            </div>
            <DeleteButton
              name={invitation.email}
              verb="revoke"
              pending={revoke.isPending}
              onConfirm={() => revoke.mutate(invitation.id)}
            />
          </li>
        ))}
      </ul>
      <Outcome error={revoke.error} />
    </Card>
  );
}
