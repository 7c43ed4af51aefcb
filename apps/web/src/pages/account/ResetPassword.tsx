import { useMutation } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ApiError } from '../../api.js';
import { useErrorText, useT } from '../../i18n.js';
import { AuthCard, FormMessage, linkClass, NewPasswordFields, primaryButton } from '../forms.js';

/** The emailed link's page: a new password, once. */
export function ResetPassword() {
  const t = useT();
  const errorText = useErrorText();
  const { token } = useSearch({ from: '/reset-password' });
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const reset = useMutation({
    mutationFn: () => api.confirmPasswordReset({ token: token ?? '', password }),
  });
  const submit = () => {
    setMismatch(password !== repeat);
    if (password === repeat) reset.mutate();
  };
  // A dead link needs a new one, not another try.
  const deadLink = reset.error instanceof ApiError && reset.error.code.startsWith('reset_token_');
  return (
    <AuthCard
      title={t('account.resetTitle')}
      onSubmit={submit}
      footer={
        <Link to="/login" className={linkClass}>
          {t('account.backToSignIn')}
        </Link>
      }
    >
      {!token ? (
        <>
          <FormMessage error>{t('account.noToken')}</FormMessage>
          <Link to="/forgot-password" className={linkClass}>
            {t('account.requestAgain')}
          </Link>
        </>
      ) : reset.isSuccess ? (
        <>
          <FormMessage>{t('account.resetDone')}</FormMessage>
          <Link to="/login" className={`block text-center ${primaryButton}`}>
            {t('login.submit')}
          </Link>
        </>
      ) : (
        <>
          <NewPasswordFields
            label={t('account.newPassword')}
            password={password}
            repeat={repeat}
            onPassword={setPassword}
            onRepeat={setRepeat}
            mismatch={mismatch}
            testIds={{ password: 'new-password', repeat: 'repeat-password' }}
          />
          {reset.isError && <FormMessage error>{errorText(reset.error)}</FormMessage>}
          {deadLink ? (
            <Link to="/forgot-password" className={`block text-center ${primaryButton}`}>
              {t('account.requestAgain')}
            </Link>
          ) : (
            <button type="submit" disabled={reset.isPending} className={`w-full ${primaryButton}`}>
              {t('account.setPassword')}
            </button>
          )}
        </>
      )}
    </AuthCard>
  );
}
