import type { Locale, Me, NotificationPreferences, User } from '@parley/contract';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowLeft } from 'lucide-react';
import { useRef, useState, type SyntheticEvent } from 'react';
import { api } from '../api.js';
import { initials } from '../format.js';
import { localeNames, locales, useErrorText, useLocale, useT } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { meQuery } from '../router.js';
import { Absences } from '../settings/Absences.js';
import { ScheduleForm } from '../settings/ScheduleForm.js';
import { timeZones } from '../timezones.js';
import {
  Field,
  FormMessage,
  inputClass,
  linkClass,
  primaryButton,
  secondaryButton,
} from './forms.js';
import { TwoFactorSection } from './TwoFactorSection.js';

const emailPreferences = [
  'assigned',
  'customerReplied',
  'escalated',
  'slaWarning',
  'slaBreached',
] as const;
const pushPreferences = ['slaWarning', 'slaBreached'] as const;

/** A picture scaled and cropped to a 160 px square, as a data: URL (WebP where supported). */
async function squarePicture(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = 160;
  canvas.height = 160;
  canvas
    .getContext('2d')
    ?.drawImage(
      bitmap,
      (bitmap.width - side) / 2,
      (bitmap.height - side) / 2,
      side,
      side,
      0,
      0,
      160,
      160,
    );
  bitmap.close();
  const webp = canvas.toDataURL('image/webp', 0.85);
  return webp.startsWith('data:image/webp') ? webp : canvas.toDataURL('image/png');
}

/** The signed-in person's own settings: picture, name, language, time zone, signature, notifications, password, two-factor sign-in. */
export function Profile() {
  const t = useT();
  const { data: me } = useSuspenseQuery(meQuery);
  return (
    <div className="min-h-full bg-slate-50 dark:bg-slate-950">
      <header className="flex h-14 items-center gap-3 border-b border-slate-200 bg-white px-4 dark:border-slate-800 dark:bg-slate-900">
        <Link
          to="/"
          className="flex items-center gap-1 rounded-md px-2 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
        >
          <ArrowLeft aria-hidden className="size-4 rtl:-scale-x-100" />
          {t('profile.back')}
        </Link>
      </header>
      <main className="mx-auto max-w-2xl space-y-6 p-4 sm:p-6">
        <h1 className="text-xl font-semibold">{t('profile.title')}</h1>
        <PictureSection user={me.user} />
        <DetailsForm key={me.user.id} me={me} />
        {me.user.role !== 'collaborator' && <MyHours user={me.user} />}
        <MyAbsences user={me.user} />
        <PasswordForm />
        <TwoFactorSection className={card} email={me.user.email} />
      </main>
    </div>
  );
}

const card =
  'space-y-4 rounded-xl border border-slate-200 bg-white p-4 sm:p-6 dark:border-slate-800 dark:bg-slate-900';

function useSetMe() {
  const queryClient = useQueryClient();
  return async (user: User) => {
    queryClient.setQueryData<Me>(['me'], (old) => (old ? { ...old, user } : old));
    await queryClient.invalidateQueries({ queryKey: ['users'] });
  };
}

function PictureSection({ user }: { user: User }) {
  const t = useT();
  const errorText = useErrorText();
  const setMe = useSetMe();
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: async (file: File) => api.setAvatar(user.id, await squarePicture(file)),
    onSuccess: setMe,
  });
  const remove = useMutation({ mutationFn: () => api.removeAvatar(user.id), onSuccess: setMe });
  const error = upload.error ?? remove.error;
  return (
    <section aria-labelledby="picture-heading" className={card}>
      <h2 id="picture-heading" className="font-semibold">
        {t('profile.picture')}
      </h2>
      <div className="flex flex-wrap items-center gap-4">
        {user.avatarUrl ? (
          <img
            src={user.avatarUrl}
            alt=""
            className="size-20 rounded-full object-cover"
            data-testid="avatar"
          />
        ) : (
          <span
            aria-hidden
            className="flex size-20 items-center justify-center rounded-full bg-indigo-100 text-2xl font-semibold text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100"
          >
            {initials(user.name)}
          </span>
        )}
        <input
          ref={input}
          type="file"
          accept="image/png,image/jpeg,image/webp"
          className="sr-only"
          tabIndex={-1}
          aria-hidden
          data-testid="avatar-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) upload.mutate(file);
            e.target.value = '';
          }}
        />
        <button
          type="button"
          className={secondaryButton}
          disabled={upload.isPending}
          onClick={() => input.current?.click()}
        >
          {t('profile.choosePicture')}
        </button>
        {user.avatarUrl && (
          <button
            type="button"
            className={secondaryButton}
            disabled={remove.isPending}
            onClick={() => remove.mutate()}
          >
            {t('profile.removePicture')}
          </button>
        )}
      </div>
      {error && <FormMessage error>{errorText(error)}</FormMessage>}
    </section>
  );
}

function DetailsForm({ me }: { me: Me }) {
  const t = useT();
  const errorText = useErrorText();
  const setMe = useSetMe();
  const { setLocale } = useLocale();
  const [name, setName] = useState(me.user.name);
  const [language, setLanguage] = useState<Locale>(me.user.locale);
  const [timeZone, setTimeZone] = useState(me.user.timeZone);
  const [signature, setSignature] = useState(me.user.signature ?? '');
  const [prefs, setPrefs] = useState<NotificationPreferences>(me.user.notificationPreferences);
  const save = useMutation({
    mutationFn: () =>
      api.updateUser(me.user.id, {
        name: name.trim(),
        locale: language,
        timeZone,
        signature: signature.trim() ? signature : null,
        notificationPreferences: prefs,
      }),
    onSuccess: async (user) => {
      // The app speaks the profile's language from now on (and right-to-left for Persian).
      setLocale(user.locale);
      await setMe(user);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const checkbox = (group: 'email' | 'push', key: keyof NotificationPreferences['email']) => {
    const value =
      group === 'email'
        ? prefs.email[key]
        : prefs.push[key as keyof NotificationPreferences['push']];
    return (
      <label key={`${group}.${key}`} className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          checked={value}
          className="mt-0.5 size-4 shrink-0 accent-indigo-600"
          onChange={(e) =>
            setPrefs((p) => ({ ...p, [group]: { ...p[group], [key]: e.target.checked } }))
          }
        />
        {t(`profile.pref.${key}` as MessageKey)}
      </label>
    );
  };
  return (
    <form onSubmit={submit} className={card}>
      <Field
        label={t('profile.name')}
        autoComplete="name"
        value={name}
        onChange={setName}
        dir="auto"
        testId="profile-name"
      />
      <p className="text-sm">
        <span className="block font-medium">{t('profile.email')}</span>
        <span className="text-slate-700 dark:text-slate-300" dir="ltr">
          {me.user.email}
        </span>
      </p>
      <div className="grid gap-4 sm:grid-cols-2">
        <label className="block text-sm font-medium">
          {t('profile.language')}
          <select
            className={inputClass}
            value={language}
            onChange={(e) => setLanguage(e.target.value as Locale)}
            data-testid="profile-language"
          >
            {locales.map((code) => (
              <option key={code} value={code} lang={code}>
                {localeNames[code]}
              </option>
            ))}
          </select>
        </label>
        <label className="block text-sm font-medium">
          {t('profile.timeZone')}
          <select
            className={inputClass}
            value={timeZone}
            onChange={(e) => setTimeZone(e.target.value)}
            dir="ltr"
          >
            {timeZones(me.user.timeZone).map((zone) => (
              <option key={zone} value={zone}>
                {zone.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="block text-sm font-medium">
        {t('profile.signature')}
        <span className="block font-normal text-slate-600 dark:text-slate-400">
          {t('profile.signatureHint')}
        </span>
        <textarea
          className={`${inputClass} min-h-24`}
          value={signature}
          maxLength={5000}
          onChange={(e) => setSignature(e.target.value)}
          dir="auto"
        />
      </label>
      <fieldset className="min-w-0 space-y-2">
        <legend className="mb-1 text-sm font-medium">{t('profile.emailNotifications')}</legend>
        {emailPreferences.map((key) => checkbox('email', key))}
      </fieldset>
      <fieldset className="min-w-0 space-y-2">
        <legend className="mb-1 text-sm font-medium">{t('profile.pushNotifications')}</legend>
        {pushPreferences.map((key) => checkbox('push', key))}
      </fieldset>
      {save.isError && <FormMessage error>{errorText(save.error)}</FormMessage>}
      {save.isSuccess && <FormMessage>{t('profile.saved')}</FormMessage>}
      <button type="submit" disabled={save.isPending} className={primaryButton}>
        {t('profile.save')}
      </button>
    </form>
  );
}

/**
 * Your own working hours (routing offers you conversations inside them): the server lets
 * everyone set their own; limits and skills stay with managers.
 */
function MyHours({ user }: { user: User }) {
  const t = useT();
  const queryClient = useQueryClient();
  const agent = useQuery({ queryKey: ['agent', user.id], queryFn: () => api.agent(user.id) });
  return (
    <section aria-labelledby="hours-heading" className={card} data-testid="my-hours">
      <h2 id="hours-heading" className="font-semibold">
        {t('profile.hours')}
      </h2>
      <p className="text-sm text-slate-600 dark:text-slate-400">{t('profile.hoursHint')}</p>
      {agent.data && (
        <ScheduleForm
          agent={agent.data}
          fallbackZone={user.timeZone}
          // The absences below count their days in these hours' zone.
          onSaved={(saved) => queryClient.setQueryData(['agent', user.id], saved)}
        />
      )}
    </section>
  );
}

/** Your own absences and vacations: the server lets everyone record and remove their own. */
function MyAbsences({ user }: { user: User }) {
  const t = useT();
  // The days count in the zone of your working hours if you have some, else your profile's.
  const agent = useQuery({ queryKey: ['agent', user.id], queryFn: () => api.agent(user.id) });
  return (
    <section aria-labelledby="absences-heading" className={card}>
      <h2 id="absences-heading" className="font-semibold">
        {t('profile.absences')}
      </h2>
      <p className="text-sm text-slate-600 dark:text-slate-400">{t('profile.absencesHint')}</p>
      <Absences userId={user.id} timeZone={agent.data?.schedule?.timeZone ?? user.timeZone} />
    </section>
  );
}

function PasswordForm() {
  const t = useT();
  const errorText = useErrorText();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: () => api.changePassword({ currentPassword: current, newPassword: next }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setRepeat('');
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setMismatch(next !== repeat);
    if (next === repeat) change.mutate();
  };
  return (
    <form onSubmit={submit} className={card} aria-labelledby="password-heading">
      <h2 id="password-heading" className="font-semibold">
        {t('profile.passwordTitle')}
      </h2>
      <Field
        label={t('profile.currentPassword')}
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={setCurrent}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label={t('account.newPassword')}
          type="password"
          autoComplete="new-password"
          minLength={10}
          value={next}
          onChange={setNext}
        />
        <Field
          label={t('account.repeatPassword')}
          type="password"
          autoComplete="new-password"
          minLength={10}
          value={repeat}
          onChange={setRepeat}
        />
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-400">{t('account.passwordRule')}</p>
      {mismatch && <FormMessage error>{t('account.mismatch')}</FormMessage>}
      {change.isError && <FormMessage error>{errorText(change.error)}</FormMessage>}
      {change.isSuccess && <FormMessage>{t('profile.passwordChanged')}</FormMessage>}
      <div className="flex flex-wrap items-center gap-4">
        <button type="submit" disabled={change.isPending} className={primaryButton}>
          {t('profile.changePassword')}
        </button>
        <Link to="/forgot-password" search={{}} className={linkClass}>
          {t('account.forgot')}
        </Link>
      </div>
    </form>
  );
}
