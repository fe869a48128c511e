// The --store option shared by every command that uses a backup store; LIFEBOAT_STORE supplies it when absent, so
// scheduled jobs can keep the path in their EnvironmentFile.
import { Option, type Command } from 'commander'

export function addStoreOption(command: Command): Command {
  return command.addOption(new Option('--store <dir>', 'the backup store directory').env('LIFEBOAT_STORE').makeOptionMandatory())
}
