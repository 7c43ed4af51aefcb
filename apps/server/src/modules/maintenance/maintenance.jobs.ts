import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Services } from '../../context.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';

const PruneOutbox = Type.Object({ keepDays: Type.Integer({ minimum: 1 }) });

/**
 * Housekeeping: dispatched (and, for broadcast ones, published) outbox events, expired sessions (agents' and the portal's), portal
 * and two-factor challenges a day past expiry, idempotency keys and files a killed process
 * left half-written in the blob store are deleted nightly.
 */
export function outboxJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      name: 'maintenance.prune',
      payload: PruneOutbox,
      cron: { pattern: '17 3 * * *', payload: { keepDays: 7 } },
      async handler(payload, context) {
        const events = await sql`
          delete from outbox_events
           where dispatched_at < now() - make_interval(days => ${payload.keepDays})
             and (published_at is not null or not broadcast)`.execute(services.db);
        const sessions = await services.db
          .deleteFrom('sessions')
          .where('expiresAt', '<', new Date())
          .executeTakeFirst();
        await services.db
          .deleteFrom('portalSessions')
          .where('expiresAt', '<', new Date())
          .execute();
        await services.db
          .deleteFrom('portalChallenges')
          .where('expiresAt', '<', new Date(Date.now() - 86_400_000))
          .execute();
        await services.db
          .deleteFrom('twoFactorChallenges')
          .where('expiresAt', '<', new Date(Date.now() - 86_400_000))
          .execute();
        // Password reset links a day past expiry (a late click still hears "expired" until then).
        await services.db
          .deleteFrom('passwordResets')
          .where('expiresAt', '<', new Date(Date.now() - 86_400_000))
          .execute();
        await sql`delete from idempotency_keys where created_at < now() - interval '24 hours'`.execute(
          services.db,
        );
        // Files a killed process left half-written (a put takes seconds, not a day).
        const files = await services.blobs.sweepTemporary(86_400_000);
        context.log.info(
          {
            events: Number(events.numAffectedRows ?? 0),
            sessions: Number(sessions.numDeletedRows),
            halfWrittenFiles: files,
          },
          'pruned dispatched events and expired sessions',
        );
      },
    }),
  ];
}
