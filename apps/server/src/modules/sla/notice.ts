import type { DomainEvent } from '../../platform/outbox.js';

/** An SLA warning or breach as its event tells it, and who hears of it. */
export interface SlaNotice {
  target: 'firstResponse' | 'nextResponse' | 'resolution';
  dueAt: string | null;
  policyName: string;
  /** The assignee and the team's leads (the event names them), each once. */
  users: string[];
}

/** Reads `conversation.sla_warning` / `sla_at_risk` / `sla_breached`; null without a target. */
export function slaNoticeOf(event: DomainEvent): SlaNotice | null {
  const data = event.data as {
    target?: SlaNotice['target'];
    dueAt?: string | null;
    policyName?: string;
    assigneeId?: string | null;
    leadIds?: string[];
  };
  if (!data.target) return null;
  return {
    target: data.target,
    dueAt: data.dueAt ?? null,
    policyName: data.policyName ?? '',
    users: [...new Set([data.assigneeId, ...(data.leadIds ?? [])])].filter(
      (id): id is string => typeof id === 'string',
    ),
  };
}
