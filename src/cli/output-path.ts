// The output path of a command that writes a file (`-o archive.zip`) is checked before anything else runs, so a typo
// costs nothing: no network request, no login, no half-made folders. Contract (docs/cli.md "Output paths"):
// - the parent folder must exist and be a folder (exit 2), unless --mkdir, which creates it (mode 0700);
// - an existing output is refused (exit 2) unless the command's overwrite flag (--force) is given.
import { mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import { UsageError } from '../errors.js'

export interface OutputPathCheck {
  mkdir?: boolean
  overwrite?: boolean
  /** The overwrite flag's spelling, for the hint. */
  overwriteFlag?: string
}

export function checkOutputPath(path: string, options: OutputPathCheck = {}): void {
  const parent = dirname(resolve(path))
  const folder = statSync(parent, { throwIfNoEntry: false })
  if (!folder) {
    if (!options.mkdir) throw new UsageError(`The folder ${parent} does not exist.`, { hint: 'Create it first, or pass --mkdir to create it.' })
    mkdirSync(parent, { recursive: true, mode: 0o700 })
  } else if (!folder.isDirectory()) {
    throw new UsageError(`${parent} is not a folder.`, { hint: 'Choose an output path inside a folder.' })
  }
  const existing = statSync(path, { throwIfNoEntry: false })
  if (existing && !options.overwrite) {
    throw new UsageError(`${path} already exists.`, { hint: `Choose another output name, or pass ${options.overwriteFlag ?? '--force'} to replace it.` })
  }
  if (existing?.isDirectory()) throw new UsageError(`${path} is a folder, not a file.`)
}

export const MKDIR_HELP = 'create the output\'s folder when it does not exist'

/** A preAction hook: checks `-o/--output` (with --mkdir, and --force as the overwrite flag) before the action runs. */
export function checkOutputHook(_command: Command, action: Command): void {
  const options = action.opts<{ output?: string; force?: boolean; mkdir?: boolean }>()
  if (options.output) checkOutputPath(options.output, { mkdir: options.mkdir, overwrite: options.force })
}
