// `lifeboat backup [--config FILE]`: the default `backup` subcommand, every account of the configuration file
// (docs/config.md). `lifeboat backup all …` is the same command by name.
import { Option, type Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { UsageError } from '../errors.js'
import { CONFIG_ENV } from '../config/locate.js'
import { addScheduleOptions } from '../schedule/options.js'
import { run, type BackupAllOptions } from './backup-all-run.js'

export function registerSubcommand(parent: Command, cli: CliContext): void {
  const command = parent
    .command('all', { isDefault: true })
    .description('(the default) every account in the configuration file, one after another (docs/config.md)')
    .addOption(new Option('--config <file>', `the configuration file (default: $${CONFIG_ENV}, else ~/.config/lifeboat/config.toml)`))
    .addOption(new Option('--store <dir>', "the backup store, instead of the file's [store] path").env('LIFEBOAT_STORE'))
    .option('--account <name...>', 'only these configured accounts (by name; repeatable)')
    .allowExcessArguments()
  addScheduleOptions(command)
  command.action(async (options: BackupAllOptions, self: Command) => {
    // `lifeboat backup atprot …` lands here (the default command): say what the word should have been.
    if (self.args.length > 0) {
      const kinds = parent.commands.filter((c) => c !== command).map((c) => c.name())
      throw new UsageError(`${JSON.stringify(self.args[0])} is not a kind of backup: use one of ${kinds.join(', ')}, or no kind to back up every account in the configuration file.`, {
        hint: 'lifeboat backup --help lists them.',
      })
    }
    await run(options, cli)
  })
  withExamples(
    command,
    'lifeboat backup',
    'lifeboat backup --config /etc/lifeboat/config.toml --account alice',
  )
}
