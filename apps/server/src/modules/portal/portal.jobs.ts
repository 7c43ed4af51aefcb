import type { Services } from '../../context.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';
import { createChallenge, portalAccessJob } from './access.service.js';

/** `portal.access`: checks an access request and, when it matches, queues the code and link. */
export function portalJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...portalAccessJob,
      async handler(request, context) {
        const challengeId = await createChallenge({
          db: services.db,
          secretKey: services.config.secretKey,
          publicUrl: services.config.publicUrl,
          request,
        });
        // Whether it matched is for the debug log only, never for the requester.
        context.log.debug({ slug: request.slug, matched: challengeId !== null }, 'portal access');
      },
    }),
  ];
}
