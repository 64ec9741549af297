/**
 * The prompt: `› ` then the text with an inverse-video cursor, wrapped to the width and windowed
 * around the cursor (see input-view.ts). Continuation lines of a multi-line message start `… `.
 */
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { layoutInput, type ViewRow } from './input-view.js';
import type { EditorState } from './line-editor.js';
import { useTheme } from './theme.js';

/** Props of `InputLine`. `width` is the terminal's columns; `maxRows` bounds the text rows drawn. */
export interface InputLineProps {
  readonly editor: EditorState;
  readonly width: number;
  readonly maxRows: number;
  readonly placeholder: string;
}

/** Columns taken by the `› ` prefix, plus one spare so a full row never hits the terminal's last column. */
const PREFIX = 3;

function Row({ row, first }: { readonly row: ViewRow; readonly first: boolean }) {
  const theme = useTheme();
  const prefix = first ? '› ' : row.lineStart ? '… ' : '  ';
  const c = row.cursor;
  const chars = c === null ? null : Array.from(row.text);
  return (
    <Text wrap="truncate-end">
      <Text {...(first ? theme.tone('prompt') : theme.tone('dim'))}>{prefix}</Text>
      {chars === null || c === null ? (
        row.text
      ) : (
        <>
          {chars.slice(0, c).join('')}
          <Text inverse>{chars[c] ?? ' '}</Text>
          {chars.slice(c + 1).join('')}
        </>
      )}
    </Text>
  );
}

/** Draws the prompt; a dim placeholder when it is empty. */
export function InputLine({ editor, width, maxRows, placeholder }: InputLineProps) {
  const theme = useTheme();
  const view = useMemo(() => layoutInput(editor, width - PREFIX, maxRows), [editor, width, maxRows]);
  const dim = theme.tone('dim');
  if (editor.text === '') {
    return (
      <Text wrap="truncate-end">
        <Text {...theme.tone('prompt')}>{'› '}</Text>
        <Text inverse> </Text>
        <Text {...dim}>{placeholder}</Text>
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      {view.hiddenAbove > 0 ? <Text {...dim}>{`  ↑ ${view.hiddenAbove} more line${view.hiddenAbove === 1 ? '' : 's'} above`}</Text> : null}
      {view.rows.map((row, i) => (
        <Row key={i} row={row} first={i === 0 && view.hiddenAbove === 0} />
      ))}
      {view.hiddenBelow > 0 ? <Text {...dim}>{`  ↓ ${view.hiddenBelow} more line${view.hiddenBelow === 1 ? '' : 's'} below`}</Text> : null}
      {view.hiddenAbove + view.hiddenBelow > 0 ? <Text {...dim}>{`  ${view.lines} lines · ${formatSize(editor.text.length)} · Enter sends all`}</Text> : null}
    </Box>
  );
}

function formatSize(chars: number): string {
  return chars < 1024 ? `${chars} chars` : `${(chars / 1024).toFixed(1)} KB`;
}
