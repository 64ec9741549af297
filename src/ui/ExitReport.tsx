/**
 * What the user sees after leaving the chat: "Saving memory…" with a spinner while the
 * extraction runs, then the memory diff in words (see core/describe-changes.ts).
 */
import { Box, Text } from 'ink';
import { describeSave, formatCost, type SaveReport, type Usage } from '../core/index.js';
import { formatTokens } from './StatusLine.js';
import { Spinner } from './Spinner.js';
import { useTheme } from './theme.js';

/** Props of `SavingMemory`: `since` is when saving started (epoch ms). */
export interface SavingMemoryProps {
  readonly since: number;
}

/** The spinner line shown while `session.finish` runs. */
export function SavingMemory({ since }: SavingMemoryProps) {
  return (
    <Box marginTop={1}>
      <Spinner since={since} label="Saving memory…" />
    </Box>
  );
}

/** Props of `ExitReport`. */
export interface ExitReportProps {
  readonly report: SaveReport;
  /** What the whole session used and cost, exit extraction included (a last dim line); absent: no line. */
  readonly spent?: { usage: Usage; usd: number | null };
}

/** The last line of the exit report: `Session: 12.3k tokens in · 450 out · $0.0123` (cost only for known models). Pure. */
export function spentLine(spent: NonNullable<ExitReportProps['spent']>): string {
  const u = spent.usage;
  const input = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  return `Session: ${formatTokens(input)} tokens in · ${formatTokens(u.outputTokens)} out${spent.usd !== null && spent.usd > 0 ? ` · ${formatCost(spent.usd)}` : ''}`;
}

/** The final lines: the memory diff and where it was written, or why nothing was saved. */
export function ExitReport({ report, spent }: ExitReportProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" marginTop={1}>
      {describeSave(report).map((line, i) => (
        <Text key={i} {...theme.tone(line.tone)}>
          {line.text}
        </Text>
      ))}
      {spent && spent.usage.inputTokens + spent.usage.cacheReadTokens + spent.usage.cacheWriteTokens > 0 ? <Text {...theme.tone('dim')}>{spentLine(spent)}</Text> : null}
    </Box>
  );
}
