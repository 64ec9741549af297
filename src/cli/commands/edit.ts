/**
 * `memagent edit [--user <id>] [--yes]`: opens `$VISUAL`/`$EDITOR` (else `vi`) on a readable
 * Markdown rendering of the memory (core/edit-plan.ts), shows what the edit changes in the exit
 * report's words, asks, and applies it through the locked merge. Never a blind overwrite: the
 * plan was made against one revision, and if another session wrote meanwhile, the user's edited
 * text is re-offered against the newer memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EditParseError, isEmptyPlan, parseEditable, planEdit, renderEditable, type EditPlan } from '../../core/chat.js';
import { describeChange, describeRetag, MemagentError, UsageError, type Memory, type MemoryStore } from '../../core/index.js';
import type { Services } from '../compose.js';
import { requireUser } from '../config.js';
import { confirm } from './manage.js';

/** Flags of `edit`. */
export interface EditFlags {
  user?: string;
  yes?: boolean;
}

/** How many times a conflicting or unreadable edit is re-offered before giving up. */
const MAX_ROUNDS = 5;

/**
 * Runs `edit`. The text being edited lives in a private temp dir (0700, file 0600) removed at
 * the end, whatever happens. The editor's exit code other than 0 cancels.
 * @returns 0 (saved, unchanged or cancelled).
 * @throws UsageError without a terminal and without `--yes`, for an edit that cannot be read when
 *   there is no terminal to re-offer it on, or when the editor cannot be started; MemagentError
 *   when not confirmed or the memory kept changing; MemoryFileError; LockError.
 */
export async function runEdit(services: Services, flags: EditFlags): Promise<number> {
  const userId = requireUser(flags.user);
  const store = services.store;
  const interactive = Boolean(process.stdin.isTTY);
  if (!interactive && !flags.yes) {
    throw new UsageError('memagent edit asks before it writes: run it in a terminal, or add --yes to apply the edit without asking');
  }
  let { memory } = await store.load(userId);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memagent-edit-'));
  const file = path.join(dir, `${userId}.memory.md`);
  try {
    let text = renderEditable(memory);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const original = text;
      const edited = editInEditor(file, text);
      if (edited === null) return done('The editor exited with an error; nothing changed.');
      if (edited === original) return done('No changes.');
      let plan: EditPlan;
      try {
        const parsed = parseEditable(edited);
        if (parsed === null) return done('Edit cancelled (empty file); nothing changed.');
        plan = planEdit(memory, parsed, { sessionId: `edit-${Date.now().toString(36)}`, now: new Date() });
      } catch (error) {
        if (!(error instanceof EditParseError)) throw error;
        if (!interactive) throw new UsageError(`the edit cannot be applied: ${error.problems.slice(0, 3).join('; ')}; nothing changed`);
        process.stderr.write(`${error.problems.map((p) => `memagent: ${p}`).join('\n')}\n`);
        if (!(await confirm('Re-open the editor to fix it?'))) throw new MemagentError('edit not applied; nothing changed');
        text = withProblems(edited, error.problems);
        continue;
      }
      if (isEmptyPlan(plan)) return done('No changes to the memory.');
      const lines = [...plan.changes.map(describeChange), ...plan.retags.map(describeRetag)].map((l) => l.text);
      for (const w of plan.warnings) lines.push(`! ${w}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!flags.yes && !(await confirm('Apply these changes?'))) throw new MemagentError('not confirmed; nothing changed');
      const result = await applyPlan(store, userId, plan);
      if (result.written) {
        return done(`Saved ${userId}'s memory (revision ${result.revision}; memagent undo --user ${userId} reverts).`);
      }
      // Someone wrote meanwhile: re-offer the user's own text against the newer memory.
      const newer = (await store.load(userId)).memory;
      const note = `the memory changed while you were editing (revision ${memory.revision} → ${newer.revision}); check your edit against it and save again`;
      memory = newer;
      if (!interactive) throw new MemagentError(`${note.replace('check your edit against it and save again', 'nothing written; run memagent edit again')}`);
      process.stderr.write(`memagent: ${note}\n`);
      text = withProblems(edited, [note]);
    }
    throw new MemagentError('the edit could not be applied after several tries; nothing changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function done(message: string): number {
  process.stdout.write(`${message}\n`);
  return 0;
}

/** The text with `problems` as `# !` comment lines first (replacing earlier ones). */
function withProblems(text: string, problems: readonly string[]): string {
  const body = text.split('\n').filter((l) => !l.startsWith('# ! ')).join('\n').replace(/^#\n/, '');
  return `${problems.map((p) => `# ! ${p}`).join('\n')}\n#\n${body}`;
}

/**
 * Writes `text` to `file` (0600), runs the user's editor on it and returns what was saved, or
 * null when the editor failed. `$VISUAL`, then `$EDITOR`, may hold arguments (`code -w`): it is
 * run through the shell with the file as `$1`, never interpolated.
 * @throws UsageError when the editor cannot be started.
 */
function editInEditor(file: string, text: string): string | null {
  writeFileSync(file, text, { mode: 0o600 });
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const run = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'memagent-editor', file], { stdio: 'inherit' });
  if (run.error) throw new UsageError(`could not start the editor "${editor}": ${run.error.message}; set EDITOR`);
  if (run.status === 127) throw new UsageError(`the editor "${editor}" was not found; set EDITOR (e.g. EDITOR=nano)`);
  if (run.status !== 0) return null;
  return readFileSync(file, 'utf8');
}

/**
 * Applies `plan` under the user's lock, only if the memory is still at the revision the plan
 * was made against (otherwise writes nothing: `written` false).
 */
async function applyPlan(store: MemoryStore, userId: string, plan: EditPlan): Promise<{ written: boolean; revision: number }> {
  const result = await store.update(userId, (current: Memory) => (current.revision === plan.revision ? plan.memory : null));
  return { written: result.written, revision: result.after.revision };
}
