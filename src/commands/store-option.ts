// The --store option shared by every command that uses a backup store; LIFEBOAT_STORE supplies it when absent, so
// scheduled jobs can keep the path in their EnvironmentFile. A directory, or s3://bucket/prefix for object storage
// (docs/backup-store.md §2.5; settings from the AWS environment variables).
import { Option, type Command } from 'commander'

export function addStoreOption(command: Command): Command {
  return command.addOption(new Option('--store <dir>', 'the backup store: a directory, or s3://bucket/prefix').env('LIFEBOAT_STORE').makeOptionMandatory())
}
