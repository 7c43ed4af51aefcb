import type { Channel, ConversationStatus, Priority } from '@parley/contract';
import {
  Globe,
  Mail,
  MessageCircle,
  MessageSquareText,
  Phone,
  Send,
  Smartphone,
  Terminal,
  type LucideIcon,
} from 'lucide-react';
import { useIntl } from 'react-intl';
import { relativeTime } from '../format.js';
import { useT } from '../i18n.js';

const channelIcons: Record<Channel, LucideIcon> = {
  email: Mail,
  chat: MessageCircle,
  sms: Smartphone,
  whatsapp: MessageSquareText,
  telegram: Send,
  webform: Globe,
  phone: Phone,
  api: Terminal,
};

export function ChannelIcon({ channel, className }: { channel: Channel; className?: string }) {
  const t = useT();
  const Icon = channelIcons[channel];
  return <Icon role="img" aria-label={t(`channel.${channel}`)} className={className ?? 'size-4'} />;
}

const statusColors: Record<ConversationStatus, string> = {
  new: 'bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200',
  open: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200',
  pending: 'bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200',
  on_hold: 'bg-violet-100 text-violet-800 dark:bg-violet-900/60 dark:text-violet-200',
  resolved: 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
  closed: 'bg-slate-200 text-slate-600 dark:bg-slate-800 dark:text-slate-400',
};

export function StatusBadge({ status }: { status: ConversationStatus }) {
  const t = useT();
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-medium ${statusColors[status]}`}
    >
      {t(`status.${status}`)}
    </span>
  );
}

const priorityColors: Record<Priority, string> = {
  low: 'text-slate-600 dark:text-slate-400',
  normal: 'text-slate-600 dark:text-slate-300',
  high: 'text-orange-700 dark:text-orange-300',
  urgent: 'text-red-700 font-semibold dark:text-red-300',
};

export function PriorityLabel({ priority }: { priority: Priority }) {
  const t = useT();
  if (priority === 'normal') return null;
  return (
    <span className={`shrink-0 text-xs ${priorityColors[priority]}`}>
      {t(`priority.${priority}`)}
    </span>
  );
}

/**
 * Time to breach: when the next SLA target of the conversation is due ("SLA in 40 min"), red
 * once overdue or breached, amber within the hour; nothing when no clock runs.
 */
export function SlaBadge({
  dueAt,
  breachedAt,
  now = Date.now(),
}: {
  dueAt: string | null;
  breachedAt: string | null;
  now?: number;
}) {
  const t = useT();
  const intl = useIntl();
  if (!dueAt && !breachedAt) return null;
  const left = dueAt ? new Date(dueAt).getTime() - now : null;
  const late = breachedAt !== null || (left !== null && left <= 0);
  const color = late
    ? 'bg-red-100 text-red-800 dark:bg-red-900/60 dark:text-red-200'
    : left !== null && left < 3_600_000
      ? 'bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200'
      : 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300';
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-medium ${color}`}
      data-testid="sla-badge"
    >
      {dueAt ? (
        <time dateTime={dueAt}>
          {t('sla.due', { when: relativeTime(dueAt, intl.locale, now) })}
        </time>
      ) : (
        t('sla.breached')
      )}
    </span>
  );
}
