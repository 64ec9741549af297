// `--help`, usage errors and shell completion as a user meets them (issue 14, "Help and errors"):
// the commander program in process for the texts, the built CLI for exit codes and stderr, and
// the real bash for the completion script.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_HELP, oneLineError } from '../src/cli/help.js';
import { apiWorkspace, BIN, cliEnv, runCli, tempWorkspace } from './helpers/cli.js';
import { useFakeApi } from './helpers/fake.js';
import { hasTmux, tmuxServer, waitForPane } from './helpers/tmux.js';

const fake = useFakeApi();

const ws0 = tempWorkspace();

async function cli(args: string[]) {
  const ws = await ws0;
  return runCli(args, { cwd: ws.cwd, env: cliEnv({ MEMAGENT_MEMORY_DIR: ws.memoryDir }) });
}

/** The command names `memagent --help` lists. */
async function commandNames(): Promise<string[]> {
  const { stdout } = await cli(['--help']);
  const block = stdout.slice(stdout.indexOf('Commands:'));
  return [...block.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]).filter((n) => n !== 'help');
}

async function helpOf(name: string): Promise<string> {
  const r = await cli([name, '--help']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('--help', () => {
  it('every command shows examples, and those that open memory list the variables they read', async () => {
    const names = await commandNames();
    expect(names).toEqual(expect.arrayContaining(['chat', 'show', 'edit', 'completion']));
    for (const name of names) {
      const help = await helpOf(name);
      expect(help, name).toContain('Examples:');
      expect(COMMAND_HELP[name], `${name} has no examples in src/cli/help.ts`).toBeDefined();
      if (help.includes('--memory-dir')) expect(help, name).toContain('MEMAGENT_MEMORY_DIR');
    }
    const chat = await helpOf('chat');
    expect(chat).toContain('ANTHROPIC_API_KEY');
    expect(chat).toContain('git diff | memagent "review this"');
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
    await fs.writeFile(script, (await cli(['completion', 'bash'])).stdout);
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
    const names = await commandNames();
    const zsh = (await cli(['completion', 'zsh'])).stdout;
    const fish = (await cli(['completion', 'fish'])).stdout;
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

describe.skipIf(!hasTmux)('chat from a keyboard with stdout piped (memagent chat | tee log)', () => {
  const tmux = tmuxServer(`memagent-tee-${process.pid}`);
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
  });

  it('says plainly why it is in line mode, answers each line into the pipe, and saves at Ctrl+D', async () => {
    const ws = await apiWorkspace(fake().url);
    const log = path.join(ws.cwd, 'chat.log');
    const env = `ANTHROPIC_API_KEY=test-key ANTHROPIC_BASE_URL=${fake().url} MEMAGENT_MEMORY_DIR=${ws.memoryDir}`;
    const script = `cd ${ws.cwd} && env -u CI ${env} ${process.execPath} ${BIN} chat --user tee | tee ${log}; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', 'tee', '-x', '120', '-y', '30', script);
    await waitForPane(tmux, 'tee', /line mode, because stdout is not a terminal \(piped or redirected\)/, 15_000);
    tmux('send-keys', '-t', 'tee', '-l', 'I like green tea.');
    tmux('send-keys', '-t', 'tee', 'Enter');
    await waitForPane(tmux, 'tee', /You said: "I like green tea\./, 15_000);
    tmux('send-keys', '-t', 'tee', 'C-d');
    const end = await waitForPane(tmux, 'tee', /EXIT=\d+/, 20_000);
    expect(end).toContain('EXIT=0');
    expect(await fs.readFile(log, 'utf8')).toContain('You said: "I like green tea.');
    expect(await fs.readFile(path.join(ws.memoryDir, 'tee.json'), 'utf8')).toContain('I like green tea.');
  });
});
