import {
  Calendar,
  CalendarClosedDays,
  CalendarClosedDaysQuery,
  CalendarCreateBody,
  CalendarUpdateBody,
  ConversationSla,
  ErrorResponses,
  IdParams,
  SlaPolicy,
  SlaPolicyCreateBody,
  SlaPolicyUpdateBody,
  SlaReport,
  SlaReportQuery,
  TeamSlaForecast,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import {
  closedDays,
  createCalendar,
  deleteCalendar,
  findCalendars,
  getCalendar,
  updateCalendar,
} from './calendars.service.js';
import {
  createPolicy,
  deletePolicy,
  findPolicies,
  getPolicy,
  updatePolicy,
} from './policies.service.js';
import { teamForecast } from './forecast.service.js';
import { slaReport } from './report.service.js';
import { getConversationSla } from './sla.service.js';

const errors = ErrorResponses;
const managers = { access: { role: 'manager' as const } };
const calendar = { ...managers, resource: 'calendar' };
const policy = { ...managers, resource: 'sla_policy' };

export function slaRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/calendars',
    {
      schema: {
        tags: ['sla'],
        summary: 'Business-hours calendars, by name',
        response: { 200: Type.Object({ data: Type.Array(Calendar) }), ...errors },
      },
    },
    async (request) => ({
      data: await findCalendars({ db, workspaceId: actorOf(request).workspaceId }),
    }),
  );

  app.post(
    '/api/v1/calendars',
    {
      config: managers,
      schema: {
        tags: ['sla'],
        summary:
          'Create a calendar: time zone, weekly hours (or 24/7), national holidays, closed dates (managers)',
        body: CalendarCreateBody,
        response: { 201: Calendar, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createCalendar({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/calendars/:id',
    {
      config: { resource: 'calendar' },
      schema: {
        tags: ['sla'],
        summary: 'One calendar',
        params: IdParams,
        response: { 200: Calendar, ...errors },
      },
    },
    async (request) =>
      getCalendar({ db, workspaceId: actorOf(request).workspaceId, calendarId: request.params.id }),
  );

  app.get(
    '/api/v1/calendars/:id/closed-days',
    {
      config: { resource: 'calendar' },
      schema: {
        tags: ['sla'],
        summary: 'The days of a year the calendar is closed all day (public holidays and its own)',
        params: IdParams,
        querystring: CalendarClosedDaysQuery,
        response: { 200: CalendarClosedDays, ...errors },
      },
    },
    async (request) =>
      closedDays({
        db,
        workspaceId: actorOf(request).workspaceId,
        calendarId: request.params.id,
        year: request.query.year ?? new Date().getUTCFullYear(),
      }),
  );

  app.patch(
    '/api/v1/calendars/:id',
    {
      config: calendar,
      schema: {
        tags: ['sla'],
        summary: 'Change a calendar (managers); due times of open conversations follow',
        params: IdParams,
        body: CalendarUpdateBody,
        response: { 200: Calendar, ...errors },
      },
    },
    async (request) =>
      updateCalendar({
        db,
        actor: actorOf(request),
        calendarId: request.params.id,
        changes: request.body,
      }),
  );

  app.delete(
    '/api/v1/calendars/:id',
    {
      config: calendar,
      schema: {
        tags: ['sla'],
        summary: 'Delete a calendar no team or policy uses (managers)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteCalendar({ db, actor: actorOf(request), calendarId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/sla/policies',
    {
      schema: {
        tags: ['sla'],
        summary: 'SLA policies in the order they are tried',
        response: { 200: Type.Object({ data: Type.Array(SlaPolicy) }), ...errors },
      },
    },
    async (request) => ({
      data: await findPolicies({ db, workspaceId: actorOf(request).workspaceId }),
    }),
  );

  app.post(
    '/api/v1/sla/policies',
    {
      config: managers,
      schema: {
        tags: ['sla'],
        summary:
          'Create an SLA policy: conditions, targets, pauses, warnings, escalations (managers)',
        body: SlaPolicyCreateBody,
        response: { 201: SlaPolicy, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createPolicy({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/sla/policies/:id',
    {
      config: { resource: 'sla_policy' },
      schema: {
        tags: ['sla'],
        summary: 'One SLA policy',
        params: IdParams,
        response: { 200: SlaPolicy, ...errors },
      },
    },
    async (request) =>
      getPolicy({ db, workspaceId: actorOf(request).workspaceId, policyId: request.params.id }),
  );

  app.patch(
    '/api/v1/sla/policies/:id',
    {
      config: policy,
      schema: {
        tags: ['sla'],
        summary: 'Change an SLA policy (managers); open conversations are evaluated again',
        params: IdParams,
        body: SlaPolicyUpdateBody,
        response: { 200: SlaPolicy, ...errors },
      },
    },
    async (request) =>
      updatePolicy({
        db,
        actor: actorOf(request),
        policyId: request.params.id,
        changes: request.body,
      }),
  );

  app.delete(
    '/api/v1/sla/policies/:id',
    {
      config: policy,
      schema: {
        tags: ['sla'],
        summary: 'Delete an SLA policy (managers)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deletePolicy({ db, actor: actorOf(request), policyId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/conversations/:id/sla',
    {
      config: { resource: 'conversation' },
      schema: {
        tags: ['sla'],
        summary: "A conversation's SLA: the policy and why, each target's clock",
        params: IdParams,
        response: { 200: ConversationSla, ...errors },
      },
    },
    async (request) =>
      getConversationSla({
        db,
        workspaceId: actorOf(request).workspaceId,
        conversationId: request.params.id,
      }),
  );

  app.get(
    '/api/v1/teams/:id/sla-forecast',
    {
      config: { ...managers, resource: 'team' },
      schema: {
        tags: ['sla'],
        summary:
          'Which waiting conversations of the team are expected to breach before an agent reaches them, and the expected attainment with the agents available (managers)',
        params: IdParams,
        response: { 200: TeamSlaForecast, ...errors },
      },
    },
    async (request) =>
      teamForecast({ db, workspaceId: actorOf(request).workspaceId, teamId: request.params.id }),
  );

  app.get(
    '/api/v1/sla/report',
    {
      config: managers,
      schema: {
        tags: ['sla'],
        summary:
          'SLA attainment, breaches, median and p90 per policy or team for conversations created in a period (managers)',
        querystring: SlaReportQuery,
        response: { 200: SlaReport, ...errors },
      },
    },
    async (request) =>
      slaReport({
        db,
        workspaceId: actorOf(request).workspaceId,
        from: new Date(request.query.from),
        to: new Date(request.query.to),
        groupBy: request.query.groupBy ?? 'policy',
      }),
  );
}
