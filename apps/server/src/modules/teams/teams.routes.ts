import {
  ErrorResponses,
  IdParams,
  Skill,
  SkillCreateBody,
  SkillListQuery,
  SkillUpdateBody,
  Team,
  TeamCreateBody,
  TeamDetail,
  TeamMemberInput,
  TeamMemberParams,
  TeamMembersBody,
  TeamUpdateBody,
} from '@parley/contract';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { createSkill, deleteSkill, findSkills, getSkill, updateSkill } from './skills.service.js';
import {
  addTeamMember,
  createTeam,
  deleteTeam,
  findTeams,
  getTeam,
  removeTeamMember,
  setTeamMembers,
  updateTeam,
} from './teams.service.js';

const errors = ErrorResponses;
const managers = { access: { role: 'manager' as const } };
const team = { ...managers, resource: 'team' };

export function teamRoutes(app: App, services: Services): void {
  const { db } = services;

  app.get(
    '/api/v1/teams',
    {
      schema: {
        tags: ['teams'],
        summary: 'Teams, by name',
        response: { 200: Type.Object({ data: Type.Array(Team) }), ...errors },
      },
    },
    async (request) => ({
      data: await findTeams({ db, workspaceId: actorOf(request).workspaceId }),
    }),
  );

  app.post(
    '/api/v1/teams',
    {
      config: managers,
      schema: {
        tags: ['teams'],
        summary: 'Create a team (managers and above)',
        body: TeamCreateBody,
        response: { 201: TeamDetail, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createTeam({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/teams/:id',
    {
      config: { resource: 'team' },
      schema: {
        tags: ['teams'],
        summary: 'A team with its members, leads and queue counts',
        params: IdParams,
        response: { 200: TeamDetail, ...errors },
      },
    },
    async (request) =>
      getTeam({ db, workspaceId: actorOf(request).workspaceId, teamId: request.params.id }),
  );

  app.patch(
    '/api/v1/teams/:id',
    {
      config: team,
      schema: {
        tags: ['teams'],
        summary: 'Change a team: name, kind, strategy, settings, capacity, calendar (managers)',
        params: IdParams,
        body: TeamUpdateBody,
        response: { 200: TeamDetail, ...errors },
      },
    },
    async (request) =>
      updateTeam({ db, actor: actorOf(request), teamId: request.params.id, changes: request.body }),
  );

  app.delete(
    '/api/v1/teams/:id',
    {
      config: team,
      schema: {
        tags: ['teams'],
        summary: 'Delete a team: its conversations keep no team, its views become private',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteTeam({ db, actor: actorOf(request), teamId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/api/v1/teams/:id/members',
    {
      config: team,
      schema: {
        tags: ['teams'],
        summary: 'Replace the members and leads (managers)',
        params: IdParams,
        body: TeamMembersBody,
        response: { 200: TeamDetail, ...errors },
      },
    },
    async (request) =>
      setTeamMembers({
        db,
        actor: actorOf(request),
        teamId: request.params.id,
        members: request.body.members,
      }),
  );

  app.post(
    '/api/v1/teams/:id/members',
    {
      config: team,
      schema: {
        tags: ['teams'],
        summary: 'Add a member, or change whether they lead (managers)',
        params: IdParams,
        body: TeamMemberInput,
        response: { 200: TeamDetail, ...errors },
      },
    },
    async (request) =>
      addTeamMember({
        db,
        actor: actorOf(request),
        teamId: request.params.id,
        member: request.body,
      }),
  );

  app.delete(
    '/api/v1/teams/:id/members/:userId',
    {
      config: team,
      schema: {
        tags: ['teams'],
        summary: 'Remove a member (managers)',
        params: TeamMemberParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await removeTeamMember({
        db,
        actor: actorOf(request),
        teamId: request.params.id,
        userId: request.params.userId,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/skills',
    {
      schema: {
        tags: ['teams'],
        summary: 'Skills of the workspace, by type and value',
        querystring: SkillListQuery,
        response: { 200: Type.Object({ data: Type.Array(Skill) }), ...errors },
      },
    },
    async (request) => ({
      data: await findSkills({
        db,
        workspaceId: actorOf(request).workspaceId,
        ...(request.query.type ? { type: request.query.type } : {}),
      }),
    }),
  );

  app.post(
    '/api/v1/skills',
    {
      config: managers,
      schema: {
        tags: ['teams'],
        summary: 'Define a skill: a type (language, product, region, channel, tier…) and a value',
        body: SkillCreateBody,
        response: { 201: Skill, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createSkill({ db, actor: actorOf(request), body: request.body })),
  );

  app.get(
    '/api/v1/skills/:id',
    {
      config: { resource: 'skill' },
      schema: {
        tags: ['teams'],
        summary: 'One skill',
        params: IdParams,
        response: { 200: Skill, ...errors },
      },
    },
    async (request) =>
      getSkill({ db, workspaceId: actorOf(request).workspaceId, skillId: request.params.id }),
  );

  app.patch(
    '/api/v1/skills/:id',
    {
      config: { ...managers, resource: 'skill' },
      schema: {
        tags: ['teams'],
        summary: 'Change a skill’s value or label (managers)',
        params: IdParams,
        body: SkillUpdateBody,
        response: { 200: Skill, ...errors },
      },
    },
    async (request) =>
      updateSkill({
        db,
        actor: actorOf(request),
        skillId: request.params.id,
        changes: request.body,
      }),
  );

  app.delete(
    '/api/v1/skills/:id',
    {
      config: { ...managers, resource: 'skill' },
      schema: {
        tags: ['teams'],
        summary: 'Delete a skill: agents lose it, conversations no longer require it',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteSkill({ db, actor: actorOf(request), skillId: request.params.id });
      return reply.status(204).send(null);
    },
  );
}
