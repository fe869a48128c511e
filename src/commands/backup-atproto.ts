// `lifeboat backup atproto <handle-or-did> --store DIR` and `lifeboat backup atproto --all-accounts --pds URL
// --store DIR` (docs/adapters/atproto.md "Backups"). One snapshot per account per run; one failing account does not
// stop the others; the store's lock is held for the whole run.
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../run-context.js'
import { readSecret } from '../cli/secrets.js'
import type { AdapterContext } from '../adapters/adapter.js'
import { resolveIdentity, type Identity } from '../adapters/atproto/identity.js'
import { PdsSession } from '../adapters/atproto/session.js'
import { backupAccount, type AtprotoBackupResult } from '../adapters/atproto/backup.js'
import { AtprotoClient } from '../adapters/atproto/client.js'
import { openStore, type BackupStore } from '../store/store.js'
import { assertSecureUrl } from '../net/secure-url.js'
import { PartialFailureError, UsageError, isLifeboatError, throwIfAborted } from '../errors.js'
import { DEFAULT_PASSWORD_ENV } from '../adapters/atproto/capabilities.js'
import { addEncryptOption, addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'
import { addScheduleOptions, runMaybeScheduled, type ScheduleFlags } from '../schedule/options.js'

export interface BackupAtprotoOptions extends ScheduleFlags, StorePassphraseOptions {
  store: string
  pds?: string
  plc?: string
  passwordEnv?: string
  allAccounts?: boolean
  full?: boolean
  fullEvery?: string
}

export interface AccountOutcome {
  did: string
  handle: string | null
  status: 'unchanged' | 'changed' | 'failed' | 'skipped'
  snapshot: string | null
  reason?: string
  newBlobs?: number
}

function fullEvery(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--full-every must be a whole number of snapshots, not "${value}".`)
  return n
}

async function backupOne(context: AdapterContext, store: BackupStore, identity: Identity, options: BackupAtprotoOptions, cli: CliContext): Promise<AccountOutcome> {
  const name = identity.handle ?? identity.did
  // LIFEBOAT_ATPROTO_PASSWORD is read when set, as by export atproto; with --all-accounts it is not (one password is one account).
  const envName = options.passwordEnv ?? (!options.allAccounts && cli.env[DEFAULT_PASSWORD_ENV] ? DEFAULT_PASSWORD_ENV : undefined)
  const password = envName
    ? await readSecret({ label: `app password for ${name}`, envName, explicit: true, env: cli.env, required: true })
    : undefined
  const session = password ? await PdsSession.open(context, identity.pds, identity.did, password, identity.did) : undefined
  const result: AtprotoBackupResult = await backupAccount(context, { store, identity, session, full: options.full, fullEvery: fullEvery(options.fullEvery) })
  const outcome: AccountOutcome = {
    did: identity.did,
    handle: identity.handle,
    status: result.failures.length > 0 ? 'failed' : result.unchanged ? 'unchanged' : 'changed',
    snapshot: result.snapshot.id,
    newBlobs: result.newBlobs,
    ...(result.failures.length ? { reason: `${result.failures.length} blobs could not be fetched` } : {}),
  }
  const detail = result.unchanged ? 'unchanged since the last snapshot' : `${result.snapshot.data.records} records, ${result.newBlobs} new blobs${result.snapshot.data.full ? ', full CAR' : ', diff'}`
  cli.out.event('snapshot', { ...outcome }, `${name}: snapshot ${result.snapshot.id} (${detail})`)
  return outcome
}

export async function runOnce(actor: string | undefined, options: BackupAtprotoOptions, cli: CliContext): Promise<AccountOutcome[]> {
  if (!options.allAccounts && !actor) throw new UsageError('Name an account to back up, or pass --all-accounts with --server.', { hint: 'lifeboat backup atproto alice.example.com --store /backups/pds' })
  if (options.allAccounts && !options.pds) throw new UsageError('--all-accounts needs --server URL (the PDS whose accounts to back up).')
  if (options.allAccounts && options.passwordEnv) throw new UsageError('--password-env logs in as one account; it cannot be combined with --all-accounts.')
  if (!options.passwordEnv && cli.env[DEFAULT_PASSWORD_ENV]) {
    cli.out.info(options.allAccounts ? `${DEFAULT_PASSWORD_ENV} is set but not used: --all-accounts backs up many accounts without logging in.` : `Using the app password in ${DEFAULT_PASSWORD_ENV} (adds preferences).`)
  }
  const context = adapterContext(cli)
  const store = await openStore(options.store, { create: true, ...storeEncryption(options, cli) })
  const lock = await store.lock()
  const outcomes: AccountOutcome[] = []
  try {
    if (!options.allAccounts) {
      const identity = await resolveIdentity(actor!, { http: context.http, pds: options.pds, plc: options.plc })
      outcomes.push(await backupOne(context, store, identity, options, cli))
    } else {
      const pds = assertSecureUrl(options.pds!, '--pds').origin
      for await (const repo of new AtprotoClient(context, pds).listRepos()) {
        throwIfAborted(cli.signal)
        if (repo.active === false) {
          const outcome: AccountOutcome = { did: repo.did, handle: null, status: 'skipped', snapshot: null, reason: `account is ${repo.status ?? 'inactive'}` }
          outcomes.push(outcome)
          cli.out.event('snapshot', { ...outcome }, `${repo.did}: skipped (${outcome.reason})`)
          continue
        }
        try {
          outcomes.push(await backupOne(context, store, { did: repo.did, handle: null, pds, didDocument: null }, options, cli))
        } catch (error) {
          if (cli.signal.aborted) throw error
          const reason = isLifeboatError(error) ? error.message : (error as Error).message
          outcomes.push({ did: repo.did, handle: null, status: 'failed', snapshot: null, reason })
          cli.out.event('snapshot', { did: repo.did, status: 'failed', reason }, `${repo.did}: failed: ${reason}`)
        }
      }
    }
  } finally {
    await lock.release()
  }
  return outcomes
}

export async function run(actor: string | undefined, options: BackupAtprotoOptions, cli: CliContext): Promise<AccountOutcome[]> {
  let last: AccountOutcome[] = []
  await runMaybeScheduled(options, cli, async () => {
    last = await runOnce(actor, options, cli)
    const failed = last.filter((o) => o.status === 'failed')
    const skipped = last.filter((o) => o.status === 'skipped')
    if (failed.length > 0) {
      throw new PartialFailureError(`${failed.length} of ${last.length} account${last.length === 1 ? '' : 's'} could not be backed up fully: ${failed.map((f) => f.handle ?? f.did).join(', ')}.`, {
        hint: 'The others were backed up; see the messages above, and run again to retry.',
        details: { accounts: last },
      })
    }
    const done = last.length - skipped.length
    return {
      data: { accounts: last },
      human: `Backed up ${done} of ${last.length} account${last.length === 1 ? '' : 's'}${skipped.length ? `; ${skipped.length} skipped (inactive)` : ''}.`,
    }
  })
  return last
}

export function registerSubcommand(parent: Command, cli: CliContext): void {
  const command = parent
    .command('atproto')
    .description('snapshot AT Protocol accounts into a backup store (incremental; unchanged accounts cost one request)')
    .argument('[handle-or-did]', 'the account to back up (omit with --all-accounts)')
    .option('--pds <url>', 'the PDS (skips discovery; required with --all-accounts)')
    .option('--plc <url>', 'PLC directory (default https://plc.directory)')
    .option('--all-accounts', 'every account on the PDS (sync.listRepos, all pages)')
    .option('--password-env <NAME>', `environment variable holding an app password (adds preferences; default ${DEFAULT_PASSWORD_ENV} when set)`)
    .option('--full', 'fetch the whole repository instead of a diff')
    .option('--full-every <n>', 'take a full CAR when the last full one is n snapshots back (default 7)')
  addEncryptOption(addStoreOption(command))
  addScheduleOptions(command)
  command.action(async (actor: string | undefined, options: BackupAtprotoOptions) => {
    await run(actor, options, cli)
  })
  withExamples(
    command,
    'lifeboat backup atproto alice.example.com --store /var/backups/pds',
    'lifeboat backup atproto --all-accounts --server https://pds.example.com --store /var/backups/pds --every 24h',
  )
  renameOption(command, '--pds', '--server <url>', 'the PDS (skips discovery; required with --all-accounts)')
}
