import type { Prechat, PrechatField, VisitorMessage, VisitorUpload } from '@parley/contract';
import { WIDGET_UPLOAD_TYPES } from '@parley/contract/widget-limits';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatClient, ChatState, Pending } from './client.js';
import { translate, type Locale, type Strings } from './i18n.js';

const ChatIcon = () => (
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
    <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />
  </svg>
);
const ClipIcon = () => (
  <svg
    viewBox="0 0 24 24"
    width="20"
    height="20"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    aria-hidden="true"
  >
    <path d="m21.4 11.1-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5" />
  </svg>
);
const CloseIcon = () => (
  <svg
    viewBox="0 0 24 24"
    width="20"
    height="20"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    aria-hidden="true"
  >
    <path d="M18 6 6 18M6 6l12 12" />
  </svg>
);

function useChat(client: ChatClient): ChatState {
  const [state, setState] = useState(client.state);
  useEffect(() => client.subscribe(() => setState(client.state)), [client]);
  return state;
}

export function App({ client, locale }: { client: ChatClient; locale: Locale }) {
  const state = useChat(client);
  const [open, setOpen] = useState(false);
  const t = (key: keyof Strings, values?: Record<string, string | number>) =>
    translate(locale, key, values);
  const toggle = () => {
    setOpen(!open);
    client.setOpen(!open);
  };
  const config = state.config;
  if (!config) return null;
  const hasChat = state.conversation !== null || state.pending.length > 0;
  const needsPrechat = !hasChat && config.prechat.enabled && config.prechat.fields.length > 0;
  return (
    <div
      class="root"
      style={{ '--accent': config.color }}
      dir={locale === 'fa' ? 'rtl' : 'ltr'}
      lang={locale}
    >
      {open && (
        <section class="panel" role="dialog" aria-label={config.title} data-testid="parley-panel">
          <header class="head">
            <h2>
              {config.title}
              {state.conversation && <small dir="ltr">{state.conversation.displayNumber}</small>}
            </h2>
            <button type="button" onClick={toggle} aria-label={t('close')}>
              <CloseIcon />
            </button>
          </header>
          {!hasChat && !config.online ? (
            <OfflineForm client={client} t={t} />
          ) : needsPrechat ? (
            <PrechatForm
              fields={config.prechat.fields}
              required={config.prechat.required}
              t={t}
              client={client}
            />
          ) : (
            <Conversation
              client={client}
              state={state}
              t={t}
              greeting={config.greeting[locale] ?? config.greeting.en}
            />
          )}
        </section>
      )}
      <button
        type="button"
        class="launcher"
        onClick={toggle}
        aria-label={open ? t('close') : t('open')}
        aria-expanded={open}
        data-testid="parley-launcher"
      >
        {open ? <CloseIcon /> : <ChatIcon />}
        {!open && state.unread > 0 && (
          <span
            class="badge"
            aria-label={t('unread', { count: state.unread })}
            data-testid="parley-unread"
          >
            {state.unread}
          </span>
        )}
      </button>
    </div>
  );
}

type T = (key: keyof Strings, values?: Record<string, string | number>) => string;

function Conversation(props: {
  client: ChatClient;
  state: ChatState;
  t: T;
  greeting: string | undefined;
}) {
  const { client, state, t } = props;
  const [text, setText] = useState('');
  const [uploads, setUploads] = useState<VisitorUpload[]>([]);
  const [uploading, setUploading] = useState(false);
  const [uploadFailed, setUploadFailed] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const messages = client.messages;
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [messages.length, state.typing]);
  const submit = (event: Event) => {
    event.preventDefault();
    const value = text.trim();
    if (!value && uploads.length === 0) return;
    client.send(value, undefined, uploads);
    setText('');
    setUploads([]);
  };
  const attach = (files: FileList | null) => {
    if (!files?.length) return;
    setUploading(true);
    setUploadFailed(false);
    Promise.all([...files].slice(0, 5 - uploads.length).map((f) => client.upload(f)))
      .then((done) => setUploads([...uploads, ...done]))
      .catch(() => setUploadFailed(true))
      .finally(() => setUploading(false));
  };
  const mine = messages.filter((m) => !('from' in m) || m.from === 'visitor');
  const lastMine = mine.at(-1);
  return (
    <>
      <div class="body" aria-live="polite" tabIndex={0} data-testid="parley-messages">
        {props.greeting && <p class="greeting">{props.greeting}</p>}
        {messages.map((m) => (
          <Bubble key={'id' in m ? m.id : m.clientMessageId} message={m} client={client} />
        ))}
        {lastMine && <p class="meta">{statusOf(lastMine, t)}</p>}
        {state.typing && <p class="typing">{t('typing', { name: state.typing })}</p>}
        {state.conversation?.status === 'resolved' && <p class="status">{t('resolved')}</p>}
        {!state.connected && <p class="status">{t('reconnecting')}</p>}
        {state.error && (
          <p class="note err" role="alert">
            {t('failed')}
          </p>
        )}
        <div ref={end} />
      </div>
      {(uploads.length > 0 || uploading || uploadFailed) && (
        <ul class="files" aria-live="polite">
          {uploads.map((u) => (
            <li key={u.upload}>
              {u.filename}
              <button
                type="button"
                aria-label={t('remove', { name: u.filename })}
                onClick={() => setUploads(uploads.filter((x) => x !== u))}
              >
                ×
              </button>
            </li>
          ))}
          {uploading && <li>{t('uploading')}</li>}
          {uploadFailed && <li class="err">{t('uploadFailed')}</li>}
        </ul>
      )}
      <form class="compose" onSubmit={submit}>
        <input
          ref={picker}
          type="file"
          hidden
          multiple
          accept={WIDGET_UPLOAD_TYPES.join(',')}
          onChange={(e) => {
            attach((e.target as HTMLInputElement).files);
            (e.target as HTMLInputElement).value = '';
          }}
          data-testid="parley-file"
        />
        <button
          type="button"
          class="attach"
          aria-label={t('attach')}
          onClick={() => picker.current?.click()}
        >
          <ClipIcon />
        </button>
        <textarea
          value={text}
          rows={1}
          dir="auto"
          placeholder={t('placeholder')}
          aria-label={t('placeholder')}
          onInput={(e) => {
            setText((e.target as HTMLTextAreaElement).value);
            client.typing();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) submit(e);
          }}
          data-testid="parley-input"
        />
        <button
          type="submit"
          class="send"
          disabled={(!text.trim() && uploads.length === 0) || uploading}
          data-testid="parley-send"
        >
          {t('send')}
        </button>
      </form>
    </>
  );
}

function statusOf(message: VisitorMessage | (Pending & { pending: true }), t: T): string {
  if ('pending' in message) return t('sending');
  return message.deliveryStatus === 'read' ? t('read') : t('sent');
}

function Bubble({
  message,
  client,
}: {
  message: VisitorMessage | (Pending & { pending: true });
  client: ChatClient;
}) {
  const mine = !('from' in message) || message.from === 'visitor';
  const files =
    'from' in message
      ? message.attachments.map((a) =>
          a.contentType.startsWith('image/') ? (
            <a key={a.url} href={client.url(a.url)} target="_blank" rel="noopener noreferrer">
              <img src={client.url(a.url)} alt={a.filename} />
            </a>
          ) : (
            <a
              key={a.url}
              class="file"
              href={client.url(a.url)}
              target="_blank"
              rel="noopener noreferrer"
            >
              {a.filename}
            </a>
          ),
        )
      : (message.files ?? []).map((name) => (
          <span key={name} class="file">
            {name}
          </span>
        ));
  return (
    <div
      class={`msg ${mine ? 'me' : 'them'}`}
      dir="auto"
      data-testid={mine ? 'parley-mine' : 'parley-theirs'}
    >
      {'from' in message && message.from !== 'visitor' && message.authorName && (
        <span class="who">
          <span class="avatar" aria-hidden="true">
            {message.authorName
              .split(/\s+/)
              .map((w) => w.slice(0, 1))
              .join('')
              .slice(0, 2)
              .toUpperCase()}
          </span>
          {message.authorName}
        </span>
      )}
      {message.text}
      {files}
    </div>
  );
}

function PrechatForm(props: {
  fields: PrechatField[];
  required: PrechatField[];
  t: T;
  client: ChatClient;
}) {
  const { t } = props;
  const [values, setValues] = useState<Record<string, string>>({});
  const [text, setText] = useState('');
  const types: Record<PrechatField, string> = {
    name: 'text',
    email: 'email',
    phone: 'tel',
    topic: 'text',
  };
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        const prechat: Prechat = {};
        for (const field of props.fields)
          if (values[field]?.trim()) prechat[field] = values[field].trim();
        if (text.trim()) props.client.send(text.trim(), prechat);
      }}
      data-testid="parley-prechat"
    >
      {props.fields.map((field) => (
        <label key={field}>
          {t(field)}
          <input
            type={types[field]}
            required={props.required.includes(field)}
            value={values[field] ?? ''}
            onInput={(e) => setValues({ ...values, [field]: (e.target as HTMLInputElement).value })}
            dir={field === 'email' || field === 'phone' ? 'ltr' : 'auto'}
          />
        </label>
      ))}
      <label>
        {t('message')}
        <textarea
          rows={3}
          required
          value={text}
          dir="auto"
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <button type="submit" class="primary">
        {t('start')}
      </button>
    </form>
  );
}

function OfflineForm({ client, t }: { client: ChatClient; t: T }) {
  const [kind, setKind] = useState<'message' | 'callback'>('message');
  const [values, setValues] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const field = (name: string, label: string, type = 'text', required = false) => (
    <label>
      {label}
      <input
        type={type}
        required={required}
        value={values[name] ?? ''}
        dir={type === 'email' || type === 'tel' ? 'ltr' : 'auto'}
        onInput={(e) => setValues({ ...values, [name]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );
  if (done)
    return (
      <p class="card status" role="status" data-testid="parley-offline-done">
        {t('thanks', { number: done })}
      </p>
    );
  return (
    <form
      class="card"
      data-testid="parley-offline"
      onSubmit={(e) => {
        e.preventDefault();
        setFailed(false);
        const when = values.when ? new Date(values.when) : null;
        client
          .offline({
            kind,
            name: values.name ?? '',
            ...(values.email ? { email: values.email } : {}),
            ...(values.phone ? { phone: values.phone } : {}),
            ...(values.text ? { text: values.text } : {}),
            ...(when && !Number.isNaN(when.getTime()) ? { preferredTime: when.toISOString() } : {}),
          })
          .then((result) => setDone(result.displayNumber))
          .catch(() => setFailed(true));
      }}
    >
      <strong>{t('offlineTitle')}</strong>
      <p class="note">{t('offlineText')}</p>
      <div class="tabs">
        <button type="button" aria-pressed={kind === 'message'} onClick={() => setKind('message')}>
          {t('leaveMessage')}
        </button>
        <button
          type="button"
          aria-pressed={kind === 'callback'}
          onClick={() => setKind('callback')}
        >
          {t('callBack')}
        </button>
      </div>
      {field('name', t('name'), 'text', true)}
      {kind === 'message'
        ? field('email', t('email'), 'email', true)
        : field('phone', t('phone'), 'tel', true)}
      {kind === 'callback' && field('when', t('when'), 'datetime-local')}
      <label>
        {t('message')}
        <textarea
          rows={3}
          required={kind === 'message'}
          dir="auto"
          value={values.text ?? ''}
          onInput={(e) => setValues({ ...values, text: (e.target as HTMLTextAreaElement).value })}
        />
      </label>
      {failed && (
        <p class="note err" role="alert">
          {t('failed')}
        </p>
      )}
      <button type="submit" class="primary">
        {t('submit')}
      </button>
    </form>
  );
}
