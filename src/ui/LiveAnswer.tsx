/**
 * The unfinished end of the answer being streamed: the only part of an answer that re-renders.
 * It is kept under `maxRows` rows; a single line too long for that (no break to split at yet) is
 * shown by its end until it completes.
 */
import { Box, Text } from 'ink';
import { Markdown } from './Markdown.js';
import { useTheme } from './theme.js';
import type { LiveTurn } from './use-chat.js';

/** Props of `LiveAnswer`. */
export interface LiveAnswerProps {
  readonly live: LiveTurn;
  readonly width: number;
  readonly maxRows: number;
}

/** Draws the live tail (nothing before the first token: the status line shows a spinner). */
export function LiveAnswer({ live, width, maxRows }: LiveAnswerProps) {
  const theme = useTheme();
  const tail = live.tail;
  if (!tail) return null;
  const marginTop = live.first || tail.gapBefore ? 1 : 0;
  const budget = Math.max(1, maxRows - 1) * Math.max(10, width - 6);
  if (tail.markdown.length > budget) {
    return (
      <Box flexDirection="column" marginTop={marginTop}>
        <Text {...theme.tone('dim')}>… (the start of this part is shown when it completes)</Text>
        <Text>{tail.markdown.slice(-budget + width).trimStart()}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" marginTop={marginTop}>
      <Markdown chunk={tail} width={width} />
    </Box>
  );
}
