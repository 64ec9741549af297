// The session's cost in dollars and the context-window fill (issue 14): list prices per model.
import { describe, expect, it } from 'vitest';
import { contextFill, formatCost, priceOf, usageCost } from '../src/core/pricing.js';
import { spendFacts } from '../src/ui/StatusLine.js';

const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 };

describe('session cost', () => {
  it('prices each kind of token at its own rate (Sonnet 5.5: $2 in, $10 out, $2.50 cache write, $0.10 cache read)', () => {
    expect(usageCost('claude-sonnet-5-5', usage)).toBeCloseTo(2 + 10 + 2.5 + 0.1, 10);
    expect(usageCost('claude-haiku-5-5', { ...usage, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBeCloseTo(0.6, 10);
  });

  it('a dated model id is priced as its alias; an unknown model has no price (tokens only)', () => {
    expect(priceOf('claude-sonnet-5-5-20261001')).toEqual(priceOf('claude-sonnet-5-5'));
    expect(usageCost('my-local-model', usage)).toBeNull();
    expect(contextFill('my-local-model', 5000)).toBeNull();
  });

  it('formats small and large amounts readably', () => {
    expect(formatCost(0.00042)).toBe('$0.0004');
    expect(formatCost(0.123)).toBe('$0.12');
    expect(formatCost(3.4)).toBe('$3.40');
  });

  it('the status line shows cost and context fill for known models, nothing for unknown ones', () => {
    expect(spendFacts('claude-sonnet-5-5', { usd: 0.0042, lastPromptTokens: 250_000 })).toEqual(['$0.0042', 'context 25%']);
    expect(spendFacts('claude-sonnet-5-5', { usd: 0.01, lastPromptTokens: 900 })).toEqual(['$0.01', 'context <1%']);
    expect(spendFacts('other', { usd: null, lastPromptTokens: 900 })).toEqual([]);
    expect(spendFacts('claude-sonnet-5-5', { usd: 0, lastPromptTokens: 0 })).toEqual([]);
  });
});

describe('the price table', () => {
  it('every model has all five prices, positive, and a context window', async () => {
    const { MODEL_PRICES } = await import('../src/core/pricing.js');
    for (const [model, p] of Object.entries(MODEL_PRICES)) {
      for (const key of ['input', 'output', 'cacheWrite', 'cacheRead', 'contextTokens'] as const) expect(p[key], `${model}.${key}`).toBeGreaterThan(0);
      expect(p.output, model).toBeGreaterThan(p.input);
      expect(p.cacheRead, model).toBeLessThan(p.input);
    }
  });

  it('only a trailing date suffix is ignored', () => {
    expect(priceOf('claude-sonnet-5-5-20261001-preview')).toBeNull();
  });
});
