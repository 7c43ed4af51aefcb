#!/usr/bin/env node
// The `parley` command. Runs the TypeScript sources through tsx (no build step needed);
// a production image may run the bundle in dist/ instead: `node apps/server/dist/cli.js`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
