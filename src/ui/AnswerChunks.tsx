/**
 * Finished answer chunks drawn together as one transcript item (what one flush of a streaming
 * answer made final). Each chunk looks exactly as `Markdown` draws it alone, in a box with a blank
 * row before it when it follows a blank line (or opens the answer); but a run of chunks that are
 * each a single paragraph becomes one text, the paragraphs joined by the same blank rows.
 *
 * Why: a long answer is mostly such paragraphs, and each chunk drawn alone costs a box and a text
 * node (two layout nodes with a dozen style calls each, about ten React fibers) created, laid out,
 * drawn once and freed. One text draws the same rows: Ink wraps each line of a text on its own,
 * and `Prose` treats every row after a text's first alike, so joining is exact as long as no
 * paragraph after the first starts with a space (its first row would then lose that space, as a
 * wrapped row does): such a paragraph starts a new run. `test/ui-units.test.tsx` draws random
 * chunks both ways and compares the frames.
 */
import { Box, Text } from 'ink';
import { lexer, type Token, type Tokens } from 'marked';
import { Fragment, type ReactNode } from 'react';
import { Markdown } from './Markdown.js';
import { inlineText, renderInline } from './markdown-inline.js';
import { Prose } from './Prose.js';
import type { AnswerChunk } from './stream-split.js';
import { useTheme } from './theme.js';

/** Props of `AnswerChunks`. `first`: the first chunk opens the answer (a blank row before it). */
export interface AnswerChunksProps {
  readonly chunks: readonly AnswerChunk[];
  readonly first: boolean;
  readonly width: number;
}

/** A chunk and its tokens; `paragraph` when the chunk is exactly one paragraph. */
interface Lexed {
  readonly chunk: AnswerChunk;
  readonly tokens: Token[];
  readonly paragraph: Tokens.Paragraph | null;
}

/** Draws `chunks` in order, runs of one-paragraph chunks as one text. */
export function AnswerChunks({ chunks, first, width }: AnswerChunksProps) {
  const theme = useTheme();
  const gap = (i: number) => ((first && i === 0) || chunks[i].gapBefore ? 1 : 0);
  // Without colour, Markdown shows the source as is: nothing to join.
  if (!theme.color || chunks.length === 1) {
    return chunks.map((chunk, i) => (
      <Box key={i} marginTop={gap(i)} flexDirection="column">
        <Markdown chunk={chunk} width={width} />
      </Box>
    ));
  }
  const lexed: Lexed[] = chunks.map((chunk) => {
    const tokens = lexer(chunk.markdown);
    const blocks = tokens.filter((t) => t.type !== 'space' && t.type !== 'def');
    return { chunk, tokens, paragraph: blocks.length === 1 && blocks[0].type === 'paragraph' ? (blocks[0] as Tokens.Paragraph) : null };
  });
  const out: ReactNode[] = [];
  for (let i = 0; i < lexed.length; ) {
    let end = i + 1;
    if (lexed[i].paragraph) {
      while (end < lexed.length && lexed[end].paragraph && !inlineText(lexed[end].paragraph!.tokens).startsWith(' ')) end++;
    }
    out.push(
      <Box key={i} marginTop={gap(i)} flexDirection="column">
        {end - i === 1 ? (
          <Markdown chunk={lexed[i].chunk} width={width} tokens={lexed[i].tokens} />
        ) : (
          <Prose>
            <Text>
              {lexed.slice(i, end).map(({ chunk, paragraph }, k) => (
                <Fragment key={k}>
                  {k === 0 ? null : chunk.gapBefore ? '\n\n' : '\n'}
                  {renderInline(paragraph!.tokens, theme)}
                </Fragment>
              ))}
            </Text>
          </Prose>
        )}
      </Box>,
    );
    i = end;
  }
  return out;
}
