// Parses the command a schedule will run with the real command tree (every command, flag and argument checked as
// `lifeboat` itself would), without running it, and says what the unit must be allowed to write.
import { isAbsolute } from 'node:path'
import type { Command } from 'commander'
import { Output } from '../cli/output.js'
import type { CliContext } from '../cli/main.js'
import { UsageError } from '../errors.js'

export interface CheckedCommand {
  /** The command path, e.g. "backup atproto". */
  path: string
  /** Absolute paths the command writes: its store, its output's folder. */
  writes: string[]
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)]
}

function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/** `context.commandTree` builds the tree (the tree registers this very command, so it is passed in, not imported). */
export async function checkScheduledCommand(args: string[], context: CliContext): Promise<CheckedCommand> {
  if (!context.commandTree) throw new Error('checkScheduledCommand needs a context made by buildProgram')
  const silent: CliContext = { out: new Output({ quiet: true }), signal: new AbortController().signal, env: {} }
  const program = await context.commandTree(silent)
  let reached: Command | null = null
  for (const command of allCommands(program)) {
    command.configureOutput({ writeOut: () => {}, writeErr: () => {} })
    if (command.commands.length === 0) {
      // Parse only: no action runs, and neither do the hooks that check the local file system (the output path),
      // which describe the machine the command runs on at that time, not now.
      command.action((...params: unknown[]) => {
        reached = params.at(-1) as Command
      })
      ;(command as unknown as { _lifeCycleHooks: Record<string, unknown[]> })._lifeCycleHooks = {}
    }
  }
  try {
    await program.parseAsync(args, { from: 'user' })
  } catch (error) {
    const message = ((error as Error).message ?? String(error)).replace(/^error: /, '')
    throw new UsageError(`The command to schedule is not a valid Lifeboat command: ${message}`, { hint: 'Check it with `lifeboat <command> --help`, then put it after --.' })
  }
  const leaf = reached as Command | null
  if (!leaf) throw new UsageError('The command to schedule names no Lifeboat command.', { hint: 'Example: lifeboat schedule systemd -- backup pds-dir /pds --store /var/backups/pds' })
  const path = commandPath(leaf)
  const options = leaf.opts<{ store?: string; output?: string }>()
  if (options.output !== undefined) {
    throw new UsageError(`Refusing to schedule \`${path} -o ${options.output}\`: the second run would find the file from the first.`, {
      hint: 'Schedule a backup into a store instead (lifeboat backup … --store DIR), which keeps every run as a snapshot.',
    })
  }
  const writes: string[] = []
  for (const [flag, value] of [['--store', options.store]] as const) {
    // A store that comes from LIFEBOAT_STORE here is not the one the EnvironmentFile will name: only the command line counts.
    if (value === undefined || leaf.getOptionValueSource('store') !== 'cli') continue
    // An S3 store (s3://bucket/prefix) is no local path to make writable; its staging goes to the private /tmp.
    if (/^s3:\/\//i.test(value)) continue
    if (!isAbsolute(value)) throw new UsageError(`${flag} ${value} is a relative path; a scheduled command needs an absolute one.`)
    writes.push(value)
  }
  return { path, writes }
}
