import { useMutation } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../../api.js';
import { useErrorText, useT } from '../../i18n.js';
import { AuthCard, Field, FormMessage, linkClass, primaryButton } from '../forms.js';

/** "Forgot password?": asks for a link by email. The answer never says whether the address exists. */
export function ForgotPassword() {
  const t = useT();
  const errorText = useErrorText();
  const search = useSearch({ from: '/forgot-password' });
  const [email, setEmail] = useState(search.email ?? '');
  const [workspace, setWorkspace] = useState('');
  const send = useMutation({
    mutationFn: () =>
      api.requestPasswordReset({
        email: email.trim(),
        ...(workspace.trim() ? { workspace: workspace.trim() } : {}),
      }),
  });
  return (
    <AuthCard
      title={t('account.forgotTitle')}
      onSubmit={() => send.mutate()}
      footer={
        <Link to="/login" className={linkClass}>
          {t('account.backToSignIn')}
        </Link>
      }
    >
      {send.isSuccess ? (
        <FormMessage>{t('account.linkSent', { email: email.trim() })}</FormMessage>
      ) : (
        <>
          <p className="text-sm text-slate-700 dark:text-slate-300">{t('account.forgotIntro')}</p>
          <Field
            label={t('login.email')}
            type="email"
            autoComplete="username"
            value={email}
            onChange={setEmail}
            testId="reset-email"
          />
          <Field
            label={t('account.workspaceOptional')}
            hint={t('account.workspaceOptionalHint')}
            value={workspace}
            onChange={setWorkspace}
            required={false}
          />
          {send.isError && <FormMessage error>{errorText(send.error)}</FormMessage>}
          <button type="submit" disabled={send.isPending} className={`w-full ${primaryButton}`}>
            {t('account.sendLink')}
          </button>
        </>
      )}
    </AuthCard>
  );
}
