/**
 * Pipe mode: `printf 'hi\nbye\n' | memagent chat --user alice`. Ink is never mounted (its raw
 * mode throws when stdin is not a TTY). Each input line is one user turn; answers go to stdout
 * as plain text with no escape codes; status goes to stderr; at end of input the extraction runs.
 */
import readline from 'node:readline';
import { describeChanges, type ChatSession } from '../core/index.js';

const EXIT_WORDS = new Set(['/exit', 'exit', 'quit']);

/**
 * Reads stdin line by line until EOF or an exit word, then saves memory.
 * @returns the exit code: 0, or 1 when any turn failed at the API.
 */
export async function runPipe(session: ChatSession, opts: { exitTimeoutMs: number }): Promise<number> {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let code = 0;
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) continue;
    if (EXIT_WORDS.has(line.toLowerCase())) break;
    const outcome = await session.send(line, (event) => {
      switch (event.type) {
        case 'text':
          return void process.stdout.write(event.text);
        case 'retry':
          return void process.stderr.write(`memagent: retrying (attempt ${event.attempt}): ${event.reason}\n`);
        case 'tool_call':
        case 'tool_result':
          return; // nothing emits these yet
        default:
          return event satisfies never;
      }
    });
    if (outcome.type === 'error') {
      if (outcome.partialText) process.stdout.write('\n');
      process.stderr.write(`memagent: ${outcome.error.message}\n`);
      code = 1;
    } else {
      process.stdout.write('\n');
    }
  }
  rl.close();
  if (session.journalPath === null) {
    process.stderr.write('memagent: incognito, nothing saved\n');
    return code;
  }
  process.stderr.write('memagent: saving memory…\n');
  try {
    const outcome = await session.finish(AbortSignal.timeout(opts.exitTimeoutMs));
    if (outcome) {
      process.stderr.write(`${describeChanges(outcome).join('\n')}\n`);
      // What grounding and the merge refused or cut (unknown facts, over-long or too many items):
      // a script's log is where a misbehaving extraction model gets noticed.
      for (const warning of outcome.warnings) process.stderr.write(`memagent: note: ${warning}\n`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`memagent: could not save memory now (${message}); this session is kept and will be saved next time\n`);
  }
  return code;
}
