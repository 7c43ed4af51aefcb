import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { MessagesSquare } from 'lucide-react';
import { useState, type SyntheticEvent } from 'react';
import { api, ApiError, setCsrfToken } from '../api.js';
import { useErrorText, useT } from '../i18n.js';
import { Field, linkClass } from './forms.js';
import { LocalePicker } from './LocalePicker.js';

export function Login() {
  const t = useT();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [workspace, setWorkspace] = useState('');
  const [needsWorkspace, setNeedsWorkspace] = useState(false);
  const login = useMutation({
    mutationFn: () =>
      api.login({ email, password, ...(workspace ? { workspace: workspace.trim() } : {}) }),
    onSuccess: async (me) => {
      setCsrfToken(me.csrfToken);
      queryClient.setQueryData(['me'], me);
      await navigate({ to: '/' });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'workspace_required') setNeedsWorkspace(true);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <main className="flex min-h-full flex-col items-center justify-center gap-6 p-6">
      <form
        onSubmit={submit}
        className="w-full max-w-sm space-y-4 rounded-xl border border-slate-200 p-8 shadow-sm dark:border-slate-800"
      >
        <div className="flex items-center gap-3">
          <MessagesSquare aria-hidden className="size-8 text-indigo-600" />
          <h1 className="text-xl font-semibold">{t('login.title')}</h1>
        </div>
        <Field
          label={t('login.email')}
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
        />
        <Field
          label={t('login.password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
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
        <button
          type="submit"
          disabled={login.isPending}
          className="w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
        >
          {t('login.submit')}
        </button>
        <p className="text-center">
          <Link to="/forgot-password" search={email ? { email } : {}} className={linkClass}>
            {t('account.forgot')}
          </Link>
        </p>
      </form>
      <LocalePicker />
    </main>
  );
}
