/**
 * The line under the prompt: user, model, turns and session tokens, and what is happening now
 * (a spinner with elapsed seconds while waiting for the first token). One row, truncated at the
 * terminal width.
 */
import { Box, Text } from 'ink';
import { contextFill, formatCost, type Usage } from '../core/index.js';
import { Spinner } from './Spinner.js';
import { useTheme } from './theme.js';
import type { LiveTurn } from './use-chat.js';

/** Props of `StatusLine`. `usage` is read at render time (the session mutates it). */
export interface StatusLineProps {
  readonly userId: string;
  readonly model: string;
  readonly turns: number;
  readonly usage: Usage;
  /** The session's spend (`ChatSession.spend`), read at render time. */
  readonly spend?: { usd: number | null; lastPromptTokens: number };
  readonly live: LiveTurn | null;
  readonly busy: boolean;
  readonly incognito: boolean;
}

/** Formats a token count: `950`, `12.3k`, `1.2M`. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** The status line. */
export function StatusLine({ userId, model, turns, usage, spend, live, busy, incognito }: StatusLineProps) {
  const theme = useTheme();
  const dim = theme.tone('dim');
  const facts = [
    `${userId}${incognito ? ' (incognito)' : ''}`,
    model,
    `${turns} turn${turns === 1 ? '' : 's'}`,
    // "in" is every input token the API counted: uncached, read from the cache and written to it
    // (the API reports the three apart; a turn after a long answer is mostly a cache write).
    `${formatTokens(usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens)} in · ${formatTokens(usage.outputTokens)} out · ${formatTokens(usage.cacheReadTokens)} cached`,
    ...spendFacts(model, spend),
  ].join(' · ');
  return (
    <Box flexDirection="row">
      {live && !live.streaming ? (
        <Box flexShrink={0} marginRight={2}>
          <Spinner since={live.startedAt} label="waiting · Esc to stop" />
        </Box>
      ) : null}
      {live?.streaming ? (
        <Box flexShrink={0} marginRight={2}>
          <Text {...theme.tone('accent')}>answering · Esc to stop</Text>
        </Box>
      ) : null}
      {busy && !live ? (
        <Box flexShrink={0} marginRight={2}>
          <Text {...dim}>working…</Text>
        </Box>
      ) : null}
      <Text {...dim} wrap="truncate-end">
        {facts}
      </Text>
    </Box>
  );
}

/** The cost and context-fill facts of the status line ([] for a model with no known price, or before any call). */
export function spendFacts(model: string, spend: StatusLineProps['spend']): string[] {
  if (!spend) return [];
  const out: string[] = [];
  if (spend.usd !== null && spend.usd > 0) out.push(formatCost(spend.usd));
  const fill = spend.lastPromptTokens > 0 ? contextFill(model, spend.lastPromptTokens) : null;
  if (fill) out.push(`context ${fill.percent < 1 ? '<1' : Math.round(fill.percent)}%`);
  return out;
}
