import { getWidgetSettings } from '../widget/widget.service.js';
import { createCanned } from '../canned/canned.service.js';
import type { Db } from '../../database.js';
import { createMailbox } from '../email/mailboxes.service.js';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../../context.js';
import { verifyPassword, hashPassword } from '../auth/passwords.js';
import { seedDemoConversations } from './demo.conversations.js';
import type { Actor } from '../../platform/http.js';
import { setSkillsOf } from '../availability/agents.service.js';
import { createSkill } from '../teams/skills.service.js';
import { createTeam } from '../teams/teams.service.js';
import {
  createWorkspace,
  findWorkspaceBySlug,
  insertUser,
} from '../workspaces/workspaces.service.js';

export const DEMO_SLUG = 'demo';
export const DEMO_OWNER = 'owner@demo.localhost';

export interface DemoLogin {
  url: string;
  email: string;
  password: string;
  workspace: string;
  /** Where mail to the demo workspace goes (absent in logins saved by older versions). */
  mailbox?: string;
  /** The chat widget's public key (absent in logins saved by older versions). */
  widgetKey?: string;
}

export const DEMO_MAILBOX = 'support@demo.localhost';

/** The demo team: one agent per language Parley speaks from day one. */
const agents = [
  { email: 'ola@demo.localhost', name: 'Ola Nowak', role: 'agent', locale: 'pl' },
  { email: 'sven@demo.localhost', name: 'Sven Lindqvist', role: 'agent', locale: 'sv' },
  { email: 'sara@demo.localhost', name: 'سارا احمدی', role: 'agent', locale: 'fa' },
  { email: 'li@demo.localhost', name: '李伟', role: 'manager', locale: 'zh' },
  { email: 'finance@demo.localhost', name: 'Frank Finance', role: 'collaborator', locale: 'en' },
] as const;

const loginFile = (services: Services) => join(services.config.dataDir, 'demo-login.json');

/**
 * Creates the demo workspace once: an owner with a generated password (kept in
 * DATA_DIR/demo-login.json so later starts can print it again), a multilingual team and
 * demo conversations from the four source articles. With `ifEmpty`, only on a database
 * that has no workspace at all.
 */
export async function seedDemo(
  services: Services,
  options: { ifEmpty?: boolean } = {},
): Promise<{ created: true; login: DemoLogin } | { created: false }> {
  const { db } = services;
  if (options.ifEmpty) {
    const any = await db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
    if (any) return { created: false };
  }
  if (await findWorkspaceBySlug({ db, slug: DEMO_SLUG })) return { created: false };
  const password = randomBytes(9).toString('base64url');
  const { workspace, owner } = await createWorkspace({
    db,
    slug: DEMO_SLUG,
    name: 'Demo Support',
    owner: { email: DEMO_OWNER, name: 'Olivia Owner', password },
  });
  const agentHash = await hashPassword(randomBytes(16).toString('hex'));
  const users = await db.transaction().execute(async (trx) => {
    const created = [];
    for (const agent of agents) {
      created.push(
        await insertUser(trx, { workspaceId: workspace.id, ...agent, passwordHash: agentHash }),
      );
    }
    return created;
  });
  await seedDemoTeams(db, { workspaceId: workspace.id, ownerId: owner.id }, users);
  await seedDemoConversations(db, workspace.id);
  await createMailbox({
    db,
    secretKey: services.config.secretKey,
    actor: { workspaceId: workspace.id, userId: null },
    body: { name: 'Support', address: DEMO_MAILBOX, displayName: 'Demo Support' },
  });
  const widget = await seedDemoWidget(db, workspace.id);
  await seedDemoCanned(db, { workspaceId: workspace.id, ownerId: owner.id });
  const login: DemoLogin = {
    widgetKey: widget.publicKey,
    url: services.config.publicUrl,
    email: DEMO_OWNER,
    password,
    workspace: DEMO_SLUG,
    mailbox: DEMO_MAILBOX,
  };
  await writeFile(loginFile(services), JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
  services.log.info({ workspace: DEMO_SLUG }, 'demo workspace created');
  return { created: true, login };
}

/**
 * Two teams: multilingual support (each agent speaks their language at level 5, English at
 * 4; Li leads) and finance (Frank, a collaborator, with Li as lead).
 */
async function seedDemoTeams(
  db: Services['db'],
  owner: { workspaceId: string; ownerId: string },
  users: { id: string; email: string; locale: string }[],
) {
  const actor: Actor = {
    workspaceId: owner.workspaceId,
    userId: owner.ownerId,
    role: 'owner',
    via: 'session',
    scopes: ['admin'],
    csrfToken: null,
    credentialId: 'demo-seed',
  };
  const byEmail = (email: string) => users.find((u) => u.email === email)?.id ?? '';
  const li = byEmail('li@demo.localhost');
  const support = users.filter((u) => u.email !== 'finance@demo.localhost');
  await createTeam({
    db,
    actor,
    body: {
      name: 'Support',
      kind: 'support',
      assignmentStrategy: 'skills_best_match',
      capacity: { limits: { email: 20, chat: 3 } },
      members: support.map((u) => ({ userId: u.id, lead: u.id === li })),
    },
  });
  await createTeam({
    db,
    actor,
    body: {
      name: 'Finance',
      kind: 'finance',
      members: [{ userId: byEmail('finance@demo.localhost') }, { userId: li, lead: true }],
    },
  });
  const languages = new Map<string, string>();
  for (const value of ['en', 'pl', 'sv', 'fa', 'zh']) {
    languages.set(value, (await createSkill({ db, actor, body: { type: 'language', value } })).id);
  }
  for (const user of support) {
    const skills = [{ skillId: languages.get(user.locale) ?? '', level: 5 }];
    if (user.locale !== 'en') skills.push({ skillId: languages.get('en') ?? '', level: 4 });
    await setSkillsOf({ db, actor, userId: user.id, body: { skills } });
  }
}

/** The demo login saved at seeding, while its password still works. */
export async function demoLogin(services: Services): Promise<DemoLogin | null> {
  try {
    const saved = JSON.parse(await readFile(loginFile(services), 'utf8')) as DemoLogin;
    const user = await services.db
      .selectFrom('users')
      .innerJoin('workspaces', 'workspaces.id', 'users.workspaceId')
      .select(['users.passwordHash'])
      .where('workspaces.slug', '=', saved.workspace)
      .where('users.email', '=', saved.email)
      .executeTakeFirst();
    if (!user || !(await verifyPassword(user.passwordHash, saved.password))) return null;
    return { ...saved, mailbox: saved.mailbox ?? DEMO_MAILBOX, url: services.config.publicUrl };
  } catch {
    return null;
  }
}

/** The chat widget: a pre-chat form (name required), greetings in the five languages. */
async function seedDemoWidget(db: Db, workspaceId: string) {
  await getWidgetSettings(db, workspaceId);
  await db
    .updateTable('widgetSettings')
    .set({
      title: 'Demo Support',
      greeting: JSON.stringify({
        en: 'Hi! Ask us anything — we usually answer within minutes.',
        pl: 'Cześć! Zapytaj o cokolwiek — zwykle odpowiadamy w kilka minut.',
        sv: 'Hej! Fråga oss vad som helst — vi svarar oftast inom några minuter.',
        fa: 'سلام! هر سؤالی دارید بپرسید — معمولاً در چند دقیقه پاسخ می‌دهیم.',
        zh: '您好！有任何问题都可以问我们——我们通常几分钟内回复。',
      }),
      prechat: JSON.stringify({ enabled: true, fields: ['name', 'email'], required: ['name'] }),
      updatedAt: new Date(),
    })
    .where('workspaceId', '=', workspaceId)
    .execute();
  return getWidgetSettings(db, workspaceId);
}

/** Shared canned responses in the five languages, with placeholders. */
async function seedDemoCanned(db: Db, props: { workspaceId: string; ownerId: string }) {
  const actor: Actor = {
    workspaceId: props.workspaceId,
    userId: props.ownerId,
    role: 'owner',
    via: 'session',
    scopes: ['admin'],
    csrfToken: null,
    credentialId: 'demo-seed',
  };
  const responses = [
    {
      title: 'We are looking into it',
      shortcut: 'looking',
      language: 'en',
      body: 'Hi {customerFirstName},\n\nthank you for your patience. We are looking into {number} and will write back today.\n\n{agentFirstName}, {workspace}',
    },
    {
      title: 'Paczka w drodze',
      shortcut: 'paczka',
      language: 'pl',
      body: 'Dzień dobry {customerFirstName},\n\nPani/Pana paczka jest już w drodze. Numer zgłoszenia: {number}.\n\nPozdrawiam,\n{agentFirstName}',
    },
    {
      title: 'Tack för ditt tålamod',
      shortcut: 'tack',
      language: 'sv',
      body: 'Hej {customerFirstName},\n\ntack för ditt tålamod. Vi tittar på ärende {number} och återkommer i dag.\n\n{agentFirstName}',
    },
    {
      title: 'در حال بررسی',
      shortcut: 'barrasi',
      language: 'fa',
      body: '{customerFirstName} عزیز، سلام\n\nاز صبر شما سپاسگزاریم. درخواست {number} در حال بررسی است و امروز پاسخ می‌دهیم.\n\n{agentFirstName}',
    },
    {
      title: '正在处理',
      shortcut: 'chuli',
      language: 'zh',
      body: '{customerFirstName}，您好！\n\n感谢您的耐心等待。我们正在处理工单 {number}，今天内会回复您。\n\n{agentFirstName}',
    },
  ];
  for (const body of responses) await createCanned({ db, actor, body: { ...body, shared: true } });
}
