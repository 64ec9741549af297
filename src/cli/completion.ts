/**
 * `memagent completion bash|zsh|fish`: a shell completion script generated from the commander
 * program itself (its commands and their options), so it never lags behind the commands.
 * Completes command names, each command's options, and directories after `--memory-dir`; values
 * of other options (user ids, models) are free-form and not completed. Pure: builds text only.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/index.js';

/** The shells `completion` supports. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Spec {
  name: string;
  description: string;
  options: Array<{ flag: string; description: string; takesValue: boolean; short?: string }>;
}

function specOf(program: Command): Spec[] {
  return program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({
      name: c.name(),
      description: c.description().split('\n')[0],
      options: [
        ...c.options
          .filter((o) => o.long)
          .map((o) => ({
            flag: o.long as string,
            description: o.description,
            takesValue: o.required || o.optional,
            ...(o.short ? { short: o.short } : {}),
          })),
        { flag: '--help', description: 'show help', takesValue: false, short: '-h' },
      ],
    }));
}

/**
 * The completion script for `shell`.
 * @throws UsageError for a shell not in `SHELLS`.
 */
export function completionScript(program: Command, shell: string): string {
  const spec = specOf(program);
  switch (shell) {
    case 'bash':
      return bash(spec);
    case 'zsh':
      return zsh(spec);
    case 'fish':
      return fish(spec);
    default:
      throw new UsageError(`no completion for shell "${shell}"; choose one of: ${SHELLS.join(', ')} (e.g. memagent completion bash)`);
  }
}

function bash(spec: Spec[]): string {
  const cases = spec
    .map((c) => `    ${c.name}) opts="${c.options.map((o) => [o.flag, o.short].filter(Boolean).join(' ')).join(' ')}" ;;`)
    .join('\n');
  const valued = [...new Set(spec.flatMap((c) => c.options.filter((o) => o.takesValue).map((o) => o.flag)))].join('|');
  return `# memagent bash completion: add to ~/.bashrc with  memagent completion bash >> ~/.bashrc
_memagent() {
  local cur prev cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$prev" in
    --memory-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${valued || '--no-valued-option'}) COMPREPLY=(); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${spec.map((c) => c.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _memagent memagent
`;
}

function zshQuote(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "'\\''").replace(/\[/g, '\\[').replace(/\]/g, '\\]').replace(/:/g, '\\:');
}

function zsh(spec: Spec[]): string {
  const commands = spec.map((c) => `    '${c.name}:${zshQuote(c.description)}'`).join('\n');
  const cases = spec
    .map((c) => {
      const args = c.options
        .map((o) => `'${o.flag}[${zshQuote(o.description)}]${o.takesValue ? (o.flag === '--memory-dir' ? ':dir:_files -/' : ':value:') : ''}'`)
        .join(' ');
      return `    ${c.name}) _arguments ${args} '*:argument:_default' ;;`;
    })
    .join('\n');
  return `#compdef memagent
# memagent zsh completion: memagent completion zsh > "\${fpath[1]}/_memagent"
_memagent() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
}
compdef _memagent memagent
`;
}

function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fish(spec: Spec[]): string {
  const names = spec.map((c) => c.name).join(' ');
  const lines = [
    '# memagent fish completion: memagent completion fish > ~/.config/fish/completions/memagent.fish',
    'complete -c memagent -f',
    ...spec.map((c) => `complete -c memagent -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${fishQuote(c.description)}`),
  ];
  for (const c of spec) {
    for (const o of c.options) {
      const long = o.flag.replace(/^--/, '');
      const short = o.short ? ` -s ${o.short.replace(/^-/, '')}` : '';
      const value = o.takesValue ? (o.flag === '--memory-dir' ? ' -r -F' : ' -r') : '';
      lines.push(`complete -c memagent -n "__fish_seen_subcommand_from ${c.name}" -l ${long}${short}${value} -d ${fishQuote(o.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
