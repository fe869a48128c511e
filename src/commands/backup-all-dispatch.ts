// One configured account backed up into one store: the table from network to the function that does it
// (docs/config.md "Running"). Each entry calls the network's own backup (never a child process), so a config backup of
// an account is exactly the backup its subcommand takes.
import type { RunContext } from '../run-context.js'
import { PartialFailureError } from '../errors.js'
import type { AccountConfig, Network, StoreConfig } from '../config/validate.js'
import type { BackupAtprotoOptions } from '../commands/backup-atproto.js'
import type { BackupAccountOptions } from '../commands/backup-account.js'

export interface AccountBackupResult {
  status: 'changed' | 'unchanged' | 'failed'
  /** The snapshots this run wrote (or found unchanged). */
  snapshots: string[]
  /** Why the backup is incomplete, when status is failed (e.g. some blobs could not be fetched). */
  reason?: string
}

/** Where the account goes: the store's path or URL and the file's other [store] settings. */
export interface StoreTarget extends StoreConfig {
  path: string
}

export type AccountBackup = (account: AccountConfig, store: StoreTarget, cli: RunContext) => Promise<AccountBackupResult>

/**
 * The store settings every network's backup options take, spread into them. `store` is the path or s3:// URL; the
 * encryption and S3 fields carry the [store] entries under the names of the flags that set them (--encrypt,
 * --passphrase-env …).
 */
export function storeOptions(store: StoreTarget): Record<string, unknown> {
  return { store: store.path, ...(store.encrypt !== undefined ? { encrypt: store.encrypt } : {}), ...(store.storePassphraseEnv ? { storePassphraseEnv: store.storePassphraseEnv } : {}) }
}

/** An S3 store's [store] settings, as the variables the S3 backend reads (docs/backup-store.md §2.5); they win over the environment's. */
function s3Env(store: StoreTarget): NodeJS.ProcessEnv {
  return {
    ...(store.endpoint ? { AWS_ENDPOINT_URL_S3: store.endpoint } : {}),
    ...(store.region ? { AWS_REGION: store.region } : {}),
    ...(store.pathStyle !== undefined ? { LIFEBOAT_S3_FORCE_PATH_STYLE: store.pathStyle ? '1' : '0' } : {}),
  }
}

/**
 * The context an account's backup runs in: the network's default secret variable (LIFEBOAT_ATPROTO_PASSWORD …) is
 * hidden unless the account names it, so one account's secret is never sent to another's server.
 */
export function accountContext(cli: RunContext, store: StoreTarget, defaults: string[], named: (string | undefined)[]): RunContext {
  const env = { ...cli.env, ...s3Env(store) }
  for (const name of defaults) if (!named.includes(name)) delete env[name]
  return { ...cli, env }
}

const atproto: AccountBackup = async (account, store, cli) => {
  const { runOnce } = await import('../commands/backup-atproto.js')
  const { DEFAULT_PASSWORD_ENV } = await import('../adapters/atproto/capabilities.js')
  const options = { ...storeOptions(store), ...(account.server ? { pds: account.server } : {}), ...(account.passwordEnv ? { passwordEnv: account.passwordEnv } : {}) } as BackupAtprotoOptions
  const [outcome] = await runOnce(account.handle!, options, accountContext(cli, store, [DEFAULT_PASSWORD_ENV], [account.passwordEnv]))
  if (!outcome) throw new Error('backup atproto returned no outcome for one account')
  return {
    status: outcome.status === 'failed' ? 'failed' : outcome.status === 'unchanged' ? 'unchanged' : 'changed',
    snapshots: outcome.snapshot ? [outcome.snapshot] : [],
    ...(outcome.reason ? { reason: outcome.reason } : {}),
  }
}

/** The defaults the exports read when no variable is named: hidden from config backups (accountContext). */
const DEFAULT_SECRET_ENVS = ['LIFEBOAT_MISSKEY_TOKEN', 'LIFEBOAT_MASTODON_TOKEN', 'LIFEBOAT_MATRIX_TOKEN', 'LIFEBOAT_MATRIX_KEYS_PASSPHRASE']

/** Misskey, Mastodon and Matrix: the `account-archive` snapshots of `lifeboat backup <network>` (backup-account.ts). */
function accountArchive(network: 'misskey' | 'mastodon' | 'matrix'): AccountBackup {
  return async (account, store, cli) => {
    const { runOnce } = await import('../commands/backup-account.js')
    const options = {
      ...storeOptions(store),
      server: account.server,
      ...(account.user ? { user: account.user } : {}),
      ...(account.tokenEnv ? { tokenEnv: account.tokenEnv } : {}),
      ...(account.passwordEnv ? { passwordEnv: account.passwordEnv } : {}),
    } as BackupAccountOptions
    try {
      const summary = await runOnce(network, options, accountContext(cli, store, DEFAULT_SECRET_ENVS, [account.tokenEnv, account.passwordEnv]))
      return { status: summary.status, snapshots: [summary.snapshot] }
    } catch (error) {
      // Some items failed: the snapshot holds everything else, and the account is reported as failed with it.
      if (error instanceof PartialFailureError && typeof error.details?.snapshot === 'string') {
        return { status: 'failed', snapshots: [error.details.snapshot], reason: error.message }
      }
      throw error
    }
  }
}

/** Every network's account backup: the one place a new network joins config backups. */
export const ACCOUNT_BACKUPS: Record<Network, AccountBackup> = {
  atproto,
  misskey: accountArchive('misskey'),
  mastodon: accountArchive('mastodon'),
  matrix: accountArchive('matrix'),
}
