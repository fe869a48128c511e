// `lifeboat backup` with no kind: every account of the configuration file into its store, one after another
// (docs/config.md "Running"). One account's failure is reported and the others go on; the run ends with a summary
// line per account and exit 3 when any failed. Failures of the store itself (locked, damaged, full) and interruptions
// end the run at once: every later account would meet them too.
import type { RunContext } from '../run-context.js'
import { ExitCode, LockedError, BadArchiveError, DiskFullError, InterruptedError, PartialFailureError, UsageError, isLifeboatError } from '../errors.js'
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load.js'
import type { AccountConfig } from '../config/validate.js'
import { runMaybeScheduled, type ScheduleFlags } from '../schedule/options.js'
import { ACCOUNT_BACKUPS, type AccountBackup, type StoreTarget } from './backup-all-dispatch.js'
import type { Network } from '../config/validate.js'

export interface BackupAllOptions extends ScheduleFlags {
  config?: string
  /** --store (or LIFEBOAT_STORE): overrides the file's [store] path. */
  store?: string
  /** --account: only these configured accounts, by name. */
  account?: string[]
}

export interface AccountSummary {
  name: string
  network: Network
  status: 'changed' | 'unchanged' | 'failed'
  snapshots: string[]
  reason?: string
  /** The exit code the failure would have had on its own (4 for a rejected secret …). */
  exitCode?: number
}

export interface BackupAllSeams {
  backups?: Record<Network, AccountBackup>
}

/** Errors that say the store (or the run) cannot go on: not one account's problem. */
function endsTheRun(error: unknown, cli: RunContext): boolean {
  return cli.signal.aborted || error instanceof LockedError || error instanceof BadArchiveError || error instanceof DiskFullError || error instanceof InterruptedError
}

function selectAccounts(config: LoadedConfig, names: string[] | undefined): AccountConfig[] {
  if (!names || names.length === 0) return config.accounts
  const unknown = names.filter((name) => !config.accounts.some((a) => a.name === name))
  if (unknown.length > 0) {
    throw new UsageError(`No account named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in ${config.location.path}.`, {
      hint: `The accounts are: ${config.accounts.map((a) => a.name).join(', ')}.`,
    })
  }
  return config.accounts.filter((a) => names.includes(a.name))
}

function storeTarget(config: LoadedConfig, options: BackupAllOptions): StoreTarget {
  const path = options.store ?? config.store.path
  if (!path) {
    throw new UsageError(`No store: ${config.location.path} has no [store] path, and neither --store nor LIFEBOAT_STORE is given.`, {
      hint: 'Add [store] path = "/var/backups/lifeboat" to the file (docs/config.md), or pass --store.',
    })
  }
  return { ...config.store, path }
}

/** Backs up each account in turn; never throws for one account's failure. */
export async function backupAccounts(accounts: AccountConfig[], store: StoreTarget, cli: RunContext, seams: BackupAllSeams = {}): Promise<AccountSummary[]> {
  const backups = seams.backups ?? ACCOUNT_BACKUPS
  const summaries: AccountSummary[] = []
  for (const account of accounts) {
    if (cli.signal.aborted) throw cli.signal.reason instanceof InterruptedError ? cli.signal.reason : new InterruptedError('Interrupted.')
    let summary: AccountSummary
    try {
      const result = await backups[account.network](account, store, cli)
      summary = { name: account.name, network: account.network, status: result.status, snapshots: result.snapshots, ...(result.reason ? { reason: result.reason, exitCode: ExitCode.partial } : {}) }
    } catch (error) {
      if (endsTheRun(error, cli)) throw error
      const reason = isLifeboatError(error) ? error.message : error instanceof Error ? error.message : String(error)
      const exitCode = isLifeboatError(error) ? error.exitCode : ExitCode.failure
      summary = { name: account.name, network: account.network, status: 'failed', snapshots: [], reason, exitCode }
    }
    summaries.push(summary)
    cli.out.event('backup-account', { ...summary }, summary.status === 'failed' ? `${account.name} (${account.network}): failed: ${summary.reason}` : undefined)
  }
  return summaries
}

function summaryLine(s: AccountSummary): string {
  if (s.status === 'failed') return `  ${s.name} (${s.network}): failed${s.exitCode ? ` (exit ${s.exitCode})` : ''}: ${s.reason}${s.snapshots.length ? `; snapshot ${s.snapshots.join(', ')}` : ''}`
  return `  ${s.name} (${s.network}): ${s.status}${s.snapshots.length ? `, snapshot ${s.snapshots.join(', ')}` : ''}`
}

/** Loads the file, failing with one problem line per mistake (as `problem` events too with --json). */
async function loadOrReport(options: BackupAllOptions, cli: RunContext): Promise<LoadedConfig> {
  try {
    return await loadConfig(options.config, cli.env)
  } catch (error) {
    if (error instanceof ConfigError && error.problems.length > 1) {
      for (const problem of error.problems) cli.out.event('problem', { problem }, `problem: ${problem}`)
    }
    throw error
  }
}

export async function run(options: BackupAllOptions, cli: RunContext, seams: BackupAllSeams = {}): Promise<AccountSummary[]> {
  const config = await loadOrReport(options, cli)
  const accounts = selectAccounts(config, options.account)
  const store = storeTarget(config, options)
  let last: AccountSummary[] = []
  await runMaybeScheduled(options, cli, async () => {
    cli.out.info(`Backing up ${accounts.length} account${accounts.length === 1 ? '' : 's'} from ${config.location.path} into ${store.path}.`)
    last = await backupAccounts(accounts, store, cli, seams)
    const failed = last.filter((s) => s.status === 'failed')
    const lines = [`${last.length - failed.length} of ${last.length} account${last.length === 1 ? '' : 's'} backed up:`, ...last.map(summaryLine)].join('\n')
    if (failed.length > 0) {
      cli.out.info(lines)
      throw new PartialFailureError(`${failed.length} of ${last.length} account${last.length === 1 ? '' : 's'} could not be backed up: ${failed.map((f) => f.name).join(', ')}.`, {
        hint: 'The others were backed up; see the lines above, and run again to retry (unchanged data is not fetched again).',
        details: { store: store.path, accounts: last },
      })
    }
    return { data: { store: store.path, accounts: last }, human: lines }
  })
  return last
}
