/**
 * `chat --review`: before anything is written, each proposed memory change is shown and the user
 * answers y (keep, also Enter), n (drop), a (keep this and the rest) or Esc (drop this and the rest).
 */
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import type { ReviewItem } from '../core/review.js';
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
  const index = answers.length;
  const answer = (next: boolean[]) => {
    setAnswers(next);
    if (next.length >= items.length) onDone(next.slice(0, items.length));
  };
  useInput((input, key) => {
    if (index >= items.length) return;
    const k = input.toLowerCase();
    if (k === 'y' || key.return) answer([...answers, true]);
    else if (k === 'n') answer([...answers, false]);
    else if (k === 'a') answer([...answers, ...items.slice(index).map(() => true)]);
    else if (key.escape) answer([...answers, ...items.slice(index).map(() => false)]);
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
