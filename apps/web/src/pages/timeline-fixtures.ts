import type { TimelineEvent } from '@parley/contract';
import { createIntl } from 'react-intl';
import type { MessageKey } from '../messages/en.js';

/** For the tests of the timeline's words: people and teams by id. */
const names: Record<string, string> = { u1: 'Anna', u2: 'Bo', t1: 'Support', t2: 'Specialists' };
const nameOf = (id: unknown) => (typeof id === 'string' ? (names[id] ?? null) : null);

/** The words the timeline's text functions take, in `locale` (a missing value throws). */
export function timelineWords(locale: string, messages: Record<string, string>) {
  const intl = createIntl({
    locale,
    messages,
    onError: (e) => {
      throw e;
    },
  });
  return {
    intl,
    t: (key: MessageKey, values?: Record<string, string | number>) =>
      intl.formatMessage({ id: key }, values),
    formatNumber: (n: number) => intl.formatNumber(n),
    user: nameOf,
    team: nameOf,
  };
}

/** A timeline entry by a user (`actorId`) or, with null, the system. */
export const timelineEvent = (
  type: string,
  data: Record<string, unknown>,
  actorId: string | null = null,
) =>
  ({
    id: 1,
    type,
    actor: { type: actorId ? 'user' : 'system', id: actorId },
    data,
    createdAt: '2026-11-22T10:00:00.000Z',
  }) as TimelineEvent;
