/**
 * Splits a streaming answer into chunks that are finished (rendered once, into `<Static>`) and a
 * small live tail, so the live region stays a few lines tall however long the answer grows and
 * Ink never redraws the whole answer per token. Pure: no I/O, no React.
 *
 * A chunk ends at a block boundary: after a blank line outside a code fence, after a closing
 * fence, or before an opening one. When the tail still grows past the row budget (a long list,
 * a long code block) it is cut at the last complete line; a cut inside a code fence closes the
 * fence in this chunk and reopens it in the next, and the frame is drawn open at the seam.
 */

/** An open code fence: its marker (three or more backticks or tildes) and info string. */
export interface Fence {
  readonly marker: string;
  readonly info: string;
}

/** A piece of an answer, renderable on its own. */
export interface AnswerChunk {
  /** Self-contained Markdown (a fence cut at a seam is closed / reopened here). */
  readonly markdown: string;
  /** The first code block continues one from the previous chunk (draw no top border). */
  readonly continuesFence: boolean;
  /** The last code block continues in the next chunk (draw no bottom border). */
  readonly fenceContinues: boolean;
  /** A blank line separates this chunk from the previous one (false after a forced cut). */
  readonly gapBefore: boolean;
}

/** Layout the split depends on: terminal width and how many rows the live tail may use. */
export interface SplitLayout {
  readonly columns: number;
  readonly maxLiveRows: number;
}

/** Result of `splitStable`: `stable` + `rest` === the input. */
export interface StableSplit {
  readonly stable: string;
  readonly rest: string;
  /** The fence open at the end of `stable` (so `rest` starts inside it), or null. */
  readonly fenceAfter: Fence | null;
  /** The cut was at a block boundary (not forced mid-block). */
  readonly atBoundary: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** The fence a line opens, when outside a fence. */
function opening(line: string): Fence | null {
  const m = FENCE.exec(line);
  if (!m) return null;
  // A backtick fence's info string may not contain backticks (CommonMark).
  if (m[1][0] === '`' && m[2].includes('`')) return null;
  return { marker: m[1], info: m[2].trim() };
}

/** True when `line` closes `fence`. */
function closes(line: string, fence: Fence): boolean {
  const m = FENCE.exec(line);
  return !!m && m[1][0] === fence.marker[0] && m[1].length >= fence.marker.length && m[2].trim() === '';
}

/** Rows a line takes when wrapped at `columns` (a little pessimistic: margins and bullets). */
function rowsOf(line: string, columns: number): number {
  const usable = Math.max(10, columns - 6);
  return Math.max(1, Math.ceil(line.length / usable));
}

/**
 * Finds the longest prefix of `pending` that can be rendered now and never again.
 * @param fenceBefore the fence `pending` starts inside, if any.
 */
export function splitStable(pending: string, fenceBefore: Fence | null, layout: SplitLayout): StableSplit {
  const { stable, rest, fenceAfter, atBoundary } = scanStable(pending, fenceBefore, layout);
  return { stable, rest, fenceAfter, atBoundary };
}

/** `splitStable`, plus what lets the next delta skip the scan when it adds no complete line. */
interface StableScan extends StableSplit {
  /** Index just after the last newline of `pending` (0 when there is none). */
  readonly completeEnd: number;
  /** Rows of the complete lines after the boundary, plus the open fence's frame. */
  readonly completeRows: number;
  /** There is a complete line after the boundary, so a tail over budget would be cut. */
  readonly canCut: boolean;
}

function scanStable(pending: string, fenceBefore: Fence | null, layout: SplitLayout): StableScan {
  let fence = fenceBefore;
  let boundary = 0;
  let boundaryFence: Fence | null = fenceBefore;
  const lines: Array<{ start: number; end: number; fence: Fence | null }> = [];
  let start = 0;
  for (;;) {
    const nl = pending.indexOf('\n', start);
    if (nl < 0) break;
    const line = pending.slice(start, nl);
    const end = nl + 1;
    if (fence) {
      if (closes(line, fence)) {
        fence = null;
        boundary = end;
        boundaryFence = null;
      }
    } else {
      const open = opening(line);
      if (open) {
        if (start > 0) {
          boundary = start;
          boundaryFence = null;
        }
        fence = open;
      } else if (line.trim() === '') {
        boundary = end;
        boundaryFence = null;
      }
    }
    lines.push({ start, end, fence });
    start = end;
  }
  // Rows the tail after the boundary would take; past the budget, cut at the last complete line.
  let completeRows = fence ? 2 : 0;
  for (const l of lines) if (l.start >= boundary) completeRows += rowsOf(pending.slice(l.start, l.end - 1), layout.columns);
  const rows = completeRows + rowsOf(pending.slice(start), layout.columns);
  const last = lines[lines.length - 1];
  const canCut = !!last && last.end > boundary;
  const scan = { completeEnd: start, completeRows, canCut };
  if (rows > layout.maxLiveRows && canCut) {
    return { stable: pending.slice(0, last.end), rest: pending.slice(last.end), fenceAfter: last.fence, atBoundary: false, ...scan };
  }
  return { stable: pending.slice(0, boundary), rest: pending.slice(boundary), fenceAfter: boundaryFence, atBoundary: true, ...scan };
}

/** Wraps raw answer text into a self-contained chunk (reopening / closing cut fences). */
export function toChunk(raw: string, fenceBefore: Fence | null, fenceAfter: Fence | null, gapBefore: boolean): AnswerChunk {
  let markdown = raw;
  if (fenceBefore) markdown = `${fenceBefore.marker}${fenceBefore.info}\n${markdown}`;
  if (fenceAfter) markdown = `${markdown}${markdown.endsWith('\n') ? '' : '\n'}${fenceAfter.marker}\n`;
  return { markdown, continuesFence: fenceBefore !== null, fenceContinues: fenceAfter !== null, gapBefore };
}

/**
 * Accumulates one streamed answer. `push` returns the chunks that became final; `tail` is the
 * live remainder; `end` returns whatever is left as final chunks.
 */
export class AnswerStream {
  private pending = '';
  private fence: Fence | null = null;
  private gapNext = false;
  private started = false;
  /**
   * The last scan of `pending` when it made nothing final, and the layout it used: until a delta
   * brings a newline (or the layout changes), only the unfinished last line grows, so the scan's
   * answer stays the same unless that line pushes the tail over its rows.
   */
  private quiet: { scan: StableScan; layout: SplitLayout } | null = null;

  /**
   * @param layout read on every push, so a resize takes effect at once.
   * @param fullScan re-scan the whole pending text on every delta (the reference behaviour the
   *   incremental path is tested against); the default scans only when a delta completes a line.
   */
  constructor(
    private readonly layout: () => SplitLayout,
    private readonly fullScan = false,
  ) {}

  /**
   * Adds a text delta. @returns chunks that will never change again (possibly none). Costs O(1)
   * for a delta without a newline, O(pending text) otherwise.
   */
  push(delta: string): AnswerChunk[] {
    this.pending += delta;
    const layout = this.layout();
    const quiet = this.quiet;
    if (!this.fullScan && quiet && !delta.includes('\n') && quiet.layout.columns === layout.columns && quiet.layout.maxLiveRows === layout.maxLiveRows) {
      const rows = quiet.scan.completeRows + rowsOf(this.pending.slice(quiet.scan.completeEnd), layout.columns);
      if (rows <= layout.maxLiveRows || !quiet.scan.canCut) return [];
    }
    const split = scanStable(this.pending, this.fence, layout);
    this.quiet = split.stable === '' ? { scan: split, layout } : null;
    if (!split.stable.trim() && !(split.stable && this.fence)) {
      // Only blank lines are final: drop them, but remember they separate what follows.
      if (split.stable) {
        this.pending = split.rest;
        this.fence = split.fenceAfter;
        if (split.atBoundary) this.gapNext = true;
      }
      return [];
    }
    const chunk = toChunk(split.stable, this.fence, split.fenceAfter, this.gap());
    this.gapNext = split.atBoundary && split.fenceAfter === null;
    this.pending = split.rest;
    this.fence = split.fenceAfter;
    return [chunk];
  }

  /** The live tail as a chunk, or null when nothing is pending. */
  get tail(): AnswerChunk | null {
    if (!this.pending.trim() && !this.fence) return null;
    return toChunk(this.pending, this.fence, null, this.started ? this.gapNext : false);
  }

  /** Ends the stream. @returns the rest as a final chunk (none when only whitespace is left). */
  end(): AnswerChunk[] {
    this.quiet = null;
    const rest = this.pending;
    const fence = this.fence;
    this.pending = '';
    this.fence = null;
    if (!rest.trim() && !fence) return [];
    return [toChunk(rest, fence, null, this.gap())];
  }

  private gap(): boolean {
    const gap = this.started ? this.gapNext : false;
    this.started = true;
    return gap;
  }
}
