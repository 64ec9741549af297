/**
 * `chat --review`: before anything is written, each proposed memory change is shown and the user
 * answers y (keep, also Enter), n (drop), a (keep this and the rest) or Esc (drop this and the rest).
 * Items grounding did not keep (`dropped`, listed last) are offered to keep anyway: Enter means
 * no for them, and "all the rest" leaves them out; only y keeps one.
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
  const dropped = items.filter((item) => item.dropped).length;
  const answer = (more: (rest: readonly ReviewItem[]) => boolean[]) => {
    const done = latest.current;
    if (done.length >= items.length) return;
    const next = [...done, ...more(items.slice(done.length))];
    latest.current = next;
    setAnswers(next);
    if (next.length >= items.length) onDone(next.slice(0, items.length));
  };
  useInput((input, key) => {
    const k = input.toLowerCase();
    if (k === 'y') answer(() => [true]);
    else if (key.return) answer((rest) => [!rest[0]?.dropped]);
    else if (k === 'n') answer(() => [false]);
    else if (k === 'a') answer((rest) => rest.map((item) => !item.dropped));
    else if (key.escape) answer((rest) => rest.map(() => false));
  });
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        Review what to remember ({items.length} proposed change{items.length === 1 ? '' : 's'}
        {dropped > 0 ? `, ${dropped} of them not kept for now` : ''}):
      </Text>
      {items.map((item, i) => (
        <Text key={i} {...theme.tone(i < index ? (answers[i] ? 'good' : 'dim') : i === index ? 'normal' : 'dim')}>
          {i < index ? (answers[i] ? '✓ ' : '✗ ') : i === index ? '? ' : '  '}
          {item.text}
        </Text>
      ))}
      {index < items.length ? (
        <Text {...theme.tone('accent')}>
          {items[index].dropped
            ? 'Keep it anyway? [y]es · [N]o · [a]ll the rest (not the ones not kept) · Esc none of the rest'
            : 'Keep this? [Y]es · [n]o · [a]ll the rest · Esc none of the rest'}
        </Text>
      ) : null}
    </Box>
  );
}
