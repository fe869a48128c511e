// lifeboat backup <kind> …: the parent of every backup subcommand. Each subcommand lives in its own file and
// registers itself onto this parent; new kinds join BACKUP_SUBCOMMANDS.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { registerSubcommand as registerPdsDir } from './backup-pds-dir.js'
import { registerSubcommand as registerAtproto } from './backup-atproto.js'
import { registerMastodon, registerMatrix, registerMisskey } from './backup-account.js'

export type SubcommandRegistrar = (parent: Command, context: CliContext) => void

/** Every `backup` subcommand, in help order. */
export const BACKUP_SUBCOMMANDS: SubcommandRegistrar[] = [registerAtproto, registerPdsDir, registerMisskey, registerMastodon, registerMatrix]

export function register(program: Command, context: CliContext, subcommands: SubcommandRegistrar[] = BACKUP_SUBCOMMANDS): Command {
  const backup = program.command('backup').description('take a snapshot into a backup store (incremental: unchanged data is stored once)')
  for (const registerSubcommand of subcommands) registerSubcommand(backup, context)
  withExamples(backup, 'lifeboat backup atproto alice.example.com --store /var/backups/lifeboat', 'lifeboat backup pds-dir /pds --store /var/backups/lifeboat --every 24h')
  return backup
}
