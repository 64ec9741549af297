/**
 * `chat --review`: before anything is written, each proposed memory change is shown and the user
 * answers y (keep, also Enter), n (drop), a (keep this and the rest) or Esc (drop this and the rest).
 */
import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import type { ReviewItem } from '../core/index.js';
import { useTheme } from './theme.js';

/** Props: the proposed items, and where the answers go (one boolean per item, in order). */
export interface ReviewPromptProps {
  readonly items: readonly ReviewItem[];
  readonly onDone: (accepted: boolean[]) => void;
}

/** Asks about one item at a time; calls `onDone` once, with an answer for every item. */
export function ReviewPrompt({ items, onDone }: ReviewPromptProps) {
  const theme = useTheme();
  const [answers, setAnswers] = useState<boolean[]>([]);
  // Keys typed faster than React re-renders must each count: read and extend the latest answers
  // through a ref, never a render's stale copy.
  const latest = useRef<boolean[]>([]);
  const index = answers.length;
  const answer = (more: (rest: number) => boolean[]) => {
    const done = latest.current;
    if (done.length >= items.length) return;
    const next = [...done, ...more(items.length - done.length)];
    latest.current = next;
    setAnswers(next);
    if (next.length >= items.length) onDone(next.slice(0, items.length));
  };
  useInput((input, key) => {
    const k = input.toLowerCase();
    if (k === 'y' || key.return) answer(() => [true]);
    else if (k === 'n') answer(() => [false]);
    else if (k === 'a') answer((rest) => Array<boolean>(rest).fill(true));
    else if (key.escape) answer((rest) => Array<boolean>(rest).fill(false));
  });
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>Review what to remember ({items.length} proposed change{items.length === 1 ? '' : 's'}):</Text>
      {items.map((item, i) => (
        <Text key={i} {...theme.tone(i < index ? (answers[i] ? 'good' : 'dim') : i === index ? 'normal' : 'dim')}>
          {i < index ? (answers[i] ? '✓ ' : '✗ ') : i === index ? '? ' : '  '}
          {item.text}
        </Text>
      ))}
      {index < items.length ? (
        <Text {...theme.tone('accent')}>Keep this? [Y]es · [n]o · [a]ll the rest · Esc none of the rest</Text>
      ) : null}
    </Box>
  );
}
