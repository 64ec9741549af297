/**
 * The REPL's colours in one place. With `NO_COLOR` set (https://no-color.org) every colour and
 * style is dropped and answers are shown as their plain Markdown source.
 */
import { createContext, useContext } from 'react';

/** Props a `<Text>` takes for one tone; empty when colour is off. */
export interface ToneProps {
  readonly color?: string;
  readonly dimColor?: boolean;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly strikethrough?: boolean;
}

/** The tones the UI uses; each maps to `ToneProps`. */
export type Tone = 'normal' | 'dim' | 'accent' | 'good' | 'bad' | 'warn' | 'heading' | 'code' | 'link' | 'prompt';

const COLORED: Record<Tone, ToneProps> = {
  normal: {},
  dim: { dimColor: true },
  accent: { color: 'cyan' },
  good: { color: 'green' },
  bad: { color: 'red' },
  warn: { color: 'yellow' },
  heading: { color: 'cyan', bold: true },
  code: { color: 'yellow' },
  link: { color: 'blue', underline: true },
  prompt: { color: 'magenta', bold: true },
};

/** How the REPL draws: `color: false` means plain text (NO_COLOR). */
export interface Theme {
  readonly color: boolean;
  /** `<Text>` props for a tone (empty when colour is off). */
  tone(tone: Tone): ToneProps;
  /** Border colour for frames, or undefined when colour is off. */
  readonly borderColor: string | undefined;
}

/** Builds a theme. `color: false` gives plain output (no colours, no styles). */
export function createTheme(color: boolean): Theme {
  return {
    color,
    tone: (tone) => (color ? COLORED[tone] : {}),
    borderColor: color ? 'gray' : undefined,
  };
}

/** True unless `NO_COLOR` is set to a non-empty value (the no-color.org rule). */
export function colorFromEnv(env: NodeJS.ProcessEnv): boolean {
  return !env.NO_COLOR;
}

/** The theme of the tree below it; defaults to colour on. */
export const ThemeContext = createContext<Theme>(createTheme(true));

/** The current theme (see `ThemeContext`). */
export function useTheme(): Theme {
  return useContext(ThemeContext);
}
