import type { Me } from '@parley/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ApiError, setCsrfToken } from '../api.js';
import { useErrorText, useLocale, useT } from '../i18n.js';
import { AuthCard, CodeField, CurrentPassword, Field, linkClass, typedCode } from './forms.js';

const submitButton =
  'w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60';

/**
 * Signing in: email and password, then for a user with two-factor sign-in on, a code of
 * their authenticator app (or a recovery code). The user's saved language applies from here.
 */
export function Login() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { setLocale } = useLocale();
  const [challengeToken, setChallengeToken] = useState<string | null>(null);
  const signedIn = async (me: Me) => {
    setCsrfToken(me.csrfToken);
    queryClient.setQueryData(['me'], me);
    setLocale(me.user.locale);
    await navigate({ to: '/' });
  };
  return challengeToken ? (
    <CodeStep
      challengeToken={challengeToken}
      onSignedIn={signedIn}
      onStartOver={() => setChallengeToken(null)}
    />
  ) : (
    <PasswordStep onSignedIn={signedIn} onChallenge={setChallengeToken} />
  );
}

function PasswordStep(props: {
  onSignedIn: (me: Me) => Promise<void>;
  onChallenge: (token: string) => void;
}) {
  const t = useT();
  const errorText = useErrorText();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [workspace, setWorkspace] = useState('');
  const [needsWorkspace, setNeedsWorkspace] = useState(false);
  const login = useMutation({
    mutationFn: () =>
      api.login({ email, password, ...(workspace ? { workspace: workspace.trim() } : {}) }),
    onSuccess: async (answer) => {
      if ('twoFactorRequired' in answer) props.onChallenge(answer.challengeToken);
      else await props.onSignedIn(answer);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'workspace_required') setNeedsWorkspace(true);
    },
  });
  return (
    <AuthCard title={t('login.title')} onSubmit={() => login.mutate()}>
      <Field
        label={t('login.email')}
        type="email"
        autoComplete="username"
        value={email}
        onChange={setEmail}
      />
      <CurrentPassword value={password} onChange={setPassword} />
      {needsWorkspace && (
        <Field
          label={t('login.workspace')}
          hint={t('login.workspaceHint')}
          value={workspace}
          onChange={setWorkspace}
        />
      )}
      {login.isError && !needsWorkspace && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {errorText(login.error)}
        </p>
      )}
      <button type="submit" disabled={login.isPending} className={submitButton}>
        {t('login.submit')}
      </button>
      <p className="text-center">
        <Link to="/forgot-password" search={email ? { email } : {}} className={linkClass}>
          {t('account.forgot')}
        </Link>
      </p>
    </AuthCard>
  );
}

/** The second step: one code field, the app's code or (on request) a recovery code. */
function CodeStep(props: {
  challengeToken: string;
  onSignedIn: (me: Me) => Promise<void>;
  onStartOver: () => void;
}) {
  const t = useT();
  const errorText = useErrorText();
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const verify = useMutation({
    mutationFn: () =>
      api.loginTwoFactor({ challengeToken: props.challengeToken, code: typedCode(code) }),
    onSuccess: props.onSignedIn,
  });
  // A dead challenge takes no more codes: the way on is signing in again.
  const dead =
    verify.error instanceof ApiError &&
    (verify.error.code === 'two_factor_expired' || verify.error.code === 'two_factor_locked');
  return (
    <AuthCard title={t('login.codeTitle')} onSubmit={() => verify.mutate()}>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {t(recovery ? 'login.recoveryIntro' : 'login.codeIntro')}
      </p>
      <CodeField
        key={recovery ? 'recovery' : 'app'}
        label={t(recovery ? 'login.recoveryCode' : 'login.code')}
        value={code}
        onChange={setCode}
        kind={recovery ? 'recovery' : 'app'}
        autoFocus
        testId="two-factor-code"
      />
      {verify.isError && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {errorText(verify.error)}
        </p>
      )}
      <button type="submit" disabled={verify.isPending || dead} className={submitButton}>
        {t('login.verify')}
      </button>
      <div className="flex flex-col items-center gap-2">
        <button
          type="button"
          className={linkClass}
          onClick={() => {
            setRecovery(!recovery);
            setCode('');
            verify.reset();
          }}
        >
          {t(recovery ? 'login.useApp' : 'login.useRecovery')}
        </button>
        <button type="button" className={linkClass} onClick={props.onStartOver}>
          {t('login.startOver')}
        </button>
      </div>
    </AuthCard>
  );
}
