/**
 * What a session costs in US dollars, and how full the context window is, for known models.
 * Pure. Unknown models get null: the REPL then shows tokens only.
 *
 * Source: Anthropic's pricing page (https://platform.claude.com/docs/en/about-claude/pricing) and
 * the model overview pages (platform.claude.com/docs/en/models/<model>/overview), as stored on
 * 2026-12-02. Prices in USD per million tokens; "cache write" is the 5-minute write (memagent's
 * `cache_control: ephemeral` default). Sonnet 5.5's cache read is $0.10 since 2026-10-07 (cut from
 * $0.20). Haiku 5.5 costs more for prompts over 100,000 tokens ($0.50 / $2.50 / $0.625 / $0.05);
 * `sessionCost` prices aggregated usage at the base tier, which undercounts such requests.
 * Update this table, and only this table, when prices change.
 */
import type { Usage } from './model-client.js';

/** Prices of one model (USD per million tokens) and its context window (tokens). */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
  contextTokens: number;
}

/** The price table, by model id (a dated id like `claude-sonnet-5-5-20261001` matches its alias). */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-fable-5-1': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25, contextTokens: 1_000_000 },
  'claude-fable-5': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1, contextTokens: 1_000_000 },
  'claude-opus-5-5': { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2, contextTokens: 1_000_000 },
  'claude-opus-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5, contextTokens: 1_000_000 },
  'claude-sonnet-5-5': { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1, contextTokens: 1_000_000 },
  'claude-sonnet-5': { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2, contextTokens: 1_000_000 },
  'claude-haiku-5-5': { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01, contextTokens: 200_000 },
  'claude-opus-4-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5, contextTokens: 200_000 },
  'claude-sonnet-4-5': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3, contextTokens: 200_000 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1, contextTokens: 200_000 },
};

/** The price of `model`, or null when it is not in the table. A `-YYYYMMDD` suffix is ignored. */
export function priceOf(model: string): ModelPrice | null {
  return MODEL_PRICES[model] ?? MODEL_PRICES[model.replace(/-\d{8}$/, '')] ?? null;
}

/** What `usage` of `model` costs (USD), or null for an unknown model. */
export function usageCost(model: string, usage: Usage): number | null {
  const p = priceOf(model);
  if (!p) return null;
  return (
    (usage.inputTokens * p.input + usage.outputTokens * p.output + usage.cacheWriteTokens * p.cacheWrite + usage.cacheReadTokens * p.cacheRead) /
    1_000_000
  );
}

/** A dollar amount for people: `$0.0042`, `$0.12`, `$3.40`. */
export function formatCost(usd: number): string {
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/**
 * How full `model`'s context window was at the last call: `promptTokens` (input, cache reads
 * and cache writes of that call) over the window, as a percentage 0–100; null for an unknown model.
 */
export function contextFill(model: string, promptTokens: number): { percent: number; window: number } | null {
  const p = priceOf(model);
  if (!p) return null;
  return { percent: Math.min(100, (promptTokens / p.contextTokens) * 100), window: p.contextTokens };
}
