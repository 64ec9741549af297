/**
 * Inline Markdown (emphasis, code spans, links…) as nested Ink `<Text>`, and as plain text for
 * measuring table cells. Links are shown as text: `label (url)`.
 */
import { Text } from 'ink';
import type { MarkedToken, Token } from 'marked';
import type { ReactNode } from 'react';
import type { Theme } from './theme.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** Decodes the few HTML entities models actually write. */
export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, name: string) => ENTITIES[name] ?? _);
}

/** The visible text of inline tokens (no styling), e.g. for column widths. */
export function inlineText(tokens: readonly Token[] | undefined): string {
  if (!tokens) return '';
  return tokens
    .map((token) => {
      const t = token as MarkedToken;
      switch (t.type) {
        case 'link':
          return linkLabel(inlineText(t.tokens), t.href);
        case 'image':
          return `[image: ${t.text || t.href}]`;
        case 'br':
          return '\n';
        case 'codespan':
          return decodeEntities(t.text);
        case 'strong':
        case 'em':
        case 'del':
          return inlineText(t.tokens);
        case 'text':
          return t.tokens ? inlineText(t.tokens) : decodeEntities(t.text);
        default:
          return decodeEntities((token as { text?: string }).text ?? token.raw);
      }
    })
    .join('');
}

function linkLabel(label: string, href: string): string {
  const url = href.replace(/^mailto:/, '');
  return !label || label === url || label === href ? url : `${label} (${url})`;
}

/** Renders inline tokens as children of a `<Text>`. */
export function renderInline(tokens: readonly Token[] | undefined, theme: Theme): ReactNode[] {
  if (!tokens) return [];
  return tokens.map((token, i) => {
    const t = token as MarkedToken;
    switch (t.type) {
      case 'strong':
        return (
          <Text key={i} bold>
            {renderInline(t.tokens, theme)}
          </Text>
        );
      case 'em':
        return (
          <Text key={i} italic>
            {renderInline(t.tokens, theme)}
          </Text>
        );
      case 'del':
        return (
          <Text key={i} strikethrough>
            {renderInline(t.tokens, theme)}
          </Text>
        );
      case 'codespan':
        return (
          <Text key={i} {...theme.tone('code')}>
            {decodeEntities(t.text)}
          </Text>
        );
      case 'link': {
        const label = inlineText(t.tokens);
        const url = t.href.replace(/^mailto:/, '');
        if (!label || label === url || label === t.href) {
          return (
            <Text key={i} {...theme.tone('link')}>
              {url}
            </Text>
          );
        }
        return (
          <Text key={i}>
            <Text {...theme.tone('link')}>{renderInline(t.tokens, theme)}</Text>
            <Text {...theme.tone('dim')}> ({url})</Text>
          </Text>
        );
      }
      case 'image':
        return (
          <Text key={i} {...theme.tone('dim')}>
            [image: {t.text || t.href}]
          </Text>
        );
      case 'br':
        return '\n';
      case 'text':
        return t.tokens ? <Text key={i}>{renderInline(t.tokens, theme)}</Text> : decodeEntities(t.text);
      default:
        return decodeEntities((token as { text?: string }).text ?? token.raw);
    }
  });
}
