// Parses the command a schedule will run with the real command tree (every command, flag and argument checked as
// `lifeboat` itself would), without running it, and says what the unit must be allowed to write.
import { isAbsolute } from 'node:path'
import type { Command } from 'commander'
import { Output } from '../output.js'
import type { CliContext } from '../cli/main.js'
import { UsageError } from '../errors.js'
import { parseOnly } from '../cli/parse-only.js'
import { configuredStore } from '../config/load.js'

export interface CheckedCommand {
  /** The command path, e.g. "backup atproto". */
  path: string
  /** Absolute paths the command writes: its store, its output's folder. */
  writes: string[]
}

function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/** `context.commandTree` builds the tree (the tree registers this very command, so it is passed in, not imported). */
export async function checkScheduledCommand(args: string[], context: CliContext): Promise<CheckedCommand> {
  if (!context.commandTree) throw new Error('checkScheduledCommand needs a context made by buildProgram')
  const silent: CliContext = { out: new Output({ quiet: true }), signal: new AbortController().signal, env: {}, secrets: context.secrets }
  // Parse only: no action runs, and neither do the hooks that check the local file system (the output path),
  // which describe the machine the command runs on at that time, not now.
  let leaf: Command | null
  try {
    leaf = await parseOnly(await context.commandTree(silent), args)
  } catch (error) {
    const message = ((error as Error).message ?? String(error)).replace(/^error: /, '')
    throw new UsageError(`The command to schedule is not a valid Lifeboat command: ${message}`, { hint: 'Check it with `lifeboat <command> --help`, then put it after --.' })
  }
  if (!leaf) throw new UsageError('The command to schedule names no Lifeboat command.', { hint: 'Example: lifeboat schedule systemd -- backup pds-dir /pds --store /var/backups/pds' })
  const path = commandPath(leaf)
  // A command that takes no arguments but lets extra words through (the default `backup` command, which turns
  // `backup atprot` into a message when it runs) must not take them here either.
  if (leaf.registeredArguments.length === 0 && leaf.args.length > 0) {
    throw new UsageError(`The command to schedule is not a valid Lifeboat command: ${path} takes no ${JSON.stringify(leaf.args[0])}.`, { hint: 'Check it with `lifeboat <command> --help`, then put it after --.' })
  }
  const options = leaf.opts<{ store?: string; output?: string; config?: string }>()
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
  writes.push(...(await configuredWrites(leaf, options, context)))
  return { path, writes }
}

/**
 * `backup` (every configured account) reads its store from the configuration file: a --config on the command line
 * must be absolute, and when the file can be read now its local store becomes writable for the unit too.
 */
async function configuredWrites(leaf: Command, options: { store?: string; config?: string }, context: CliContext): Promise<string[]> {
  if (!leaf.options.some((o) => o.long === '--config')) return []
  if (options.config === undefined || leaf.getOptionValueSource('config') !== 'cli') {
    context.out.warn('no --config: the service will read LIFEBOAT_CONFIG from its EnvironmentFile, else the default path in the home of the user it runs as; name the file with --config /etc/lifeboat/config.toml to be sure.')
    return []
  }
  if (!isAbsolute(options.config)) throw new UsageError(`--config ${options.config} is a relative path; a scheduled command needs an absolute one.`)
  if (options.store !== undefined && leaf.getOptionValueSource('store') === 'cli') return []
  const store = await configuredStore(options.config)
  return store && isAbsolute(store) ? [store] : []
}
