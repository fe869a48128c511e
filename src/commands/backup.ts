// lifeboat backup [<kind> …]: the parent of every backup subcommand; without a kind, every configured account (backup-all.ts). Each subcommand lives in its own file and
// registers itself onto this parent; new kinds join BACKUP_SUBCOMMANDS.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { registerSubcommand as registerPdsDir } from './backup-pds-dir.js'
import { registerSubcommand as registerAtproto } from './backup-atproto.js'
import { registerMastodon, registerMatrix, registerMisskey } from './backup-account.js'
import { registerSubcommand as registerAll } from './backup-all.js'

export type SubcommandRegistrar = (parent: Command, context: CliContext) => void

/** Every `backup` subcommand, in help order. `all` (every account of the configuration file) is the default. */
export const BACKUP_SUBCOMMANDS: SubcommandRegistrar[] = [registerAtproto, registerPdsDir, registerMisskey, registerMastodon, registerMatrix, registerAll]

export function register(program: Command, context: CliContext, subcommands: SubcommandRegistrar[] = BACKUP_SUBCOMMANDS): Command {
  const backup = program.command('backup').description('take a snapshot into a backup store (incremental: unchanged data is stored once)')
  for (const registerSubcommand of subcommands) registerSubcommand(backup, context)
  withExamples(backup, 'lifeboat backup', 'lifeboat backup atproto alice.example.com --store /var/backups/lifeboat', 'lifeboat backup pds-dir /pds --store /var/backups/lifeboat --every 24h')
  backup.addHelpText('after', '\nWithout a kind, every account in the configuration file (docs/config.md): lifeboat backup [--config FILE] [--store DIR] [--account NAME…]; see lifeboat backup all --help.')
  return backup
}
