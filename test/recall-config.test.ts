// `MEMAGENT_RECALL_BUDGET` in the resolved config (the session gets it as `recallBudgetTokens`).
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/cli/config.js';
import { UsageError } from '../src/core/errors.js';

const dirs = { data: '/home/u/.local/share/memagent', config: '/home/u/.config/memagent', cache: '/home/u/.cache/memagent' };
const resolve = (env: NodeJS.ProcessEnv) => resolveConfig({}, env, '/work', dirs);

describe('MEMAGENT_RECALL_BUDGET', () => {
  it('defaults to 500 tokens, unset or empty', () => {
    expect(resolve({}).recallBudgetTokens).toBe(500);
    expect(resolve({ MEMAGENT_RECALL_BUDGET: '' }).recallBudgetTokens).toBe(500);
  });

  it('takes a whole number, 0 included (recall off)', () => {
    expect(resolve({ MEMAGENT_RECALL_BUDGET: '1200' }).recallBudgetTokens).toBe(1200);
    expect(resolve({ MEMAGENT_RECALL_BUDGET: '0' }).recallBudgetTokens).toBe(0);
  });

  it('refuses anything else with one line naming the variable', () => {
    for (const bad of ['-1', 'lots', '1.5']) {
      expect(() => resolve({ MEMAGENT_RECALL_BUDGET: bad })).toThrow(UsageError);
      expect(() => resolve({ MEMAGENT_RECALL_BUDGET: bad })).toThrow(/^MEMAGENT_RECALL_BUDGET must be a whole number \(0 turns automatic recall off\)$/);
    }
  });
});
