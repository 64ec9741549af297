/**
 * One finished piece of the transcript, drawn once into `<Static>`: a user line, an answer chunk
 * or a line of output. A huge user message (a pasted log) is shown abridged; it was sent whole.
 */
import { Box, Text } from 'ink';
import { AnswerChunks } from './AnswerChunks.js';
import { Prose } from './Prose.js';
import { useTheme } from './theme.js';
import type { TranscriptItem } from './use-chat.js';

/** Lines of a user message echoed in full; longer ones show their start and a count. */
const USER_ECHO_LINES = 8;

/** Props of `TranscriptItemView`. `width` is the terminal's columns when the item is drawn. */
export interface TranscriptItemProps {
  readonly item: TranscriptItem;
  readonly width: number;
}

/** The start of a long message, and a note of what is not shown (null when it fits). */
export function abridge(text: string, width: number): { shown: string; note: string | null } {
  const lines = text.split('\n');
  const maxChars = USER_ECHO_LINES * Math.max(20, width - 2);
  if (lines.length <= USER_ECHO_LINES && text.length <= maxChars) return { shown: text, note: null };
  const shown = lines.slice(0, USER_ECHO_LINES).join('\n').slice(0, maxChars);
  const kb = (text.length / 1024).toFixed(1);
  return { shown, note: `… ${lines.length} lines, ${kb} KB in all (sent in full)` };
}

/** Draws one transcript item. */
export function TranscriptItemView({ item, width }: TranscriptItemProps) {
  const theme = useTheme();
  switch (item.kind) {
    case 'user': {
      const { shown, note } = abridge(item.text, width);
      return (
        <Box flexDirection="column" marginTop={1}>
          <Box flexDirection="row">
            <Box flexShrink={0}>
              <Text {...theme.tone('prompt')}>{'› '}</Text>
            </Box>
            <Prose>
              <Text {...theme.tone('dim')}>{shown}</Text>
            </Prose>
          </Box>
          {note ? <Text {...theme.tone('dim')}>{`  ${note}`}</Text> : null}
        </Box>
      );
    }
    case 'answer':
      return <AnswerChunks chunks={item.chunks} first={item.first} width={width} />;
    case 'line':
      return (
        <Box marginTop={item.gapBefore ? 1 : 0}>
          <Prose>
            <Text {...theme.tone(item.line.tone)}>{item.line.text}</Text>
          </Prose>
        </Box>
      );
  }
}
