import { randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { registeredRoutes, type Actor } from '../platform/http.js';
import { createField } from '../modules/fields/fields.service.js';
import { createMailbox } from '../modules/email/mailboxes.service.js';
import { storeInboundEmail } from '../modules/email/inbound.service.js';
import { createView } from '../modules/views/views.service.js';
import { createTeam } from '../modules/teams/teams.service.js';
import { createSkill } from '../modules/teams/skills.service.js';
import { createAbsence } from '../modules/availability/absences.service.js';
import { createRule } from '../modules/routing/rules.service.js';
import { createCanned } from '../modules/canned/canned.service.js';
import { createCalendar } from '../modules/sla/calendars.service.js';
import { createPolicy } from '../modules/sla/policies.service.js';
import { subscribe } from '../modules/notifications/push.service.js';
import { createInvitation } from '../modules/workspaces/invitations.service.js';
import { ingest } from '../modules/conversations/ingest.js';
import { api, useTestApp, type TestContext } from './harness.js';
import { buildUser, buildWorkspace, portalSessionFor, tokenFor } from './factories.js';

/**
 * Tenant isolation, checked for every route the app registers: each route that takes an
 * `:id` is called by the owner of workspace A with the id of a resource that belongs to
 * workspace B, and must answer 404 (or 403) and leave B's resource untouched.
 *
 * A new route with an `:id` must declare `config.resource`; a new resource kind needs an
 * entry in `resources` below; a new route with a body needs a valid sample in `bodies`.
 * The sweep fails loudly until both exist, so no route escapes it.
 *
 * The customer portal's routes name a ticket by `:slug` and `:number` and take a portal
 * session instead: each is called with a session for one ticket of workspace A, naming
 * another ticket of A and a ticket of B, and must answer 404 and leave both untouched.
 */

interface ResourceKind {
  /** Creates one in workspace B and returns its id. */
  create(t: TestContext, b: Awaited<ReturnType<typeof buildWorkspace>>): Promise<string>;
  /** True while B's resource is as it was created. */
  intact(t: TestContext, id: string): Promise<boolean>;
}

/** Workspace B's owner acting through the services (to create B's resources). */
function ownerActor(b: Awaited<ReturnType<typeof buildWorkspace>>): Actor {
  return {
    workspaceId: b.workspace.id,
    userId: b.owner.id,
    role: 'owner',
    via: 'token',
    scopes: ['admin'],
    csrfToken: null,
    credentialId: 'test',
  };
}

const resources: Record<string, ResourceKind> = {
  team: {
    create: async (t, b) =>
      (
        await createTeam({
          db: t.services.db,
          actor: ownerActor(b),
          body: {
            name: `Untouched ${randomBytes(3).toString('hex')}`,
            kind: 'support',
            members: [{ userId: b.owner.id, lead: true }],
          },
        })
      ).id,
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('teams')
        .select(['name', 'assignmentStrategy'])
        .where('id', '=', id)
        .executeTakeFirst();
      const members = await t.services.db
        .selectFrom('teamMembers')
        .select(['userId', 'lead'])
        .where('teamId', '=', id)
        .execute();
      return (
        row?.name.startsWith('Untouched') === true &&
        row.assignmentStrategy === 'manual' &&
        members.length === 1 &&
        members[0]?.lead === true
      );
    },
  },
  skill: {
    create: async (t, b) =>
      (
        await createSkill({
          db: t.services.db,
          actor: ownerActor(b),
          body: {
            type: 'language',
            value: `sv-${randomBytes(3).toString('hex')}`,
            label: 'Untouched',
          },
        })
      ).id,
    intact: async (t, id) =>
      (
        await t.services.db
          .selectFrom('skills')
          .select('label')
          .where('id', '=', id)
          .executeTakeFirst()
      )?.label === 'Untouched',
  },
  absence: {
    create: async (t, b) =>
      (
        await createAbsence({
          db: t.services.db,
          actor: ownerActor(b),
          body: {
            // Each sweep step needs its own absent person: absences of one person never overlap.
            userId: (await buildUser(t.services, { workspaceId: b.workspace.id })).id,
            startsAt: '2099-01-01T00:00:00Z',
            endsAt: '2099-01-08T00:00:00Z',
            reason: 'Untouched',
          },
        })
      ).id,
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('absences')
        .select(['reason', 'startsAt'])
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        row?.reason === 'Untouched' && row.startsAt.toISOString() === '2099-01-01T00:00:00.000Z'
      );
    },
  },
  canned_response: {
    create: async (t, b) =>
      (
        await createCanned({
          db: t.services.db,
          actor: ownerActor(b),
          body: { title: 'Untouched', body: 'Hej {customerFirstName}!', shared: true },
        })
      ).id,
    intact: async (t, id) =>
      (
        await t.services.db
          .selectFrom('cannedResponses')
          .select('title')
          .where('id', '=', id)
          .executeTakeFirst()
      )?.title === 'Untouched',
  },
  routing_rule: {
    create: async (t, b) =>
      (
        await createRule({
          db: t.services.db,
          actor: ownerActor(b),
          body: {
            name: 'Untouched',
            position: 7,
            conditions: { languages: ['sv'] },
            actions: { priority: 'high' },
          },
        })
      ).id,
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('routingRules')
        .select(['name', 'position', 'enabled'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.name === 'Untouched' && row.position === 7 && row.enabled;
    },
  },
  calendar: {
    create: async (t, b) =>
      (
        await createCalendar({
          db: t.services.db,
          actor: ownerActor(b),
          body: {
            name: `Untouched ${randomBytes(3).toString('hex')}`,
            timeZone: 'Europe/Stockholm',
            alwaysOpen: true,
          },
        })
      ).id,
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('slaCalendars')
        .select(['name', 'alwaysOpen'])
        .where('id', '=', id)
        .executeTakeFirst();
      return (row?.name.startsWith('Untouched ') ?? false) && row?.alwaysOpen === true;
    },
  },
  sla_policy: {
    create: async (t, b) =>
      (
        await createPolicy({
          db: t.services.db,
          actor: ownerActor(b),
          body: {
            name: 'Untouched',
            position: 3,
            targets: { firstResponse: { seconds: 3600, businessHours: false } },
          },
        })
      ).id,
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('slaPolicies')
        .select(['name', 'position', 'enabled'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.name === 'Untouched' && row.position === 3 && row.enabled;
    },
  },
  push_subscription: {
    create: async (t, b) =>
      (
        await subscribe({
          db: t.services.db,
          config: t.config,
          actor: ownerActor(b),
          body: {
            endpoint: `https://push.example.com/${randomBytes(6).toString('hex')}`,
            keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) },
          },
          userAgent: null,
        })
      ).id,
    intact: async (t, id) =>
      (await t.services.db
        .selectFrom('pushSubscriptions')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst()) !== undefined,
  },
  user: {
    create: async (t, b) =>
      (await buildUser(t.services, { workspaceId: b.workspace.id, name: 'Untouched' })).id,
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      // Routing data (presence, hours, limits, skills) is created on first use: none yet.
      const agent = await t.services.db
        .selectFrom('agents')
        .select('userId')
        .where('userId', '=', id)
        .executeTakeFirst();
      return (
        row?.name === 'Untouched' &&
        row.status === 'active' &&
        row.role === 'agent' &&
        agent === undefined
      );
    },
  },
  token: {
    create: async (t, b) => {
      const token = await tokenFor(t.services, b.owner);
      const row = await t.services.db
        .selectFrom('apiTokens')
        .select('id')
        .where('workspaceId', '=', b.workspace.id)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(token.token).toContain(b.workspace.id);
      return row.id;
    },
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('apiTokens')
        .select('revokedAt')
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined && row.revokedAt === null;
    },
  },
  conversation: {
    create: async (t, b) =>
      (
        await ingest(t.services.db, {
          workspaceId: b.workspace.id,
          channel: 'email',
          from: { kind: 'email', value: 'customer-b@example.com' },
          subject: 'Untouched',
          text: 'Private to workspace B',
        })
      ).conversationId,
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        row?.subject === 'Untouched' &&
        row.status === 'new' &&
        row.messageCount === 1 &&
        row.assigneeId === null
      );
    },
  },
  contact: {
    create: async (t, b) => {
      const { conversationId } = await ingest(t.services.db, {
        workspaceId: b.workspace.id,
        channel: 'email',
        from: { kind: 'email', value: `contact-${Date.now()}@example.com`, name: 'Untouched' },
        text: 'Hej',
      });
      const row = await t.services.db
        .selectFrom('conversations')
        .select('contactId')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();
      return row.contactId;
    },
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('contacts')
        .select(['name', 'notes', 'mergedIntoId', 'organizationId'])
        .where('id', '=', id)
        .executeTakeFirst();
      const identities = await t.services.db
        .selectFrom('contactIdentities')
        .select('value')
        .where('contactId', '=', id)
        .execute();
      return (
        row?.name === 'Untouched' &&
        row.notes === null &&
        row.mergedIntoId === null &&
        row.organizationId === null &&
        identities.length === 1
      );
    },
  },
  organization: {
    create: async (t, b) => {
      const id = uuidv7();
      await t.services.db
        .insertInto('organizations')
        .values({
          workspaceId: b.workspace.id,
          id,
          name: 'Untouched',
          domains: [`b-${id}.example.com`],
          attributes: '{}',
        })
        .execute();
      return id;
    },
    intact: async (t, id) => {
      const row = await t.services.db
        .selectFrom('organizations')
        .select(['name', 'domains', 'notes'])
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        row?.name === 'Untouched' &&
        row.notes === null &&
        JSON.stringify(row.domains) === JSON.stringify([`b-${id}.example.com`])
      );
    },
  },
  custom_field: {
    create: async (t, b) =>
      (
        await createField({
          db: t.services.db,
          actor: ownerActor(b),
          body: {
            entity: 'conversation',
            key: `untouched_${randomBytes(3).toString('hex')}`,
            label: 'Untouched',
            type: 'text',
          },
        })
      ).id,
    intact: async (t, id) =>
      (
        await t.services.db
          .selectFrom('customFieldDefinitions')
          .select('label')
          .where('id', '=', id)
          .executeTakeFirst()
      )?.label === 'Untouched',
  },
  view: {
    create: async (t, b) =>
      (
        await createView({
          db: t.services.db,
          actor: ownerActor(b),
          body: { name: 'Untouched', visibility: 'workspace', filters: { status: 'open' } },
        })
      ).id,
    intact: async (t, id) =>
      (
        await t.services.db
          .selectFrom('savedViews')
          .select('name')
          .where('id', '=', id)
          .executeTakeFirst()
      )?.name === 'Untouched',
  },
  mailbox: {
    create: async (t, b) =>
      (
        await createMailbox({
          db: t.services.db,
          secretKey: t.config.secretKey,
          actor: ownerActor(b),
          body: {
            name: 'Untouched',
            address: `untouched-${randomBytes(4).toString('hex')}@example.com`,
          },
        })
      ).id,
    intact: async (t, id) =>
      (
        await t.services.db
          .selectFrom('mailboxes')
          .select('name')
          .where('id', '=', id)
          .executeTakeFirst()
      )?.name === 'Untouched',
  },
  inbound_email: {
    create: async (t, b) => {
      const mailbox = await createMailbox({
        db: t.services.db,
        secretKey: t.config.secretKey,
        actor: ownerActor(b),
        body: { name: 'In', address: `in-${randomBytes(4).toString('hex')}@example.com` },
      });
      const { stored } = await storeInboundEmail(t.services, {
        mailboxes: [{ workspaceId: b.workspace.id, mailboxId: mailbox.id }],
        raw: Buffer.from('From: a@example.com\r\nSubject: Untouched\r\n\r\nPrivate to B\r\n'),
        envelope: { source: 'webhook', from: 'a@example.com', to: [], remoteAddress: null },
        maxBytes: 10_000,
      });
      return stored[0] ?? '';
    },
    intact: async (t, id) =>
      (await t.services.db
        .selectFrom('inboundEmails')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst()) !== undefined,
  },
  invitation: {
    create: async (t, b) =>
      (
        await createInvitation({
          db: t.services.db,
          actor: ownerActor(b),
          body: { email: `invitee-${Date.now()}@example.com`, role: 'agent' },
          publicUrl: 'http://localhost',
        })
      ).id,
    intact: async (t, id) =>
      (await t.services.db
        .selectFrom('invitations')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst()) !== undefined,
  },
};

/** A valid body for each route that takes one, so the request reaches the lookup. */
const bodies: Record<string, unknown> = {
  'PATCH /api/v1/users/:id': { name: 'Hijacked', role: 'collaborator', status: 'deactivated' },
  'PUT /api/v1/users/:id/avatar': {
    dataUrl:
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  },
  'PATCH /api/v1/conversations/:id': { subject: 'Hijacked', status: 'closed' },
  'PATCH /api/v1/contacts/:id': { name: 'Hijacked', notes: 'mine now' },
  'POST /api/v1/contacts/:id/identities': { kind: 'email', value: 'hijacked@example.com' },
  'POST /api/v1/contacts/:id/merge': { into: '01a20000-0000-7000-8000-000000000000' },
  'PATCH /api/v1/organizations/:id': { name: 'Hijacked', domains: ['hijacked.example.com'] },
  'POST /api/v1/conversations/:id/messages': { kind: 'reply', text: 'Hijacked' },
  'POST /api/v1/conversations/:id/merge': { into: '01a20000-0000-7000-8000-000000000000' },
  'POST /api/v1/conversations/:id/split': { messageId: '01a20000-0000-7000-8000-000000000000' },
  'POST /api/v1/conversations/:id/escalate': { note: 'Hijacked' },
  'PATCH /api/v1/custom-fields/:id': { label: 'Hijacked' },
  'PATCH /api/v1/views/:id': { name: 'Hijacked' },
  'PATCH /api/v1/canned-responses/:id': { title: 'Hijacked' },
  'POST /api/v1/canned-responses/:id/render': {
    conversationId: '01a20000-0000-7000-8000-000000000000',
  },
  'PATCH /api/v1/teams/:id': { name: 'Hijacked', assignmentStrategy: 'round_robin' },
  'PUT /api/v1/teams/:id/members': { members: [] },
  'POST /api/v1/teams/:id/members': { userId: '01a20000-0000-7000-8000-000000000000' },
  'PATCH /api/v1/skills/:id': { label: 'Hijacked' },
  'PATCH /api/v1/routing-rules/:id': { name: 'Hijacked', enabled: false, position: 1 },
  'PATCH /api/v1/calendars/:id': {
    name: 'Hijacked',
    alwaysOpen: false,
    weeklyHours: { mon: [{ from: '09:00', to: '10:00' }] },
  },
  'PATCH /api/v1/sla/policies/:id': { name: 'Hijacked', enabled: false, position: 1 },
  'PUT /api/v1/agents/:id/presence': { presence: 'online' },
  'PUT /api/v1/agents/:id/schedule': {
    timeZone: 'Europe/Warsaw',
    weeklyHours: { mon: [{ from: '09:00', to: '17:00' }] },
  },
  'PUT /api/v1/agents/:id/capacity': { limits: { chat: 1 } },
  'PUT /api/v1/agents/:id/skills': { skills: [] },
  'PATCH /api/v1/absences/:id': { reason: 'Hijacked', startsAt: '2099-02-01T00:00:00Z' },
  'PATCH /api/v1/mailboxes/:id': { name: 'Hijacked' },
  'POST /api/v1/portal/:slug/tickets/:number/messages': { text: 'Hijacked' },
  'POST /api/v1/conversations/:id/links': {
    conversationId: '01a20000-0000-7000-8000-000000000000',
    kind: 'related',
  },
};

/**
 * Path parameters other than `:id` that must be something other than an unknown UUID to
 * pass validation, computed from B's resource so the request aims at B's real data.
 */
const otherParams: Record<string, (t: TestContext, id: string) => Promise<Record<string, string>>> =
  {
    'DELETE /api/v1/contacts/:id/identities/:kind/:value': async (t, id) => {
      const identity = await t.services.db
        .selectFrom('contactIdentities')
        .select(['kind', 'value'])
        .where('contactId', '=', id)
        .executeTakeFirstOrThrow();
      return { kind: identity.kind, value: encodeURIComponent(identity.value) };
    },
    // A well-formed blob key: the conversation itself is B's.
    'GET /api/v1/conversations/:id/attachments/:key': () =>
      Promise.resolve({ key: 'a'.repeat(64) }),
  };

const t = useTestApp();

describe('cross-workspace sweep', () => {
  it('every route with an :id answers 404/403 to another workspace and changes nothing', async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    const asA = await tokenFor(t.services, a.owner, ['read', 'write', 'admin']);

    const routes = registeredRoutes(t.app).filter(
      (r) => r.url.includes(':id') && r.method !== 'HEAD',
    );
    expect(routes.length).toBeGreaterThan(0);
    const checked: string[] = [];
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const kind = route.config.resource;
      expect(kind, `${name} must declare config.resource`).toBeDefined();
      const resource = resources[kind ?? ''];
      expect(
        resource,
        `add a "${kind ?? ''}" entry to resources in tenant-sweep.test.ts`,
      ).toBeDefined();
      if (!resource) continue;
      const takesBody =
        typeof route.schema === 'object' && route.schema !== null && 'body' in route.schema;
      if (takesBody)
        expect(bodies[name], `add a valid sample body for ${name} to bodies`).toBeDefined();

      const id = await resource.create(t, b);
      const others = (await otherParams[name]?.(t, id)) ?? {};
      const res = await api(
        t.app,
        route.method as 'GET',
        route.url
          .replace(':id', id)
          .replace(
            /:(\w+)/g,
            (_, param: string) => others[param] ?? '01a20000-0000-7000-8000-000000000001',
          ),
        {
          as: asA,
          ...(takesBody ? { body: bodies[name] } : {}),
        },
      );
      expect(
        [403, 404],
        `${name} answered ${res.statusCode}: ${JSON.stringify(res.body)}`,
      ).toContain(res.statusCode);
      expect(JSON.stringify(res.body)).not.toContain(id);
      expect(await resource.intact(t, id), `${name} changed workspace B's ${kind ?? ''}`).toBe(
        true,
      );
      checked.push(name);
    }
    expect(checked.length).toBe(routes.length);
  });

  it('every portal route with a :number answers 404 to a session of another ticket or workspace', async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    const conversation = resources.conversation;
    if (!conversation) throw new Error('the conversation resource is missing');
    const mine = await conversation.create(t, a);
    const session = await portalSessionFor(t.services, {
      workspaceId: a.workspace.id,
      conversationId: mine,
    });
    const routes = registeredRoutes(t.app).filter(
      (r) => r.url.includes(':number') && r.method !== 'HEAD',
    );
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      expect(route.url, `${name} names its workspace by :slug`).toContain(':slug');
      const takesBody =
        typeof route.schema === 'object' && route.schema !== null && 'body' in route.schema;
      if (takesBody)
        expect(bodies[name], `add a valid sample body for ${name} to bodies`).toBeDefined();
      // Another ticket of the same workspace (and the same customer), then one of workspace B.
      const targets = [
        { workspace: a, id: await conversation.create(t, a) },
        { workspace: b, id: await conversation.create(t, b) },
      ];
      for (const target of targets) {
        const { number } = await t.services.db
          .selectFrom('conversations')
          .select('number')
          .where('id', '=', target.id)
          .executeTakeFirstOrThrow();
        const res = await api(
          t.app,
          route.method as 'GET',
          route.url
            .replace(':slug', target.workspace.workspace.slug)
            .replace(':number', String(number)),
          { headers: session, ...(takesBody ? { body: bodies[name] } : {}) },
        );
        expect(
          res.statusCode,
          `${name} answered ${res.statusCode}: ${JSON.stringify(res.body)}`,
        ).toBe(404);
        expect(JSON.stringify(res.body)).not.toContain('Untouched');
        expect(await conversation.intact(t, target.id), `${name} changed another ticket`).toBe(
          true,
        );
      }
    }
  });

  it('lists only ever show the caller’s workspace', async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    await buildUser(t.services, { workspaceId: b.workspace.id });
    const asA = await tokenFor(t.services, a.owner, ['read', 'write', 'admin']);
    const users = await api(t.app, 'GET', '/api/v1/users', { as: asA });
    expect(users.body.data.map((u: { id: string }) => u.id)).toEqual([a.owner.id]);

    // One of everything in B; then every list (a GET without path parameters) and every
    // filter that names one of B's ids, as A: none of B's ids may come back.
    const theirs: string[] = [b.workspace.id, b.owner.id];
    const byKind: Record<string, string> = {};
    for (const [kind, resource] of Object.entries(resources)) {
      const id = await resource.create(t, b);
      byKind[kind] = id;
      theirs.push(id);
    }
    const lists = registeredRoutes(t.app).filter(
      (r) => r.method === 'GET' && r.url.startsWith('/api/v1/') && !r.url.includes(':'),
    );
    expect(lists.length).toBeGreaterThan(20);
    const filtered = [
      `/api/v1/conversations?assignee=${b.owner.id}`,
      `/api/v1/conversations?teamId=${byKind.team ?? ''}`,
      `/api/v1/conversations?contactId=${byKind.contact ?? ''}`,
      `/api/v1/search?q=Untouched&contactId=${byKind.contact ?? ''}`,
      `/api/v1/search?q=Untouched`,
      `/api/v1/contacts?organizationId=${byKind.organization ?? ''}`,
    ];
    // The same lists as B show B's things: the check below can see a leak.
    const asB = await tokenFor(t.services, b.owner, ['read', 'write', 'admin']);
    for (const [url, kind] of [
      ['/api/v1/conversations', 'conversation'],
      ['/api/v1/contacts', 'contact'],
      ['/api/v1/views', 'view'],
      ['/api/v1/mailboxes', 'mailbox'],
      ['/api/v1/teams', 'team'],
    ] as const) {
      const own = await api(t.app, 'GET', url, { as: asB });
      expect(JSON.stringify(own.body), url).toContain(byKind[kind] ?? 'missing');
    }
    for (const url of [...lists.map((r) => r.url), ...filtered]) {
      const res = await api(t.app, 'GET', url, { as: asA });
      expect(res.statusCode, `${url} answered ${res.statusCode}`).toBeLessThan(500);
      const text = JSON.stringify(res.body ?? '');
      for (const id of theirs) expect(text, `${url} shows B's ${id}`).not.toContain(id);
    }
  });
});
