import type { Services } from '../../context.js';
import { hashPassword } from '../auth/passwords.js';
import { createWorkspace, findWorkspaceBySlug, insertUser } from './workspaces.service.js';

/** `parley create-admin`: a new workspace with its owner, or one more owner for an existing one. */
export async function createAdmin(
  services: Services,
  props: { slug: string; workspaceName: string; email: string; name: string; password: string },
): Promise<{ workspaceCreated: boolean }> {
  const existing = await findWorkspaceBySlug({ db: services.db, slug: props.slug });
  if (!existing) {
    await createWorkspace({
      db: services.db,
      slug: props.slug,
      name: props.workspaceName,
      owner: { email: props.email, name: props.name, password: props.password },
    });
    return { workspaceCreated: true };
  }
  const passwordHash = await hashPassword(props.password);
  await services.db.transaction().execute((trx) =>
    insertUser(trx, {
      workspaceId: existing.id,
      email: props.email,
      name: props.name,
      role: 'owner',
      passwordHash,
    }),
  );
  return { workspaceCreated: false };
}
