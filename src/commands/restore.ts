// `lifeboat restore <kind> …`: the parent of the restore subcommands. `atproto` is the default, so
// `lifeboat restore --store … --to-pds …` restores an account without naming the kind.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { registerSubcommand as registerAtproto } from './restore-atproto.js'
import { registerSubcommand as registerPdsDir } from './restore-pds-dir.js'

export function register(program: Command, cli: CliContext): Command {
  const restore = program.command('restore').description('put backed-up data back: an account onto a PDS, or a PDS data directory onto disk')
  registerAtproto(restore, cli)
  registerPdsDir(restore, cli)
  return restore
}
