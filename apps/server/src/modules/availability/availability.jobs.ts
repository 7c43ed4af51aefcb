import type { Services } from '../../context.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';
import { absenceStartJob, runAbsenceStart } from './absences.service.js';

/** `availability.absence_started`: at an absence's start, the agent's conversations go back. */
export function availabilityJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...absenceStartJob,
      async handler(payload) {
        await runAbsenceStart(services.db, payload);
      },
    }),
  ];
}
