// `lifeboat backup misskey|mastodon|matrix … --store DIR`: an incremental snapshot of one account (kind
// `account-archive`, docs/backup-store.md §8). The account and secret flags are those of the matching export command;
// the work is src/backup/account-backup.ts, which `lifeboat backup` of a config file calls too.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { PartialFailureError } from '../errors.js'
import { openStore } from '../store/store.js'
import { addEncryptOption, addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'
import { addScheduleOptions, runMaybeScheduled, type ScheduleFlags } from '../schedule/options.js'
import { backupAccount, parseFullEvery, type AccountBackupSeams, type AccountBackupSummary } from '../backup/account-backup.js'
import type { AccountFlags } from '../backup/account-sources.js'
import type { AccountNetwork } from '../backup/account-format.js'

export interface BackupAccountOptions extends AccountFlags, ScheduleFlags, StorePassphraseOptions {
  store: string
  full?: boolean
  fullEvery?: string
}

/** One backup run under the store's lock: the summary, or PartialFailureError (exit 3) after the snapshot when items failed. */
export async function runOnce(network: AccountNetwork, options: BackupAccountOptions, cli: CliContext, seams: AccountBackupSeams = {}): Promise<AccountBackupSummary> {
  const fullEvery = parseFullEvery(options.fullEvery)
  const store = await openStore(options.store, { create: true, ...storeEncryption(options, cli) })
  const lock = await store.lock()
  let summary: AccountBackupSummary
  try {
    summary = await backupAccount(network, { ...options, store, full: options.full, fullEvery }, cli, seams)
  } finally {
    await lock.release()
  }
  const name = summary.handle ?? summary.subject
  const added = Object.entries(summary.newRecords).filter(([, n]) => n! > 0).map(([k, n]) => `${k} ${n}`).join(', ')
  const detail = summary.status === 'unchanged' ? 'unchanged since the last snapshot' : `${summary.full ? 'full' : 'new'}: ${added || 'no records'}; ${summary.newObjects} new objects`
  for (const failure of summary.failures) cli.out.event('item-failed', { ...failure })
  cli.out.event('snapshot', { ...summary }, `${name}: snapshot ${summary.snapshot} (${detail})`)
  if (summary.failures.length > 0) {
    throw new PartialFailureError(`${summary.failures.length} item${summary.failures.length === 1 ? '' : 's'} of ${name} could not be backed up; snapshot ${summary.snapshot} holds everything else.`, {
      hint: 'Run the backup again later: the next run fetches what failed again.',
      details: { snapshot: summary.snapshot, failures: summary.failures.length },
    })
  }
  return summary
}

export async function run(network: AccountNetwork, options: BackupAccountOptions, cli: CliContext, seams: AccountBackupSeams = {}): Promise<AccountBackupSummary | null> {
  let last: AccountBackupSummary | null = null
  await runMaybeScheduled(options, cli, async () => {
    last = await runOnce(network, options, cli, seams)
    return { data: { ...last }, human: `Backed up ${last.handle ?? last.subject} into snapshot ${last.snapshot}.` }
  })
  return last
}

function common(command: Command, cli: CliContext, network: AccountNetwork): void {
  command
    .option('--full', 'export the whole account and start a new chain (sees deletions and edits of old posts)')
    .option('--full-every <n>', 'export whole when the last full snapshot is n snapshots back')
  addStoreOption(command)
  addEncryptOption(command)
  addScheduleOptions(command)
  command.action(async (options: BackupAccountOptions) => {
    await run(network, options, cli)
  })
}

export function registerMisskey(parent: Command, cli: CliContext): void {
  const command = parent
    .command('misskey')
    .description('snapshot a Misskey account into a backup store (incremental: only new notes, files, favorites, reactions)')
    .requiredOption('--server <url>', 'the Misskey server, e.g. https://misskey.io')
    .option('--token-env <NAME>', 'environment variable holding an access token (default LIFEBOAT_MISSKEY_TOKEN)')
  common(command, cli, 'misskey')
  withExamples(command, 'LIFEBOAT_MISSKEY_TOKEN=… lifeboat backup misskey --server https://misskey.io --store /var/backups/lifeboat')
}

export function registerMastodon(parent: Command, cli: CliContext): void {
  const command = parent
    .command('mastodon')
    .description('snapshot a Mastodon, GoToSocial or Akkoma account into a backup store (incremental: only new statuses, media, bookmarks, favourites)')
    .requiredOption('--server <url>', "the account's server, e.g. https://mastodon.social")
    .option('--token-env <NAME>', 'environment variable holding an access token (default LIFEBOAT_MASTODON_TOKEN)')
  common(command, cli, 'mastodon')
  withExamples(command, 'LIFEBOAT_MASTODON_TOKEN=… lifeboat backup mastodon --server https://mastodon.social --store /var/backups/lifeboat --every 24h')
}

export function registerMatrix(parent: Command, cli: CliContext): void {
  const command = parent
    .command('matrix')
    .description('snapshot a Matrix account into a backup store (incremental: only new events and media)')
    .requiredOption('--server <url>', "the account's homeserver, e.g. https://matrix.example.org")
    .requiredOption('--user <mxid>', 'the account, e.g. @me:example.org')
    .option('--rooms <which>', 'all (default: joined and invited), joined, or comma-separated room IDs / aliases')
    .option('--include-left', 'with --rooms all: also rooms the account has left')
    .option('--keys <file>', 'an Element room key export, to decrypt encrypted rooms')
    .option('--passphrase-env <NAME>', "environment variable holding the key file's passphrase (default LIFEBOAT_MATRIX_KEYS_PASSPHRASE)")
    .option('--token-env <NAME>', 'environment variable holding an access token (default LIFEBOAT_MATRIX_TOKEN)')
    .option('--password-env <NAME>', 'environment variable holding the password (logs in instead of a token)')
  common(command, cli, 'matrix')
  withExamples(command, 'LIFEBOAT_MATRIX_TOKEN=syt_… lifeboat backup matrix --server https://matrix.example.org --user @me:example.org --store /var/backups/lifeboat')
}
