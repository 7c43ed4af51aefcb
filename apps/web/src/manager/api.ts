import type { QueuesOverview, SlaReport, TeamSlaForecast } from '@parley/contract';
import { request } from '../api.js';

/** The manager endpoints (loaded with the manager screens, not at first load). */
export const managerApi = {
  queues: () => request<QueuesOverview>('GET', '/queues'),
  slaReport: (props: { from: string; to: string; groupBy: 'policy' | 'team' }) =>
    request<SlaReport>('GET', `/sla/report?${new URLSearchParams(props).toString()}`),
  forecast: (teamId: string) => request<TeamSlaForecast>('GET', `/teams/${teamId}/sla-forecast`),
};

/** Query keys the realtime client marks stale (realtime.ts). */
export const queuesKey = ['queues'] as const;
export const forecastKey = (teamId: string) => ['sla-forecast', teamId] as const;
