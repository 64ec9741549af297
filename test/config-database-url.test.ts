// Choosing the PostgreSQL store: `--database-url` / `MEMAGENT_DATABASE_URL` in the resolved config.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { resolveConfig } from '../src/cli/config.js';

const dirs = { data: '/home/u/.local/share/memagent', config: '/home/u/.config/memagent', cache: '/home/u/.cache/memagent' };
const resolve = (flags: { databaseUrl?: string }, env: NodeJS.ProcessEnv) => resolveConfig(flags, env, '/work', dirs);

describe('database URL configuration', () => {
  it('without a database URL memories stay in files', () => {
    expect(resolve({}, {}).databaseUrl).toBeUndefined();
    expect(resolve({}, { MEMAGENT_DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it('the flag wins over MEMAGENT_DATABASE_URL', () => {
    expect(resolve({}, { MEMAGENT_DATABASE_URL: 'postgres://a@h/env' }).databaseUrl).toBe('postgres://a@h/env');
    expect(resolve({ databaseUrl: 'postgresql://a@h/flag' }, { MEMAGENT_DATABASE_URL: 'postgres://a@h/env' }).databaseUrl).toBe('postgresql://a@h/flag');
  });

  it('a URL that is not postgres:// is a usage error naming where it came from', () => {
    expect(() => resolve({}, { MEMAGENT_DATABASE_URL: 'mysql://h/db' })).toThrow(UsageError);
    expect(() => resolve({}, { MEMAGENT_DATABASE_URL: 'mysql://h/db' })).toThrow(/MEMAGENT_DATABASE_URL must be a postgres:\/\/ URL/);
    expect(() => resolve({ databaseUrl: '/var/db' }, {})).toThrow(/--database-url must be a postgres:\/\/ URL/);
  });
});
