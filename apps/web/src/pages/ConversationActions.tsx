import type {
  ContactDetail,
  Conversation,
  ConversationLink,
  IdentityKind,
  Message,
} from '@parley/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { Plus, Trash2, X } from 'lucide-react';
import { useEffect, useRef, useState, type ReactNode, type SyntheticEvent } from 'react';
import { api } from '../api.js';
import { useErrorText, useT } from '../i18n.js';
import { StatusBadge } from './badges.js';
import { FormMessage, inputClass, primaryButton, secondaryButton } from './forms.js';

/**
 * The conversation tools that open on demand (loaded with the first use): merge, split,
 * links and the customer's quick edit. Destructive steps always ask first, in a native modal
 * dialog (focus kept inside, Esc cancels).
 */

const dangerButton =
  'rounded-md bg-red-700 px-4 py-2 font-medium text-white hover:bg-red-800 disabled:opacity-60';
const smallInput =
  'rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900';

/** A modal dialog opened on mount; closing it (Esc, Cancel) calls onClose. */
export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      onClose={props.onClose}
      aria-labelledby="modal-title"
      data-testid={props.testId}
      className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl border border-slate-200 bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      <h2 id="modal-title" className="mb-4 text-lg font-semibold" dir="auto">
        {props.title}
      </h2>
      {props.children}
    </dialog>
  );
}

/** "Are you sure?" for one destructive step. */
export function ConfirmDialog(props: {
  title: string;
  text: string;
  confirm: string;
  pending?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const t = useT();
  return (
    <Modal title={props.title} onClose={props.onClose} testId="confirm-dialog">
      <p className="mb-4 text-sm" dir="auto">
        {props.text}
      </p>
      {props.error && <FormMessage error>{props.error}</FormMessage>}
      <div className="mt-4 flex flex-wrap justify-end gap-2">
        <button type="button" className={secondaryButton} onClick={props.onClose} autoFocus>
          {t('dialog.cancel')}
        </button>
        <button
          type="button"
          className={dangerButton}
          disabled={props.pending}
          onClick={props.onConfirm}
        >
          {props.confirm}
        </button>
      </div>
    </Modal>
  );
}

/**
 * Text from elsewhere (numbers like #1042, subjects in any script) set apart inside a
 * sentence, so a Latin subject ending in "?" stays whole inside Persian (Unicode isolates).
 */
const isolate = (text: string) => `\u2068${text}\u2069`;

/** The conversation with this number (typed as 1042, #1042 or PRL-1042), via search. */
async function findByNumber(input: string): Promise<Conversation | null> {
  const number = /(\d+)\s*$/.exec(input.trim())?.[1];
  if (!number) return null;
  const results = await api.search(number);
  return (
    results.conversations.find((hit) => hit.conversation.number === Number(number))?.conversation ??
    null
  );
}

/** Picks a conversation by its number: the field, Find, and what was found. */
function NumberPicker(props: {
  label: string;
  exclude: string;
  picked: Conversation | null;
  onPick: (conversation: Conversation | null) => void;
  testId: string;
}) {
  const t = useT();
  const errorText = useErrorText();
  const [text, setText] = useState('');
  const find = useMutation({ mutationFn: () => findByNumber(text), onSuccess: props.onPick });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    event.stopPropagation();
    find.mutate();
  };
  const found = find.isSuccess ? find.data : undefined;
  return (
    <form onSubmit={submit} className="space-y-2">
      <label className="block text-sm font-medium">
        {props.label}
        <span className="mt-1 flex gap-2">
          <input
            className={`${inputClass} mt-0`}
            inputMode="numeric"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              props.onPick(null);
            }}
            dir="ltr"
            required
            autoFocus
            data-testid={props.testId}
          />
          <button
            type="submit"
            className={`${secondaryButton} shrink-0 whitespace-nowrap`}
            disabled={find.isPending}
          >
            {t('merge.find')}
          </button>
        </span>
      </label>
      {find.isError && <FormMessage error>{errorText(find.error)}</FormMessage>}
      {found === null && (
        <FormMessage error>{t('merge.notFound', { number: text.trim() })}</FormMessage>
      )}
      {found && found.id === props.exclude && <FormMessage error>{t('merge.self')}</FormMessage>}
    </form>
  );
}

/** Merge this conversation into another, picked by number; then open the one that remains. */
export function MergeDialog({
  conversation,
  onClose,
  onMerged,
}: {
  conversation: Conversation;
  onClose: () => void;
  onMerged: (target: Conversation) => Promise<void>;
}) {
  const t = useT();
  const errorText = useErrorText();
  const [target, setTarget] = useState<Conversation | null>(null);
  const merge = useMutation({
    mutationFn: (into: string) => api.merge(conversation.id, into),
    onSuccess: onMerged,
  });
  const usable = target && target.id !== conversation.id ? target : null;
  return (
    <Modal
      title={t('merge.title', { number: isolate(conversation.displayNumber) })}
      onClose={onClose}
      testId="merge-dialog"
    >
      <NumberPicker
        label={t('merge.number')}
        exclude={conversation.id}
        picked={target}
        onPick={setTarget}
        testId="merge-number"
      />
      {usable && (
        <div className="mt-4 space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950/40">
          <p className="flex items-center gap-2">
            <span dir="ltr">{usable.displayNumber}</span>
            <span className="min-w-0 flex-1 truncate font-medium" dir="auto">
              {usable.subject}
            </span>
            <StatusBadge status={usable.status} />
          </p>
          <p dir="auto" data-testid="merge-warning">
            {t('merge.confirm', {
              number: isolate(conversation.displayNumber),
              into: isolate(usable.displayNumber),
              subject: isolate(usable.subject),
            })}
          </p>
        </div>
      )}
      {merge.isError && <FormMessage error>{errorText(merge.error)}</FormMessage>}
      <div className="mt-4 flex flex-wrap justify-end gap-2">
        <button type="button" className={secondaryButton} onClick={onClose}>
          {t('dialog.cancel')}
        </button>
        <button
          type="button"
          className={dangerButton}
          disabled={!usable || merge.isPending}
          onClick={() => usable && merge.mutate(usable.id)}
          data-testid="merge-submit"
        >
          {t('merge.submit')}
        </button>
      </div>
    </Modal>
  );
}

/** Split one message (optionally with the later ones) into a new conversation. */
export function SplitDialog({
  conversation,
  message,
  onClose,
  onSplit,
}: {
  conversation: Conversation;
  message: Message;
  onClose: () => void;
  onSplit: () => Promise<void>;
}) {
  const t = useT();
  const errorText = useErrorText();
  const search = useSearch({ from: '/app/conversations/$id' });
  const [withFollowing, setWithFollowing] = useState(false);
  const [subject, setSubject] = useState(conversation.subject);
  const split = useMutation({
    mutationFn: () =>
      api.split(conversation.id, {
        messageId: message.id,
        withFollowing,
        ...(subject.trim() ? { subject: subject.trim() } : {}),
      }),
    onSuccess: onSplit,
  });
  const excerpt = (message.text || '').slice(0, 200);
  return (
    <Modal title={t('split.title')} onClose={onClose} testId="split-dialog">
      {split.isSuccess ? (
        <div className="space-y-4">
          <FormMessage>
            {t('split.done', { number: split.data.displayNumber })}{' '}
            <Link
              to="/conversations/$id"
              params={{ id: split.data.id }}
              search={search}
              className="underline"
              dir="ltr"
            >
              {split.data.displayNumber}
            </Link>
          </FormMessage>
          <div className="flex justify-end">
            <button type="button" className={secondaryButton} onClick={onClose} autoFocus>
              {t('shortcuts.close')}
            </button>
          </div>
        </div>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(event) => {
            event.preventDefault();
            split.mutate();
          }}
        >
          <blockquote
            className="line-clamp-3 border-s-2 border-slate-300 ps-3 text-sm text-slate-700 dark:border-slate-600 dark:text-slate-300"
            dir="auto"
          >
            {excerpt}
          </blockquote>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={withFollowing}
              onChange={(e) => setWithFollowing(e.target.checked)}
              className="size-4 accent-indigo-600"
            />
            {t('split.withFollowing')}
          </label>
          <label className="block text-sm font-medium">
            {t('split.subject')}
            <input
              className={inputClass}
              value={subject}
              maxLength={300}
              onChange={(e) => setSubject(e.target.value)}
              dir="auto"
            />
          </label>
          <p className="text-sm text-slate-700 dark:text-slate-300">{t('split.confirm')}</p>
          {split.isError && <FormMessage error>{errorText(split.error)}</FormMessage>}
          <div className="flex flex-wrap justify-end gap-2">
            <button type="button" className={secondaryButton} onClick={onClose}>
              {t('dialog.cancel')}
            </button>
            <button
              type="submit"
              className={primaryButton}
              disabled={split.isPending}
              data-testid="split-submit"
            >
              {t('split.submit')}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

const linkKinds = ['related', 'parent', 'child'] as const;

/** Linked conversations with their numbers: add by number, remove after asking. */
export function LinksSection({
  conversation,
  prefix,
}: {
  conversation: Conversation;
  prefix: string;
}) {
  const t = useT();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const search = useSearch({ from: '/app/conversations/$id' });
  const links = useQuery({
    queryKey: ['links', conversation.id],
    queryFn: () => api.links(conversation.id),
  });
  const [adding, setAdding] = useState(false);
  const [target, setTarget] = useState<Conversation | null>(null);
  const [kind, setKind] = useState<(typeof linkKinds)[number]>('related');
  const [removing, setRemoving] = useState<ConversationLink | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['links', conversation.id] });
  const add = useMutation({
    mutationFn: (id: string) => api.addLink(conversation.id, { conversationId: id, kind }),
    onSuccess: async () => {
      setAdding(false);
      setTarget(null);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (linkedId: string) => api.removeLink(conversation.id, linkedId),
    onSuccess: async () => {
      setRemoving(null);
      await refresh();
    },
  });
  const number = (n: number) => `${prefix}${String(n)}`;
  const usable = target && target.id !== conversation.id ? target : null;
  return (
    <section aria-labelledby="links-heading">
      <div className="mb-1 flex items-center justify-between">
        <h2
          id="links-heading"
          className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400"
        >
          {t('link.title')}
        </h2>
        <button
          type="button"
          className="rounded p-1 hover:bg-slate-100 dark:hover:bg-slate-800"
          aria-label={t('link.add')}
          aria-expanded={adding}
          onClick={() => setAdding((a) => !a)}
          data-testid="link-add"
        >
          <Plus aria-hidden className="size-4" />
        </button>
      </div>
      {links.data && links.data.data.length === 0 && !adding && (
        <p className="text-slate-600 dark:text-slate-400">{t('link.none')}</p>
      )}
      <ul className="space-y-1" data-testid="links">
        {links.data?.data.map((l) => (
          <li key={l.conversationId} className="flex items-center gap-2">
            <Link
              to="/conversations/$id"
              params={{ id: l.conversationId }}
              search={search}
              className="flex min-w-0 flex-1 items-center gap-2 rounded px-1 hover:bg-slate-100 dark:hover:bg-slate-800"
            >
              <span className="text-slate-600 dark:text-slate-400" dir="ltr">
                {number(l.number)}
              </span>
              <span className="min-w-0 flex-1 truncate" dir="auto">
                {l.subject}
              </span>
              <span className="text-xs text-slate-600 dark:text-slate-400">
                {t(`link.kind.${l.kind}`)}
              </span>
            </Link>
            <button
              type="button"
              className="rounded p-1 text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800"
              aria-label={t('link.remove', { number: number(l.number) })}
              onClick={() => setRemoving(l)}
            >
              <X aria-hidden className="size-4" />
            </button>
          </li>
        ))}
      </ul>
      {adding && (
        <div className="mt-2 space-y-2 rounded-md border border-slate-200 p-2 dark:border-slate-700">
          <NumberPicker
            label={t('link.number')}
            exclude={conversation.id}
            picked={target}
            onPick={setTarget}
            testId="link-number"
          />
          {usable && (
            <p className="flex items-center gap-2">
              <span dir="ltr">{usable.displayNumber}</span>
              <span className="min-w-0 flex-1 truncate" dir="auto">
                {usable.subject}
              </span>
            </p>
          )}
          <div className="flex flex-wrap items-center gap-2">
            <label className="flex items-center gap-2">
              {t('link.kind')}
              <select
                className={smallInput}
                value={kind}
                onChange={(e) => setKind(e.target.value as (typeof linkKinds)[number])}
              >
                {linkKinds.map((k) => (
                  <option key={k} value={k}>
                    {t(`link.kind.${k}`)}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className={secondaryButton}
              disabled={!usable || add.isPending}
              onClick={() => usable && add.mutate(usable.id)}
              data-testid="link-submit"
            >
              {t('link.add')}
            </button>
          </div>
          {add.isError && <FormMessage error>{errorText(add.error)}</FormMessage>}
        </div>
      )}
      {removing && (
        <ConfirmDialog
          title={t('link.remove', { number: number(removing.number) })}
          text={t('link.confirmRemove', { number: number(removing.number) })}
          confirm={t('dialog.confirm')}
          pending={remove.isPending}
          error={remove.isError ? errorText(remove.error) : null}
          onConfirm={() => remove.mutate(removing.conversationId)}
          onClose={() => {
            setRemoving(null);
            remove.reset();
          }}
        />
      )}
    </section>
  );
}

const identityKinds: IdentityKind[] = ['email', 'phone', 'whatsapp', 'telegram', 'chat'];

type AttributeRow = { key: string; value: string; original?: string };

/** An attribute's value as the text field shows it. */
function attributeText(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return '';
}

/** The customer's quick edit: name, organization, identities (each at once) and attributes. */
export function CustomerEditor({
  contact,
  onDone,
}: {
  contact: ContactDetail;
  onDone: () => void;
}) {
  const t = useT();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const organizations = useQuery({
    queryKey: ['organizations'],
    queryFn: () => api.organizations(),
    staleTime: 60_000,
  });
  const [name, setName] = useState(contact.name ?? '');
  const [organizationId, setOrganizationId] = useState(contact.organizationId ?? '');
  const [rows, setRows] = useState<AttributeRow[]>(() =>
    Object.entries(contact.attributes)
      .filter(([, v]) => v !== null && (typeof v !== 'object' || Array.isArray(v)))
      .map(([key, v]) => ({
        key,
        value: attributeText(v),
        original: key,
      })),
  );
  const [newKind, setNewKind] = useState<IdentityKind>('email');
  const [newValue, setNewValue] = useState('');
  const [removingIdentity, setRemovingIdentity] = useState<{ kind: string; value: string } | null>(
    null,
  );
  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: ['contact', contact.id] }),
      queryClient.invalidateQueries({ queryKey: ['conversation'] }),
      queryClient.invalidateQueries({ queryKey: ['conversations'] }),
    ]);
  };
  const addIdentity = useMutation({
    mutationFn: () => api.addIdentity(contact.id, { kind: newKind, value: newValue.trim() }),
    onSuccess: async () => {
      setNewValue('');
      await refresh();
    },
  });
  const removeIdentity = useMutation({
    mutationFn: (i: { kind: string; value: string }) =>
      api.removeIdentity(contact.id, i.kind, i.value),
    onSuccess: async () => {
      setRemovingIdentity(null);
      await refresh();
    },
  });
  const save = useMutation({
    mutationFn: () => {
      // Attributes: the rows as they are, and null for every key that was removed or renamed.
      const attributes: Record<string, string | number | boolean | null> = {};
      for (const key of Object.keys(contact.attributes))
        if (!rows.some((r) => r.key.trim() === key)) attributes[key] = null;
      for (const row of rows) {
        const key = row.key.trim();
        if (!key) continue;
        const before = contact.attributes[key];
        // Keep the stored type when the text still says the same (numbers, booleans).
        if (before !== undefined && before !== null && attributeText(before) === row.value)
          continue;
        attributes[key] = row.value;
      }
      return api.updateContact(contact.id, {
        name: name.trim() || null,
        organizationId: organizationId || null,
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      });
    },
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <div className="space-y-3" data-testid="customer-editor">
      <form onSubmit={submit} className="space-y-3" id="customer-edit-form">
        <label className="block">
          {t('customer.name')}
          <input
            className={`${smallInput} mt-1 block w-full`}
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            dir="auto"
            data-testid="customer-name"
          />
        </label>
        <label className="block">
          {t('customer.organization')}
          <select
            className={`${smallInput} mt-1 block w-full`}
            value={organizationId}
            onChange={(e) => setOrganizationId(e.target.value)}
          >
            <option value="">{t('customer.noOrganization')}</option>
            {organizations.data?.data.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="min-w-0 space-y-1">
          <legend className="mb-1">{t('panel.attributes')}</legend>
          {rows.map((row, index) => (
            <div key={index} className="flex items-center gap-1">
              <input
                className={`${smallInput} w-24 min-w-0`}
                aria-label={t('customer.attributeKey')}
                value={row.key}
                pattern="[a-zA-Z][a-zA-Z0-9_]{0,39}"
                onChange={(e) =>
                  setRows((all) =>
                    all.map((r, i) => (i === index ? { ...r, key: e.target.value } : r)),
                  )
                }
                dir="ltr"
              />
              <input
                className={`${smallInput} min-w-0 flex-1`}
                aria-label={t('customer.attributeValue')}
                value={row.value}
                maxLength={500}
                onChange={(e) =>
                  setRows((all) =>
                    all.map((r, i) => (i === index ? { ...r, value: e.target.value } : r)),
                  )
                }
                dir="auto"
              />
              <button
                type="button"
                className="rounded p-1 hover:bg-slate-100 dark:hover:bg-slate-800"
                aria-label={t('customer.removeAttribute', { key: row.key || '…' })}
                onClick={() => setRows((all) => all.filter((_, i) => i !== index))}
              >
                <Trash2 aria-hidden className="size-4" />
              </button>
            </div>
          ))}
          <button
            type="button"
            className="text-indigo-700 hover:underline dark:text-indigo-300"
            onClick={() => setRows((all) => [...all, { key: '', value: '' }])}
          >
            {t('customer.addAttribute')}
          </button>
        </fieldset>
      </form>
      <fieldset className="min-w-0 space-y-1">
        <legend className="mb-1">{t('panel.identities')}</legend>
        <ul className="space-y-1">
          {contact.identities.map((i) => (
            <li key={`${i.kind}:${i.value}`} className="flex items-center gap-2">
              <span className="text-slate-600 dark:text-slate-400">{t(`identity.${i.kind}`)}</span>
              <span className="min-w-0 flex-1 truncate" dir="ltr">
                {i.value}
              </span>
              <button
                type="button"
                className="rounded p-1 hover:bg-slate-100 dark:hover:bg-slate-800"
                aria-label={t('customer.removeIdentity', { value: i.value })}
                onClick={() => setRemovingIdentity(i)}
              >
                <Trash2 aria-hidden className="size-4" />
              </button>
            </li>
          ))}
        </ul>
        <form
          className="flex flex-wrap items-center gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            addIdentity.mutate();
          }}
        >
          <select
            className={smallInput}
            aria-label={t('customer.identityKind')}
            value={newKind}
            onChange={(e) => setNewKind(e.target.value as IdentityKind)}
          >
            {identityKinds.map((k) => (
              <option key={k} value={k}>
                {t(`identity.${k}`)}
              </option>
            ))}
          </select>
          <input
            className={`${smallInput} min-w-0 flex-1`}
            aria-label={t('customer.identityValue')}
            value={newValue}
            required
            maxLength={254}
            onChange={(e) => setNewValue(e.target.value)}
            dir="ltr"
            data-testid="identity-value"
          />
          <button type="submit" className={secondaryButton} disabled={addIdentity.isPending}>
            {t('customer.addIdentity')}
          </button>
        </form>
        {addIdentity.isError && <FormMessage error>{errorText(addIdentity.error)}</FormMessage>}
      </fieldset>
      {save.isError && <FormMessage error>{errorText(save.error)}</FormMessage>}
      <div className="flex flex-wrap justify-end gap-2">
        <button type="button" className={secondaryButton} onClick={onDone}>
          {t('customer.cancel')}
        </button>
        <button
          type="submit"
          form="customer-edit-form"
          className={`${primaryButton} py-1.5 text-sm`}
          disabled={save.isPending}
          data-testid="customer-save"
        >
          {t('customer.save')}
        </button>
      </div>
      {removingIdentity && (
        <ConfirmDialog
          title={t('customer.removeIdentity', { value: removingIdentity.value })}
          text={t('customer.confirmRemoveIdentity', { value: removingIdentity.value })}
          confirm={t('dialog.confirm')}
          pending={removeIdentity.isPending}
          error={removeIdentity.isError ? errorText(removeIdentity.error) : null}
          onConfirm={() => removeIdentity.mutate(removingIdentity)}
          onClose={() => {
            setRemovingIdentity(null);
            removeIdentity.reset();
          }}
        />
      )}
    </div>
  );
}
