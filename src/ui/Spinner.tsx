/** A spinner with the seconds elapsed since `since`, e.g. `⠹ 3s`. */
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { useTheme } from './theme.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Frame interval (ms): smooth enough to show life, slow enough to cost nothing. */
const FRAME_MS = 120;

/** Props of `Spinner`: `since` is an epoch-ms start time; `label` follows the spinner. */
export interface SpinnerProps {
  readonly since: number;
  readonly label: string;
}

/** Animates while mounted; unmount it to stop. */
export function Spinner({ since, label }: SpinnerProps) {
  const theme = useTheme();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), FRAME_MS);
    return () => clearInterval(timer);
  }, []);
  const frame = FRAMES[Math.floor(now / FRAME_MS) % FRAMES.length];
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  return (
    <Text>
      <Text {...theme.tone('accent')}>{frame}</Text> {label} <Text {...theme.tone('dim')}>{seconds}s</Text>
    </Text>
  );
}
