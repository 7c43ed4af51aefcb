import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, setCsrfToken } from '../../api.js';
import { useErrorText, useLocale, useT } from '../../i18n.js';
import {
  AuthCard,
  Field,
  FormMessage,
  linkClass,
  NewPasswordFields,
  primaryButton,
} from '../forms.js';

/**
 * The invitation email's link (`/app/invitations/accept#token=…`: in the fragment, so the
 * token never reaches a server log or a Referer): name and password, then signed in.
 */
export function AcceptInvitation() {
  const t = useT();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // The language the invitee reads this page in becomes their profile's (sign-in applies it).
  const { locale } = useLocale();
  const [token] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get('token'));
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const accept = useMutation({
    mutationFn: () =>
      api.acceptInvitation({ token: token ?? '', name: name.trim(), password, locale }),
    onSuccess: async (me) => {
      setCsrfToken(me.csrfToken);
      queryClient.setQueryData(['me'], me);
      await navigate({ to: '/', hash: '' });
    },
  });
  const submit = () => {
    setMismatch(password !== repeat);
    if (password === repeat) accept.mutate();
  };
  return (
    <AuthCard
      title={t('account.inviteTitle')}
      onSubmit={submit}
      footer={
        <Link to="/login" className={linkClass}>
          {t('account.backToSignIn')}
        </Link>
      }
    >
      {!token ? (
        <FormMessage error>{t('error.invitation_not_found')}</FormMessage>
      ) : (
        <>
          <p className="text-sm text-slate-700 dark:text-slate-300">{t('account.inviteIntro')}</p>
          <Field
            label={t('account.yourName')}
            autoComplete="name"
            value={name}
            onChange={setName}
            dir="auto"
            testId="invite-name"
          />
          <NewPasswordFields
            label={t('account.password')}
            password={password}
            repeat={repeat}
            onPassword={setPassword}
            onRepeat={setRepeat}
            mismatch={mismatch}
            testIds={{ password: 'invite-password', repeat: 'invite-repeat' }}
          />
          {accept.isError && <FormMessage error>{errorText(accept.error)}</FormMessage>}
          <button type="submit" disabled={accept.isPending} className={`w-full ${primaryButton}`}>
            {t('account.join')}
          </button>
        </>
      )}
    </AuthCard>
  );
}
