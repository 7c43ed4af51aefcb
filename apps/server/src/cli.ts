import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import {
  flagOption,
  loadConfig,
  settings,
  ConfigError,
  type Config,
  type Flags,
} from './platform/config.js';
import { createLogger, type Logger } from './platform/logger.js';
import { openRuntime } from './runtime.js';
import { AppError } from './platform/errors.js';

/**
 * `parley`: one program for every role. Each command reads the same settings (flags
 * first, then environment variables), so scripts can point all of them at one DATA_DIR.
 */
const program = new Command('parley')
  .description('Parley — open-source omnichannel customer service')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

function withSettings(command: Command): Command {
  for (const setting of settings) {
    command.addOption(
      new Option(`${setting.flag} <value>`, `${setting.description} (env ${setting.env})`),
    );
  }
  return command;
}

/** Config + a logger on stderr for commands whose stdout is for results. */
function quietContext(flags: Flags): { config: Config; log: Logger } {
  const config = loadConfig(process.env, flags);
  const level =
    process.env.LOG_LEVEL ?? (flags[flagOption('--log-level')] as string | undefined) ?? 'warn';
  return { config, log: pino({ level }, pino.destination(2)) };
}

withSettings(program.command('start'))
  .description('Run Parley: HTTP API, WebSockets and background jobs in one process')
  .option('--no-worker', 'serve HTTP only; run jobs in separate `parley worker` processes')
  .option('--no-demo', 'do not create the demo workspace on an empty database')
  .action(async (flags: Flags & { worker: boolean; demo: boolean }) => {
    const { startServer } = await import('./server.js');
    const config = loadConfig(process.env, flags);
    await startServer(config, createLogger(config), { worker: flags.worker, demo: flags.demo });
  });

withSettings(program.command('worker'))
  .description('Run background jobs only')
  .action(async (flags: Flags) => {
    const { startWorkerProcess } = await import('./server.js');
    const config = loadConfig(process.env, flags);
    await startWorkerProcess(config, createLogger(config));
  });

withSettings(program.command('migrate'))
  .description('Apply database migrations and exit')
  .action(async (flags: Flags) => {
    const config = loadConfig(process.env, flags);
    const runtime = await openRuntime(config, createLogger(config));
    await runtime.close();
  });

withSettings(program.command('seed'))
  .description(
    'Create the demo workspace (slug `demo`); with --conversations, fill a workspace with N more',
  )
  .option(
    '--conversations <n>',
    'generate N multilingual conversations (3–8 messages each) with COPY',
  )
  .option(
    '--workspace <slug>',
    'workspace to fill with --conversations (created if missing)',
    'demo',
  )
  .action(async (flags: Flags & { conversations?: string; workspace: string }) => {
    const { seedDemo } = await import('./modules/demo/demo.seed.js');
    const { config, log } = quietContext(flags);
    const count = flags.conversations === undefined ? 0 : Number(flags.conversations);
    if (!Number.isInteger(count) || count < 0 || count > 50_000_000) {
      throw new ConfigError(
        `invalid --conversations "${flags.conversations ?? ''}": must be a whole number up to 50000000`,
      );
    }
    const runtime = await openRuntime(config, log);
    try {
      const result = await seedDemo(runtime.services);
      process.stdout.write(
        result.created ? describeLogin(result.login) : 'The demo workspace already exists.\n',
      );
      if (count > 0) {
        const { bulkSeed } = await import('./modules/demo/bulk-seed.js');
        const progress = (done: number) => {
          if (process.stderr.isTTY)
            process.stderr.write(
              `\r  seeding ${done.toLocaleString('en')} / ${count.toLocaleString('en')}`,
            );
        };
        const seeded = await bulkSeed(runtime.services, {
          slug: flags.workspace,
          conversations: count,
          onProgress: progress,
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        const perMinute = Math.round((seeded.conversations / seeded.seconds) * 60);
        process.stdout.write(
          `Seeded ${seeded.conversations} conversations, ${seeded.messages} messages, ${seeded.contacts} contacts into "${flags.workspace}" in ${seeded.seconds.toFixed(1)} s (${perMinute.toLocaleString('en')} conversations/min).\n`,
        );
      }
    } finally {
      await runtime.close();
    }
  });

withSettings(program.command('create-admin'))
  .description('Create a workspace with its owner, or add an owner to an existing workspace')
  .requiredOption('--email <email>', 'their email')
  .option('--workspace <slug>', 'workspace slug', 'demo')
  .option('--name <name>', 'their name', 'Administrator')
  .option('--workspace-name <name>', 'name of a new workspace')
  .option('--password <password>', 'password (generated and printed when omitted)')
  .action(
    async (
      flags: Flags & {
        email: string;
        workspace: string;
        name: string;
        workspaceName?: string;
        password?: string;
      },
    ) => {
      const { createAdmin } = await import('./modules/workspaces/admin.js');
      const { config, log } = quietContext(flags);
      const runtime = await openRuntime(config, log);
      try {
        const password = flags.password ?? randomBytes(12).toString('base64url');
        const result = await createAdmin(runtime.services, {
          slug: flags.workspace,
          workspaceName: flags.workspaceName ?? flags.workspace,
          email: flags.email,
          name: flags.name,
          password,
        });
        process.stdout.write(
          `${result.workspaceCreated ? 'Created workspace' : 'Added an owner to'} "${flags.workspace}".\n` +
            describeLogin({
              url: config.publicUrl,
              email: flags.email.toLowerCase(),
              password,
              workspace: flags.workspace,
            }),
        );
      } finally {
        await runtime.close();
      }
    },
  );

const token = program.command('token').description('API tokens');
withSettings(token.command('create'))
  .description('Print a new API token on stdout (and nothing else)')
  .option('--workspace <slug>', 'workspace slug', 'demo')
  .option('--email <email>', "the user the token acts as (default: the workspace's first owner)")
  .option('--name <name>', 'a label for the token', 'cli')
  .option('--scopes <list>', 'comma-separated: read, write, admin', 'read,write,admin')
  .action(
    async (flags: Flags & { workspace: string; email?: string; name: string; scopes: string }) => {
      const { createTokenFor } = await import('./modules/auth/tokens.cli.js');
      const { config, log } = quietContext(flags);
      const runtime = await openRuntime(config, log);
      try {
        const created = await createTokenFor(runtime.services, {
          slug: flags.workspace,
          email: flags.email,
          name: flags.name,
          scopes: flags.scopes.split(',').map((s) => s.trim()),
        });
        process.stdout.write(created + '\n');
      } finally {
        await runtime.close();
      }
    },
  );

export function describeLogin(login: {
  url: string;
  email: string;
  password: string;
  workspace: string;
}): string {
  return [
    `  Sign in at  ${login.url}`,
    `  Email       ${login.email}`,
    `  Password    ${login.password}`,
    `  Workspace   ${login.workspace}`,
    '',
  ].join('\n');
}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof AppError) {
    process.stderr.write(`parley: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `parley: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
