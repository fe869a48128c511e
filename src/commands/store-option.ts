// The --store option shared by every command that uses a backup store; LIFEBOAT_STORE supplies it when absent, so
// scheduled jobs can keep the path in their EnvironmentFile. A directory, or s3://bucket/prefix for object storage
// (docs/backup-store.md §2.5; settings from the AWS environment variables). With it comes --store-passphrase-env, the
// variable that holds the passphrase of an encrypted store (docs/backup-store.md §9), and for backups --encrypt.
import { Option, type Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { readSecret } from '../cli/secrets.js'
import { UsageError } from '../errors.js'

export const STORE_PASSPHRASE_ENV = 'LIFEBOAT_STORE_PASSPHRASE'
export const STORE_PASSPHRASE_HELP = `environment variable holding an encrypted store's passphrase (default ${STORE_PASSPHRASE_ENV}; asked for on a terminal)`

export interface StorePassphraseOptions {
  /** The variable holding an encrypted store's passphrase (default LIFEBOAT_STORE_PASSPHRASE). */
  storePassphraseEnv?: string
  /** Backups: create the store encrypted, and refuse an existing store that is not. */
  encrypt?: boolean
}

export function addStoreOption(command: Command): Command {
  return command
    .addOption(new Option('--store <dir>', 'the backup store: a directory, or s3://bucket/prefix').env('LIFEBOAT_STORE').makeOptionMandatory())
    .option('--store-passphrase-env <name>', STORE_PASSPHRASE_HELP)
}

/** --encrypt, for commands that may create a store (backups). */
export function addEncryptOption(command: Command): Command {
  return command.option('--encrypt', 'create the store encrypted (passphrase from --store-passphrase-env); refuse a store that is not encrypted')
}

/**
 * What openStore needs to create or unlock an encrypted store: the passphrase is read only when the store turns out to
 * be encrypted (or is being created with --encrypt), from the variable or a prompt, never from a flag. A new store's
 * passphrase is asked twice on a terminal, since a mistyped one would lock the store for good.
 */
export function storeEncryption(options: StorePassphraseOptions, context: Pick<CliContext, 'env'>): { encrypt: boolean; passphrase: (creating: boolean) => Promise<string>; env: NodeJS.ProcessEnv } {
  const request = {
    envName: options.storePassphraseEnv ?? STORE_PASSPHRASE_ENV,
    explicit: options.storePassphraseEnv !== undefined,
    env: context.env,
    required: true as const,
  }
  return {
    encrypt: options.encrypt === true,
    // an S3 store's settings (AWS_…): the process's, with the command's own (a config file's [store]) on top
    env: { ...process.env, ...context.env },
    async passphrase(creating: boolean): Promise<string> {
      const first = await readSecret({ ...request, label: creating ? 'new passphrase for the backup store' : 'passphrase of the backup store' })
      if (!creating) return first
      const again = await readSecret({ ...request, label: 'the new passphrase again, to confirm it' })
      if (again !== first) {
        throw new UsageError('The two passphrases differ.', { hint: 'Run the command again and type the same passphrase twice.' })
      }
      return first
    },
  }
}
