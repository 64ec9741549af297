/**
 * One answer chunk rendered for the terminal: headings, emphasis, lists, block quotes, tables,
 * and code blocks in a visible frame (left open at a seam between two chunks). Ink wraps the
 * text to the terminal width. With colour off (NO_COLOR) the Markdown source is shown as is.
 */
import { Box, Text } from 'ink';
import { lexer, type MarkedToken, type Token, type Tokens } from 'marked';
import { memo, useMemo, type ReactNode } from 'react';
import { decodeEntities, inlineText, renderInline } from './markdown-inline.js';
import { Prose } from './Prose.js';
import type { AnswerChunk } from './stream-split.js';
import { useTheme, type Theme } from './theme.js';

/** Props of `Markdown`. `width` is the columns available (for rules and tables). */
export interface MarkdownProps {
  readonly chunk: AnswerChunk;
  readonly width: number;
  /** `lexer(chunk.markdown)`, when the caller already has it. */
  readonly tokens?: Token[];
}

interface BlockContext {
  readonly theme: Theme;
  readonly width: number;
  /** Index of the first / last code block of the chunk, for the open seams. */
  readonly firstCode: Token | undefined;
  readonly lastCode: Token | undefined;
  readonly chunk: AnswerChunk;
}

/** Renders a chunk. Memoized: static chunks are rendered once; the live tail when it changes. */
export const Markdown = memo(function Markdown({ chunk, width, tokens: lexed }: MarkdownProps) {
  const theme = useTheme();
  const tokens = useMemo(() => (theme.color ? (lexed ?? lexer(chunk.markdown)) : []), [chunk.markdown, theme.color, lexed]);
  if (!theme.color) return <Text>{plainSource(chunk)}</Text>;
  const codes = tokens.filter((t) => t.type === 'code');
  const ctx: BlockContext = { theme, width, firstCode: codes[0], lastCode: codes[codes.length - 1], chunk };
  // Most chunks of a long answer are one paragraph: drawn without the two column boxes around it,
  // which lay out the same for text (it wraps at the width it is given either way) but cost two
  // layout nodes each to create, lay out and free (yoga's calls were ~13% of a streamed turn's
  // CPU). Boxes (code, lists, tables) keep them: a full-width frame depends on its parent.
  const blocks = tokens.filter((t) => t.type !== 'space' && t.type !== 'def');
  if (blocks.length === 1 && (blocks[0].type === 'paragraph' || blocks[0].type === 'heading')) return <>{renderBlock(blocks[0], ctx)}</>;
  return <Box flexDirection="column">{renderBlocks(tokens, ctx, false)}</Box>;
});

/** The chunk's Markdown without the fence lines added at seams. */
function plainSource(chunk: AnswerChunk): string {
  let lines = chunk.markdown.replace(/\n+$/, '').split('\n');
  if (chunk.continuesFence) lines = lines.slice(1);
  if (chunk.fenceContinues) lines = lines.slice(0, -1);
  return lines.join('\n');
}

function renderBlocks(tokens: readonly Token[], ctx: BlockContext, tight: boolean): ReactNode[] {
  const out: ReactNode[] = [];
  for (const token of tokens) {
    const node = renderBlock(token, ctx);
    if (node === null) continue;
    out.push(
      <Box key={out.length} marginTop={out.length > 0 && !tight ? 1 : 0} flexDirection="column">
        {node}
      </Box>,
    );
  }
  return out;
}

function renderBlock(token: Token, ctx: BlockContext): ReactNode | null {
  const { theme } = ctx;
  const t = token as MarkedToken;
  switch (t.type) {
    case 'space':
    case 'def':
      return null;
    case 'heading':
      return (
        <Prose>
          <Text {...theme.tone('heading')} underline={t.depth === 1}>
            {renderInline(t.tokens, theme)}
          </Text>
        </Prose>
      );
    case 'paragraph':
      return (
        <Prose>
          <Text>{renderInline(t.tokens, theme)}</Text>
        </Prose>
      );
    case 'text':
      return (
        <Prose>
          <Text>{t.tokens ? renderInline(t.tokens, theme) : decodeEntities(t.text)}</Text>
        </Prose>
      );
    case 'code':
      return <CodeBlock code={t} openTop={token === ctx.firstCode && ctx.chunk.continuesFence} openBottom={token === ctx.lastCode && ctx.chunk.fenceContinues} />;
    case 'list':
      return renderList(t, ctx);
    case 'blockquote':
      return (
        <Box borderStyle="bold" borderColor={theme.borderColor} borderTop={false} borderRight={false} borderBottom={false} paddingLeft={1} flexDirection="column">
          {renderBlocks(t.tokens, ctx, false)}
        </Box>
      );
    case 'hr':
      return <Text {...theme.tone('dim')}>{'─'.repeat(Math.max(3, Math.min(ctx.width - 2, 60)))}</Text>;
    case 'table':
      return renderTable(t, ctx);
    default:
      return <Text>{decodeEntities((token as { text?: string }).text ?? token.raw).replace(/\n+$/, '')}</Text>;
  }
}

function renderList(list: Tokens.List, ctx: BlockContext): ReactNode {
  const start = typeof list.start === 'number' ? list.start : 1;
  const bullets = list.items.map((item, i) => {
    const mark = list.ordered ? `${start + i}.` : '•';
    return item.task ? `${mark} ${item.checked ? '☑' : '☐'}` : mark;
  });
  const width = Math.max(...bullets.map((b) => b.length)) + 1;
  return (
    <Box flexDirection="column">
      {list.items.map((item, i) => (
        <Box key={i} flexDirection="row" marginTop={i > 0 && list.loose ? 1 : 0}>
          <Box width={width} flexShrink={0}>
            <Text {...ctx.theme.tone('accent')}>{bullets[i]}</Text>
          </Box>
          <Box flexDirection="column" flexGrow={1} flexShrink={1}>
            {renderBlocks(item.tokens.filter((tk) => tk.type !== 'checkbox'), ctx, !item.loose)}
          </Box>
        </Box>
      ))}
    </Box>
  );
}

/** A table as aligned columns when it fits, else one `header: value` block per row. */
function renderTable(table: Tokens.Table, ctx: BlockContext): ReactNode {
  const header = table.header.map((c) => inlineText(c.tokens));
  const rows = table.rows.map((row) => row.map((c) => inlineText(c.tokens)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const total = widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1);
  const dim = ctx.theme.tone('dim');
  if (total > ctx.width - 2 || [...header, ...rows.flat()].some((c) => c.includes('\n'))) {
    return (
      <Box flexDirection="column">
        {rows.map((row, r) => (
          <Box key={r} flexDirection="column" marginTop={r > 0 ? 1 : 0}>
            {row.map((cell, c) => (
              <Text key={c}>
                <Text bold>{header[c]}:</Text> {cell}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    );
  }
  const pad = (cells: string[]) => cells.map((c, i) => (table.align[i] === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' │ ');
  return (
    <Box flexDirection="column">
      <Text bold>{pad(header)}</Text>
      <Text {...dim}>{widths.map((w) => '─'.repeat(w)).join('─┼─')}</Text>
      {rows.map((row, r) => (
        <Text key={r}>{pad(row)}</Text>
      ))}
    </Box>
  );
}

/** Props of `CodeBlock`: the open sides are seams with the neighbouring chunk. */
interface CodeBlockProps {
  readonly code: Tokens.Code;
  readonly openTop: boolean;
  readonly openBottom: boolean;
}

function CodeBlock({ code, openTop, openBottom }: CodeBlockProps) {
  const theme = useTheme();
  // Ink measures a tab as zero columns, which would bend the frame.
  const text = code.text.replace(/\t/g, '    ');
  // Full width, so the pieces of a block cut across chunks line up.
  return (
    <Box flexDirection="column" width="100%" borderStyle="round" borderColor={theme.borderColor} borderTop={!openTop} borderBottom={!openBottom} paddingX={1}>
      {code.lang && !openTop ? <Text {...theme.tone('dim')}>{code.lang}</Text> : null}
      {/* The piece after a seam may hold nothing but the closing fence. */}
      {text || !openTop ? <Text>{text || ' '}</Text> : null}
    </Box>
  );
}
