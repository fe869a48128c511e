// `lifeboat restore <kind> …`: the parent of the restore subcommands. `atproto` is the default, so
// `lifeboat restore --store … --to-pds …` restores an account without naming the kind.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { registerSubcommand as registerAtproto } from './restore-atproto.js'
import { registerSubcommand as registerPdsDir } from './restore-pds-dir.js'
import { registerSubcommand as registerArchive } from './restore-archive.js'

export function register(program: Command, cli: CliContext): Command {
  const restore = program.command('restore').description('put backed-up data back: an account onto a PDS, a PDS data directory onto disk, or an account as an archive')
  registerAtproto(restore, cli)
  registerPdsDir(restore, cli)
  registerArchive(restore, cli)
  return restore
}
