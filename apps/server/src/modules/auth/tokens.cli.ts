import type { TokenScope } from '@parley/contract';
import type { Services } from '../../context.js';
import { AppError } from '../../platform/errors.js';
import { findWorkspaceBySlug } from '../workspaces/workspaces.service.js';
import { createToken } from './tokens.service.js';

const validScopes: TokenScope[] = ['read', 'write', 'admin'];

/** `parley token create`: a token for a user (by default the workspace's first owner). */
export async function createTokenFor(
  services: Services,
  props: { slug: string; email: string | undefined; name: string; scopes: string[] },
): Promise<string> {
  const scopes = props.scopes.filter((s): s is TokenScope => (validScopes as string[]).includes(s));
  if (scopes.length === 0 || scopes.length !== props.scopes.length) {
    throw new AppError(
      'validation_failed',
      `invalid --scopes "${props.scopes.join(',')}": use read, write, admin`,
    );
  }
  const workspace = await findWorkspaceBySlug({ db: services.db, slug: props.slug });
  if (!workspace)
    throw new AppError(
      'not_found',
      `no workspace "${props.slug}" (run \`parley seed\` or \`parley create-admin\`)`,
    );
  let q = services.db
    .selectFrom('users')
    .select(['id'])
    .where('workspaceId', '=', workspace.id)
    .where('status', '=', 'active');
  q = props.email
    ? q.where('email', '=', props.email.toLowerCase())
    : q.where('role', '=', 'owner').orderBy('createdAt');
  const user = await q.limit(1).executeTakeFirst();
  if (!user) {
    throw new AppError(
      'user_not_found',
      props.email
        ? `no active user ${props.email} in "${props.slug}"`
        : `no owner in "${props.slug}"`,
    );
  }
  const created = await createToken({
    db: services.db,
    workspaceId: workspace.id,
    userId: user.id,
    name: props.name,
    scopes,
  });
  return created.token;
}
