import type { TwoFactorSetup, TwoFactorStatus } from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode, type SyntheticEvent } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../api.js';
import { useErrorText, useT } from '../i18n.js';
import {
  CodeField,
  CurrentPassword,
  FormMessage,
  primaryButton,
  secondaryButton,
  typedCode,
} from './forms.js';

const STATUS_KEY = ['two-factor'];
const muted = 'text-sm text-slate-600 dark:text-slate-400';

/**
 * The profile's "Two-factor authentication": set it up (QR code or key, then a code and the
 * password), see the recovery codes once, make new ones, turn it off.
 */
export function TwoFactorSection({ className, email }: { className: string; email: string }) {
  const t = useT();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: api.twoFactor });
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [turnedOff, setTurnedOff] = useState(false);
  const start = useMutation({
    mutationFn: api.twoFactorSetup,
    onSuccess: (answer) => {
      setTurnedOff(false);
      setSetup(answer);
    },
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: STATUS_KEY });
  const showCodes = async (recoveryCodes: string[]) => {
    setSetup(null);
    setCodes(recoveryCodes);
    await refresh();
  };

  let body: ReactNode;
  if (codes) body = <RecoveryCodes codes={codes} email={email} onDone={() => setCodes(null)} />;
  else if (setup)
    body = <Enrol setup={setup} onEnabled={showCodes} onCancel={() => setSetup(null)} />;
  else if (status.data?.enabled)
    body = (
      <Enabled
        status={status.data}
        onNewCodes={showCodes}
        onDisabled={async () => {
          setTurnedOff(true);
          await refresh();
        }}
      />
    );
  else if (status.data)
    body = (
      <>
        <p className="text-sm">{t('twoFactor.off')}</p>
        {turnedOff && <FormMessage>{t('twoFactor.disabled')}</FormMessage>}
        {start.isError && <FormMessage error>{errorText(start.error)}</FormMessage>}
        <button
          type="button"
          className={primaryButton}
          disabled={start.isPending}
          onClick={() => start.mutate()}
        >
          {t('twoFactor.setUp')}
        </button>
      </>
    );
  return (
    <section aria-labelledby="two-factor-heading" className={className} data-testid="two-factor">
      <h2 id="two-factor-heading" className="font-semibold">
        {t('twoFactor.title')}
      </h2>
      <p className={muted}>{t('twoFactor.intro')}</p>
      {status.isError && <FormMessage error>{errorText(status.error)}</FormMessage>}
      {body}
    </section>
  );
}

/** Moves focus to a step's heading when it appears (a screen reader hears where it is). */
function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

function Enrol(props: {
  setup: TwoFactorSetup;
  onEnabled: (codes: string[]) => Promise<void>;
  onCancel: () => void;
}) {
  const t = useT();
  const errorText = useErrorText();
  const heading = useFocusOnMount<HTMLParagraphElement>();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const enable = useMutation({
    mutationFn: () => api.twoFactorEnable({ password, code: typedCode(code) }),
    onSuccess: (answer) => props.onEnabled(answer.recoveryCodes),
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    enable.mutate();
  };
  return (
    <form onSubmit={submit} className="space-y-4">
      <p ref={heading} tabIndex={-1} className="text-sm font-medium outline-none">
        {t('twoFactor.scan')}
      </p>
      <div className="flex flex-wrap items-center gap-4">
        <img
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(props.setup.qrSvg)}`}
          alt={t('twoFactor.qrAlt')}
          className="size-44 shrink-0 rounded-md border border-slate-200 bg-white p-1 dark:border-slate-700"
          data-testid="two-factor-qr"
        />
        <div className="min-w-0 flex-1 space-y-1">
          <p className={muted}>{t('twoFactor.manual')}</p>
          <code
            dir="ltr"
            className="block rounded-md bg-slate-100 px-3 py-2 font-mono text-sm break-all select-all dark:bg-slate-800"
            data-testid="two-factor-secret"
          >
            {props.setup.secret.match(/.{1,4}/g)?.join(' ')}
          </code>
        </div>
      </div>
      <p className="text-sm font-medium">{t('twoFactor.confirmIntro')}</p>
      <div className="grid gap-4 sm:grid-cols-2">
        <CodeField
          label={t('login.code')}
          kind="app"
          value={code}
          onChange={setCode}
          testId="two-factor-enable-code"
        />
        <CurrentPassword
          value={password}
          onChange={setPassword}
          testId="two-factor-enable-password"
        />
      </div>
      {enable.isError && <FormMessage error>{errorText(enable.error)}</FormMessage>}
      <div className="flex flex-wrap gap-3">
        <button type="submit" className={primaryButton} disabled={enable.isPending}>
          {t('twoFactor.enable')}
        </button>
        <button type="button" className={secondaryButton} onClick={props.onCancel}>
          {t('twoFactor.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The recovery codes, this once: copy, download, then done. */
function RecoveryCodes(props: { codes: string[]; email: string; onDone: () => void }) {
  const t = useT();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const list = useRef<HTMLUListElement>(null);
  const [copied, setCopied] = useState(false);
  const text = `${t('twoFactor.fileHeader', { email: props.email })}\n\n${props.codes.join('\n')}\n`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // No clipboard (plain http, or refused): select the codes for Ctrl+C instead.
      if (list.current) window.getSelection()?.selectAllChildren(list.current);
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'parley-recovery-codes.txt';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <div className="space-y-3">
      <h3 ref={heading} tabIndex={-1} className="font-medium outline-none">
        {t('twoFactor.codesTitle')}
      </h3>
      <p className={muted}>{t('twoFactor.codesIntro')}</p>
      <ul
        ref={list}
        dir="ltr"
        className="grid grid-cols-2 gap-x-6 gap-y-1 rounded-md bg-slate-100 p-3 font-mono text-sm sm:grid-cols-3 dark:bg-slate-800"
        data-testid="recovery-codes"
      >
        {props.codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" className={secondaryButton} onClick={() => void copy()}>
          {t('twoFactor.copy')}
        </button>
        <button type="button" className={secondaryButton} onClick={download}>
          {t('twoFactor.download')}
        </button>
        <button type="button" className={primaryButton} onClick={props.onDone}>
          {t('twoFactor.done')}
        </button>
        {copied && <FormMessage>{t('twoFactor.copied')}</FormMessage>}
      </div>
    </div>
  );
}

/** On: since when, the recovery codes left; new codes or turning off, each behind a code. */
function Enabled(props: {
  status: TwoFactorStatus;
  onNewCodes: (codes: string[]) => Promise<void>;
  onDisabled: () => Promise<void>;
}) {
  const t = useT();
  const intl = useIntl();
  const errorText = useErrorText();
  const [open, setOpen] = useState<'codes' | 'disable' | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const newCodes = useMutation({
    mutationFn: () => api.newRecoveryCodes(typedCode(code)),
    onSuccess: (answer) => props.onNewCodes(answer.recoveryCodes),
  });
  const disable = useMutation({
    mutationFn: () => api.twoFactorDisable({ password, code: typedCode(code) }),
    onSuccess: props.onDisabled,
  });
  const action = open === 'disable' ? disable : newCodes;
  const toggle = (next: 'codes' | 'disable') => {
    setOpen(open === next ? null : next);
    setCode('');
    setPassword('');
    newCodes.reset();
    disable.reset();
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    action.mutate();
  };
  const left = props.status.recoveryCodesLeft;
  return (
    <>
      <p className="text-sm">
        {props.status.enabledAt &&
          t('twoFactor.on', {
            date: intl.formatDate(props.status.enabledAt, { dateStyle: 'medium' }),
          })}{' '}
        <span className={left < 3 ? 'text-amber-800 dark:text-amber-300' : ''}>
          {t('twoFactor.codesLeft', { count: left })}
        </span>
      </p>
      <div className="flex flex-wrap gap-3">
        {(['codes', 'disable'] as const).map((which) => (
          <button
            key={which}
            type="button"
            className={secondaryButton}
            aria-expanded={open === which}
            onClick={() => toggle(which)}
          >
            {t(which === 'codes' ? 'twoFactor.newCodes' : 'twoFactor.disable')}
          </button>
        ))}
      </div>
      {open && (
        <form
          onSubmit={submit}
          className="space-y-4 border-t border-slate-200 pt-4 dark:border-slate-800"
        >
          <p className={muted}>
            {t(open === 'disable' ? 'twoFactor.disableIntro' : 'twoFactor.newCodesIntro')}
          </p>
          <div className="grid gap-4 sm:grid-cols-2">
            <CodeField
              label={t('twoFactor.codeOrRecovery')}
              kind="either"
              value={code}
              onChange={setCode}
              autoFocus
              testId="two-factor-manage-code"
            />
            {open === 'disable' && <CurrentPassword value={password} onChange={setPassword} />}
          </div>
          {action.isError && <FormMessage error>{errorText(action.error)}</FormMessage>}
          <button type="submit" className={primaryButton} disabled={action.isPending}>
            {t(open === 'disable' ? 'twoFactor.disable' : 'twoFactor.createCodes')}
          </button>
        </form>
      )}
    </>
  );
}
