import {
  Absence,
  AbsenceCreateBody,
  AbsenceListQuery,
  AbsenceUpdateBody,
  Agent,
  AgentCapacityBody,
  AgentSkillsBody,
  ErrorResponses,
  IdParams,
  Page,
  PresenceBody,
  Schedule,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import {
  createAbsence,
  deleteAbsence,
  findAbsences,
  getAbsence,
  updateAbsence,
} from './absences.service.js';
import {
  clearSchedule,
  getAgent,
  setAgentCapacity,
  setPresence,
  setSchedule,
  setSkillsOf,
} from './agents.service.js';

const errors = ErrorResponses;
const agent = { resource: 'user' };
const managers = { resource: 'user', access: { role: 'manager' as const } };

export function availabilityRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/agents/:id',
    {
      config: agent,
      schema: {
        tags: ['availability'],
        summary:
          'What routing knows of a user: presence, hours, limits, skills, teams, absences, load',
        params: IdParams,
        response: { 200: Agent, ...errors },
      },
    },
    async (request) =>
      getAgent({ db, workspaceId: actorOf(request).workspaceId, userId: request.params.id }),
  );

  app.put(
    '/api/v1/me/presence',
    {
      schema: {
        tags: ['availability'],
        summary: 'Set your presence (online, away, offline)',
        body: PresenceBody,
        response: { 200: Agent, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return setPresence({ db, actor, userId: actor.userId, presence: request.body.presence });
    },
  );

  app.put(
    '/api/v1/agents/:id/presence',
    {
      config: agent,
      schema: {
        tags: ['availability'],
        summary: "Set someone's presence (yourself, or anyone for managers)",
        params: IdParams,
        body: PresenceBody,
        response: { 200: Agent, ...errors },
      },
    },
    async (request) =>
      setPresence({
        db,
        actor: actorOf(request),
        userId: request.params.id,
        presence: request.body.presence,
      }),
  );

  app.put(
    '/api/v1/agents/:id/schedule',
    {
      config: agent,
      schema: {
        tags: ['availability'],
        summary: 'Set working hours: an IANA time zone and weekly intervals (yours, or managers)',
        params: IdParams,
        body: Schedule,
        response: { 200: Agent, ...errors },
      },
    },
    async (request) =>
      setSchedule({
        db,
        actor: actorOf(request),
        userId: request.params.id,
        schedule: request.body,
      }),
  );

  app.delete(
    '/api/v1/agents/:id/schedule',
    {
      config: agent,
      schema: {
        tags: ['availability'],
        summary: 'Remove working hours (available whenever online)',
        params: IdParams,
        response: { 200: Agent, ...errors },
      },
    },
    async (request) => clearSchedule({ db, actor: actorOf(request), userId: request.params.id }),
  );

  app.put(
    '/api/v1/agents/:id/capacity',
    {
      config: managers,
      schema: {
        tags: ['availability'],
        summary: "Set the agent's own limits per channel (managers)",
        params: IdParams,
        body: AgentCapacityBody,
        response: { 200: Agent, ...errors },
      },
    },
    async (request) =>
      setAgentCapacity({
        db,
        actor: actorOf(request),
        userId: request.params.id,
        body: request.body,
      }),
  );

  app.put(
    '/api/v1/agents/:id/skills',
    {
      config: managers,
      schema: {
        tags: ['availability'],
        summary: "Replace the agent's skills and levels 1–5 (managers)",
        params: IdParams,
        body: AgentSkillsBody,
        response: { 200: Agent, ...errors },
      },
    },
    async (request) =>
      setSkillsOf({ db, actor: actorOf(request), userId: request.params.id, body: request.body }),
  );

  app.get(
    '/api/v1/absences',
    {
      schema: {
        tags: ['availability'],
        summary: 'Absences and vacations by start, optionally one person’s and within a period',
        querystring: AbsenceListQuery,
        response: { 200: Page(Absence), ...errors },
      },
    },
    async (request) =>
      findAbsences({ db, workspaceId: actorOf(request).workspaceId, query: request.query }),
  );

  app.post(
    '/api/v1/absences',
    {
      schema: {
        tags: ['availability'],
        summary:
          'Record an absence (yours, or anyone’s for managers); one that has begun hands back the agent’s conversations at once, a later one when it starts',
        body: AbsenceCreateBody,
        response: { 201: Absence, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createAbsence({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/absences/:id',
    {
      config: { resource: 'absence' },
      schema: {
        tags: ['availability'],
        summary: 'One absence',
        params: IdParams,
        response: { 200: Absence, ...errors },
      },
    },
    async (request) =>
      getAbsence({ db, workspaceId: actorOf(request).workspaceId, absenceId: request.params.id }),
  );

  app.patch(
    '/api/v1/absences/:id',
    {
      config: { resource: 'absence' },
      schema: {
        tags: ['availability'],
        summary: 'Change an absence: times, reason, delegate',
        params: IdParams,
        body: AbsenceUpdateBody,
        response: { 200: Absence, ...errors },
      },
    },
    async (request) =>
      updateAbsence({
        db,
        actor: actorOf(request),
        absenceId: request.params.id,
        changes: request.body,
      }),
  );

  app.delete(
    '/api/v1/absences/:id',
    {
      config: { resource: 'absence' },
      schema: {
        tags: ['availability'],
        summary: 'Delete an absence (a future one no longer hands anything back)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteAbsence({ db, actor: actorOf(request), absenceId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
