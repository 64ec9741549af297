/**
 * Pipe mode: `printf 'hi\nbye\n' | memagent chat --user alice`. Ink is never mounted (its raw
 * mode throws when stdin is not a TTY). Each input line is one user turn; answers go to stdout
 * as plain text with no escape codes; status goes to stderr; at end of input the extraction runs.
 */
import readline from 'node:readline';
import { describeChanges, describeRecall, describeToolRun, terminalSafe, type ChatSession } from '../core/index.js';

const EXIT_WORDS = new Set(['/exit', 'exit', 'quit']);

/**
 * Reads stdin line by line until EOF or an exit word, then saves memory.
 * @returns the exit code: 0, or 1 when any turn failed at the API or the session's memory could
 *   not be saved at the end (its journal is kept and saved by the next run), so a script can tell.
 */
export async function runPipe(session: ChatSession, opts: { exitTimeoutMs: number }): Promise<number> {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let code = 0;
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) continue;
    if (EXIT_WORDS.has(line.toLowerCase())) break;
    code = Math.max(code, await sendPlain(session, line));
  }
  rl.close();
  return Math.max(code, await saveAndReport(session, { ...opts, verbose: true }));
}

/**
 * Sends one user turn, streaming the answer to stdout as plain text (a final newline) and status
 * (retries, notices, the API's error) to stderr. Shared by pipe mode and one-shot prompts.
 * @returns 0, or 1 when the turn failed at the API (the REPL-less equivalent of its ✗ line).
 */
export async function sendPlain(session: ChatSession, text: string): Promise<number> {
  // A tool call's input arrives with `tool_call`; its one stderr line is written with the result.
  const calls = new Map<string, unknown>();
  const outcome = await session.send(text, (event) => {
    switch (event.type) {
      case 'text':
        return void process.stdout.write(event.text);
      case 'retry':
        return void process.stderr.write(`memagent: retrying (attempt ${event.attempt}): ${event.reason}\n`);
      case 'notice':
        return void process.stderr.write(`memagent: ${event.text}\n`);
      case 'recall':
        return void process.stderr.write(`memagent: ${describeRecall(event)}\n`);
      case 'tool_call':
        return void calls.set(event.id, event.input);
      case 'tool_result':
        return void process.stderr.write(`memagent: ${describeToolRun({ ...event, input: calls.get(event.id) })}\n`);
      default:
        return event satisfies never;
    }
  });
  if (outcome.type === 'error') {
    if (outcome.partialText) process.stdout.write('\n');
    process.stderr.write(`memagent: ${outcome.error.message}\n`);
    return 1;
  }
  process.stdout.write('\n');
  return 0;
}

/**
 * Saves the session's memory (extraction and merge, within `exitTimeoutMs`) and reports on
 * stderr: the changes in the exit report's words, then what grounding and the merge refused or
 * cut (a script's log is where a misbehaving extraction model gets noticed). `verbose` adds the
 * "saving memory…" and incognito lines pipe mode prints.
 * @returns 0, or 1 when the memory could not be saved (the journal is kept for the next run).
 */
export async function saveAndReport(session: ChatSession, opts: { exitTimeoutMs: number; verbose: boolean }): Promise<number> {
  if (session.journalPath === null) {
    if (opts.verbose) process.stderr.write('memagent: incognito, nothing saved\n');
    return 0;
  }
  if (opts.verbose) process.stderr.write('memagent: saving memory…\n');
  try {
    const outcome = await session.finish(AbortSignal.timeout(opts.exitTimeoutMs));
    if (outcome) {
      process.stderr.write(`${describeChanges(outcome).join('\n')}\n`);
      for (const warning of outcome.warnings) process.stderr.write(`memagent: note: ${terminalSafe(warning)}\n`);
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`memagent: could not save memory now (${message}); this session is kept and will be saved next time\n`);
    return 1;
  }
}
