/**
 * Prompt caching modelled on the real rules, at block granularity.
 *
 * A request's prompt is a list of blocks in the order the API reads them: each tool definition,
 * each system block (a string system prompt is one block), then each content block of each
 * message (string content is one block). A block costs ceil(characters / 4) tokens.
 *
 * Breakpoints are blocks carrying `cache_control`, plus, when the request has a top-level
 * `cache_control` (automatic caching), its last block. A write stores a hash of the prefix (model +
 * blocks up to and including the breakpoint) when that prefix is at least `minTokens` long. A read
 * finds the longest stored prefix ending at a block boundary within 20 blocks at or before any
 * breakpoint. Entries live 5 minutes (or 1 hour with `ttl: '1h'`), refreshed on each hit.
 */
import { createHash } from 'node:crypto';
import { tokensOf } from './wire.js';

/** `cache_control` as requests carry it. */
export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

/** One block of a prompt: its tokens, a canonical key (JSON without `cache_control`), its marker. */
export interface PromptBlock {
  tokens: number;
  key: string;
  cacheControl?: CacheControl;
}

/** How a request's input tokens split between fresh input, cache writes and cache reads (tokens). */
export interface CacheUsage {
  input: number;
  cacheCreation: number;
  cacheRead: number;
  /** The bucket of the creation tokens (the last breakpoint's `ttl`). */
  ttl: '5m' | '1h';
}

/** How far back from a breakpoint the API looks for a cached prefix, in blocks. */
export const LOOKBACK_BLOCKS = 20;
/** The API's limit on `cache_control` markers per request (a top-level one takes a slot). */
export const MAX_BREAKPOINTS = 4;

const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

function asCacheControl(v: unknown): CacheControl | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const ttl = (v as { ttl?: unknown }).ttl;
  return { type: 'ephemeral', ttl: ttl === '1h' ? '1h' : '5m' };
}

function blockOf(role: string, block: unknown): PromptBlock {
  if (typeof block === 'string') return { tokens: tokensOf(block), key: JSON.stringify([role, { type: 'text', text: block }]) };
  const { cache_control, ...rest } = (block ?? {}) as Record<string, unknown>;
  const text = typeof rest.text === 'string' ? rest.text : JSON.stringify(rest);
  return { tokens: tokensOf(text), key: JSON.stringify([role, rest]), cacheControl: asCacheControl(cache_control) };
}

/** The blocks of a `/v1/messages` (or `count_tokens`) request body, in prompt order. */
export function promptBlocks(body: Record<string, unknown>): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  if (Array.isArray(body.tools)) for (const t of body.tools) blocks.push(blockOf('tool', t));
  if (typeof body.system === 'string') blocks.push(blockOf('system', body.system));
  else if (Array.isArray(body.system)) for (const b of body.system) blocks.push(blockOf('system', b));
  if (Array.isArray(body.messages)) {
    for (const m of body.messages as Array<{ role?: unknown; content?: unknown }>) {
      const role = String(m?.role);
      if (Array.isArray(m?.content)) for (const b of m.content) blocks.push(blockOf(role, b));
      else blocks.push(blockOf(role, String(m?.content ?? '')));
    }
  }
  return blocks;
}

/** Breakpoint indices (ascending) with their `cache_control`, including the automatic one. */
export function breakpoints(blocks: PromptBlock[], topLevel: unknown): Array<{ index: number; cc: CacheControl }> {
  const points = blocks.flatMap((b, index) => (b.cacheControl ? [{ index, cc: b.cacheControl }] : []));
  const auto = asCacheControl(topLevel);
  const last = blocks.length - 1;
  if (auto && last >= 0 && !blocks[last].cacheControl) points.push({ index: last, cc: auto });
  return points;
}

/** A per-server prompt cache. `now` gives epoch ms; `minTokens` is the smallest cacheable prefix. */
export class PromptCache {
  private readonly entries = new Map<string, { expiresAt: number; ttl: '5m' | '1h' }>();

  constructor(
    private readonly minTokens: number,
    private readonly now: () => number,
  ) {}

  /** Forget every entry. */
  clear(): void {
    this.entries.clear();
  }

  /**
   * Account one request: read the longest live cached prefix, write the breakpoints past it, and
   * split the prompt's tokens into `cacheRead`, `cacheCreation` and the remaining `input`.
   */
  account(model: string, blocks: PromptBlock[], topLevel: unknown): CacheUsage {
    const total = blocks.reduce((n, b) => n + b.tokens, 0);
    const points = breakpoints(blocks, topLevel);
    if (points.length === 0) return { input: total, cacheCreation: 0, cacheRead: 0, ttl: '5m' };

    const now = this.now();
    const hashes: string[] = [];
    const prefixTokens: number[] = [];
    let hash = createHash('sha256').update(`model:${model}`).digest('hex');
    let sum = 0;
    for (const b of blocks) {
      hash = createHash('sha256').update(hash).update('\n').update(b.key).digest('hex');
      sum += b.tokens;
      hashes.push(hash);
      prefixTokens.push(sum);
    }

    let hit = -1;
    for (const { index } of points) {
      for (let j = index; j >= Math.max(0, index - LOOKBACK_BLOCKS + 1) && j > hit; j--) {
        const entry = this.entries.get(hashes[j]);
        if (entry && entry.expiresAt > now) {
          hit = j;
          break;
        }
      }
    }
    const cacheRead = hit >= 0 ? prefixTokens[hit] : 0;
    if (hit >= 0) {
      const entry = this.entries.get(hashes[hit])!;
      entry.expiresAt = now + TTL_MS[entry.ttl];
    }

    const last = points[points.length - 1];
    let cacheCreation = 0;
    if (last.index > hit && prefixTokens[last.index] >= this.minTokens) {
      cacheCreation = prefixTokens[last.index] - cacheRead;
      for (const { index, cc } of points) {
        if (index <= hit || prefixTokens[index] < this.minTokens) continue;
        const ttl = cc.ttl ?? '5m';
        this.entries.set(hashes[index], { expiresAt: now + TTL_MS[ttl], ttl });
      }
    }
    return { input: total - cacheRead - cacheCreation, cacheCreation, cacheRead, ttl: last.cc.ttl ?? '5m' };
  }
}
