/**
 * What the user sees after leaving the chat: "Saving memory…" with a spinner while the
 * extraction runs, then the memory diff in words (see core/describe-changes.ts).
 */
import { Box, Text } from 'ink';
import { describeSave, type SaveReport } from '../core/index.js';
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
}

/** The final lines: the memory diff and where it was written, or why nothing was saved. */
export function ExitReport({ report }: ExitReportProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" marginTop={1}>
      {describeSave(report).map((line, i) => (
        <Text key={i} {...theme.tone(line.tone)}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
