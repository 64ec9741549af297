// `--help`, usage errors and shell completion as a user meets them (issue 14, "Help and errors"):
// the commander program in process for the texts, the built CLI for exit codes and stderr, and
// the real bash for the completion script.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { completionScript } from '../src/cli/completion.js';
import { COMMAND_HELP, oneLineError } from '../src/cli/help.js';
import { cliEnv, runCli, tempWorkspace } from './helpers/cli.js';

function helpOf(name: string): string {
  const command = buildProgram().commands.find((c) => c.name() === name);
  if (!command) throw new Error(`no command ${name}`);
  let out = '';
  command.configureOutput({ writeOut: (s) => void (out += s) });
  command.outputHelp();
  return out;
}

describe('--help', () => {
  it('every command shows examples, and those that open memory list the variables they read', () => {
    for (const command of buildProgram().commands) {
      if (command.name() === 'help') continue;
      const help = helpOf(command.name());
      expect(help, command.name()).toContain('Examples:');
      expect(COMMAND_HELP[command.name()], `${command.name()} has no examples in src/cli/help.ts`).toBeDefined();
      if (command.options.some((o) => o.long === '--memory-dir')) expect(help, command.name()).toContain('MEMAGENT_MEMORY_DIR');
    }
    expect(helpOf('chat')).toContain('ANTHROPIC_API_KEY');
    expect(helpOf('chat')).toContain('git diff | memagent "review this"');
  });

  it('a mistyped option is named with its suggestion in one line, then the command\'s own help', async () => {
    const ws = await tempWorkspace();
    const r = await runCli(['chat', '--usr', 'alice'], { cwd: ws.cwd, env: cliEnv({ MEMAGENT_MEMORY_DIR: ws.memoryDir }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("memagent: error: unknown option '--usr' (did you mean --user?)\n(see memagent chat --help)\n");
    expect(r.stdout).toBe('');
  });

  it('commander errors become one line; other output passes through', () => {
    expect(oneLineError("error: missing required argument 'shell'\n")).toBe("memagent: error: missing required argument 'shell'\n");
    expect(oneLineError('Usage: memagent\n')).toBe('Usage: memagent\n');
  });
});

describe('memagent completion', () => {
  async function complete(words: string[]): Promise<string[]> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memagent-completion-'));
    const script = path.join(dir, 'memagent.bash');
    await fs.writeFile(script, completionScript(buildProgram(), 'bash'));
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const out = execFileSync('bash', ['-c', `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _memagent; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      encoding: 'utf8',
    });
    return out.split('\n').filter(Boolean);
  }

  it('bash completes command names, then that command\'s options, and nothing after an option that takes a value', async () => {
    expect(await complete(['memagent', 'sh'])).toEqual(['show']);
    expect(await complete(['memagent', 'ex'])).toEqual(['export']);
    expect(await complete(['memagent', 'chat', '--inc'])).toEqual(['--incognito']);
    expect(await complete(['memagent', 'forget', '--y'])).toEqual(['--yes']);
    expect(await complete(['memagent', 'chat', '--user', ''])).toEqual([]);
  });

  it('zsh and fish scripts name every command; an unknown shell is one line with the choices', async () => {
    const names = buildProgram().commands.map((c) => c.name()).filter((n) => n !== 'help');
    const zsh = completionScript(buildProgram(), 'zsh');
    const fish = completionScript(buildProgram(), 'fish');
    expect(zsh.startsWith('#compdef memagent\n')).toBe(true);
    for (const name of names) {
      expect(zsh).toContain(`'${name}:`);
      expect(fish).toContain(`-a ${name} -d`);
    }
    const ws = await tempWorkspace();
    const r = await runCli(['completion', 'tcsh'], { cwd: ws.cwd, env: cliEnv({}) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('memagent: no completion for shell "tcsh"; choose one of: bash, zsh, fish (e.g. memagent completion bash)\n');
  });
});
