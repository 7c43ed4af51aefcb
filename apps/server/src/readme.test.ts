import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settings } from './platform/config.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

describe('README', () => {
  it.each(settings.map((s) => [s.env, s.flag]))(
    'documents %s (%s) in the configuration table',
    (env, flag) => {
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${env}\`\\s*\\|\\s*\`${flag}\`\\s*\\|`));
    },
  );

  it('states the two set-up commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
