// `lifeboat completion bash|zsh|fish`: shell completion scripts generated from the commander tree, so every command,
// subcommand and long option that exists is offered, and nothing else. Completion is by position in the command
// path (`backup` → `atproto`, `pds-dir`); option values are left to the shell's file completion.
import type { Command } from 'commander'
import { UsageError } from '../errors.js'

interface Node {
  /** The command path below `lifeboat`, e.g. ['backup', 'atproto']; [] for the program itself. */
  path: string[]
  description: string
  subcommands: string[]
  options: string[]
}

function walk(command: Command, path: string[] = []): Node[] {
  // Help's own list of visible commands (public API); the implicit `help` command it adds is one of `commands` only
  // when registered, so it is matched against them.
  const visible = command.createHelp().visibleCommands(command).filter((c) => command.commands.includes(c))
  const options = command.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short]).filter((f): f is string => Boolean(f))
  const node: Node = { path, description: command.description(), subcommands: visible.map((c) => c.name()), options: [...options, '--help'] }
  return [node, ...visible.flatMap((c) => walk(c, [...path, c.name()]))]
}

/** Single-quoted for sh-like shells. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

function bash(nodes: Node[]): string {
  const entries = nodes.map((n) => `  [${quote(n.path.join(' '))}]=${quote([...n.subcommands, ...n.options].join(' '))}`)
  return `# lifeboat completion for bash: source <(lifeboat completion bash), or save it in
# /etc/bash_completion.d/lifeboat (or ~/.local/share/bash-completion/completions/lifeboat).
_lifeboat() {
  local -A words=(
${entries.join('\n')}
  )
  local path='' word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ -n \${words["\${path:+$path }$word"]+set} ]]; then path=\${path:+$path }$word; fi
  done
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [[ $cur == -* || -n \${words[$path]} ]]; then
    COMPREPLY=($(compgen -W "\${words[$path]}" -- "$cur"))
  fi
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  return 0
}
complete -F _lifeboat lifeboat
`
}

function zsh(nodes: Node[]): string {
  // Not `path`: zsh ties it to $PATH, so a local `path` would empty PATH for everything the completion calls.
  const entries = nodes.map((n) => `    ${quote(n.path.join(' '))} ${quote([...n.subcommands, ...n.options].join(' '))}`)
  return `#compdef lifeboat
# lifeboat completion for zsh: save as _lifeboat in a directory on $fpath (e.g. ~/.zfunc), or
# source <(lifeboat completion zsh) after compinit.
_lifeboat() {
  local -A table
  table=(
${entries.join('\n')}
  )
  local at='' word i
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    if (( \${+table[\${at:+$at }$word]} )); then at=\${at:+$at }$word; fi
  done
  local -a candidates
  candidates=(\${=table[$at]})
  if [[ \${words[CURRENT]} == -* ]]; then
    compadd -- \${(M)candidates:#-*}
  elif (( \${#\${candidates:#-*}} )); then
    compadd -- \${candidates:#-*}
  else
    _files
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then _lifeboat "$@"; else compdef _lifeboat lifeboat; fi
`
}

function fish(nodes: Node[]): string {
  const lines = ['# lifeboat completion for fish: lifeboat completion fish > ~/.config/fish/completions/lifeboat.fish', 'complete -c lifeboat -f']
  for (const node of nodes) {
    // The path so far must have been typed, and none of this node's subcommands yet.
    const seen = node.path.map((p) => `__fish_seen_subcommand_from ${p}`)
    const notYet = node.subcommands.length ? [`not __fish_seen_subcommand_from ${node.subcommands.join(' ')}`] : []
    const condition = node.path.length === 0 ? '__fish_use_subcommand' : [...seen, ...notYet].join('; and ')
    for (const sub of nodes.filter((n) => n.path.length === node.path.length + 1 && n.path.slice(0, -1).join(' ') === node.path.join(' '))) {
      lines.push(`complete -c lifeboat -n ${quote(condition)} -a ${quote(sub.path.at(-1)!)} -d ${quote(sub.description.slice(0, 80))}`)
    }
    for (const option of node.options.filter((o) => o.startsWith('--'))) {
      lines.push(`complete -c lifeboat -n ${quote(node.path.length === 0 ? '__fish_use_subcommand' : seen.join('; and '))} -l ${option.slice(2)} -r -F`)
    }
  }
  return lines.join('\n') + '\n'
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const

export function completionScript(program: Command, shell: string): string {
  const nodes = walk(program)
  if (shell === 'bash') return bash(nodes)
  if (shell === 'zsh') return zsh(nodes)
  if (shell === 'fish') return fish(nodes)
  throw new UsageError(`No completion for the shell "${shell}".`, { hint: `Use one of: ${SHELLS.join(', ')}.` })
}
