/**
 * Text that Ink wraps, without Ink's stray space: Ink keeps the space at a line break, so a row
 * that fills the width exactly pushes that space to the start of the next row. `Prose` drops
 * it (after any style codes) on every row but the first.
 */
import { Transform } from 'ink';
import type { ReactNode } from 'react';

/** Props of `Prose`: a `<Text>` (or text) to wrap. */
export interface ProseProps {
  readonly children: ReactNode;
}

/** Renders its `<Text>` children with wrapped rows not starting with a space. */
export function Prose({ children }: ProseProps) {
  return <Transform transform={dropWrapSpace}>{children}</Transform>;
}

/** One wrapped row without the single leading space a break left (row 0 is kept as is). */
export function dropWrapSpace(line: string, index: number): string {
  return index === 0 ? line : line.replace(/^((?:\x1b\[[\d;]*m)*) /, '$1');
}
