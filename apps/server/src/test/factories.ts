import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '@parley/contract';
import type { Services } from '../context.js';
import { createSession } from '../modules/auth/auth.service.js';
import { hashPassword } from '../modules/auth/passwords.js';
import { createToken } from '../modules/auth/tokens.service.js';
import { openPortalSession } from '../modules/portal/access.service.js';
import { createWorkspace, insertUser } from '../modules/workspaces/workspaces.service.js';
import type { TokenScope } from '@parley/contract';

const unique = () => randomBytes(4).toString('hex');

// One hash for every factory user: argon2 is slow on purpose, tests need not be.
let cachedHash: Promise<string> | null = null;
export const FACTORY_PASSWORD = 'correct horse battery staple';
const factoryHash = () => (cachedHash ??= hashPassword(FACTORY_PASSWORD));

export async function buildWorkspace(
  services: Services,
  overrides: { slug?: string; name?: string } = {},
) {
  const slug = overrides.slug ?? `ws-${unique()}`;
  const { workspace, owner } = await createWorkspace({
    db: services.db,
    slug,
    name: overrides.name ?? `Workspace ${slug}`,
    owner: { email: `owner-${unique()}@example.com`, name: 'Owner', password: FACTORY_PASSWORD },
  });
  return { workspace, owner, password: FACTORY_PASSWORD };
}

/** A user in `workspaceId` (a new workspace when omitted) with the factory password. */
export async function buildUser(
  services: Services,
  overrides: { workspaceId?: string; role?: Role; email?: string; name?: string } = {},
) {
  const workspaceId = overrides.workspaceId ?? (await buildWorkspace(services)).workspace.id;
  const passwordHash = await factoryHash();
  const user = await services.db.transaction().execute((trx) =>
    insertUser(trx, {
      workspaceId,
      email: overrides.email ?? `user-${unique()}@example.com`,
      name: overrides.name ?? 'Test User',
      role: overrides.role ?? 'agent',
      passwordHash,
    }),
  );
  return user;
}

/** A signed-in session for `user`, as the api() helper takes it. */
export async function sessionFor(services: Services, user: { workspaceId: string; id: string }) {
  const session = await createSession(services.db, {
    workspaceId: user.workspaceId,
    userId: user.id,
    ip: null,
    userAgent: null,
  });
  return { cookie: session.cookie, csrf: session.csrfToken };
}

export async function tokenFor(
  services: Services,
  user: { workspaceId: string; id: string },
  scopes: TokenScope[] = ['read', 'write', 'admin'],
) {
  const created = await createToken({
    db: services.db,
    workspaceId: user.workspaceId,
    userId: user.id,
    name: 'test',
    scopes,
  });
  return { token: created.token };
}

/** A customer portal session on one conversation, for its contact (as `Bearer` headers). */
export async function portalSessionFor(
  services: Services,
  conversation: { workspaceId: string; conversationId: string },
) {
  const row = await services.db
    .selectFrom('conversations as c')
    .innerJoin('contactIdentities as i', (j) =>
      j.onRef('i.workspaceId', '=', 'c.workspaceId').onRef('i.contactId', '=', 'c.contactId'),
    )
    .select(['c.contactId', 'i.kind', 'i.value'])
    .where('c.workspaceId', '=', conversation.workspaceId)
    .where('c.id', '=', conversation.conversationId)
    .where('i.kind', 'in', ['email', 'phone', 'whatsapp'])
    .executeTakeFirstOrThrow();
  const session = await openPortalSession(services.db, {
    workspaceId: conversation.workspaceId,
    challenge: {
      id: randomUUID(),
      conversationId: conversation.conversationId,
      contactId: row.contactId,
      identityKind: row.kind as 'email' | 'phone' | 'whatsapp',
      identityValue: row.value,
    },
    ip: null,
    userAgent: null,
    via: 'code',
  });
  return { authorization: `Bearer ${session.token}` };
}
