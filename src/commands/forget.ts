// lifeboat forget --store DIR --keep-…: remove snapshots a retention policy does not keep, per kind and subject,
// with restic's semantics (docs/backup-store.md §5); --prune then deletes the objects no snapshot needs (§6).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { NotFoundError, UsageError, throwIfAborted } from '../errors.js'
import { openStore } from '../store/store.js'
import type { Snapshot } from '../store/format.js'
import type { PruneReport } from '../store/prune.js'
import { UNLIMITED, describePolicy, isEmptyPolicy, parseWithin, selectForget, type RetentionPolicy } from '../store/retention.js'
import { formatBytes } from '../files/format-bytes.js'
import { addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'

export interface ForgetOptions extends RetentionPolicy, StorePassphraseOptions {
  store: string
  kind?: string
  subject?: string
  prune?: boolean
  dryRun?: boolean
  /** Snapshot ids (or unique prefixes) to remove whatever the policy says. */
  ids?: string[]
}

export interface ForgetSeams {
  now?: () => Date
}

export interface ForgetResult {
  dryRun: boolean
  kept: string[]
  removed: string[]
  prune: PruneReport | null
}

/** Parses a --keep-* count: a non-negative integer or `unlimited`. */
export function parseCount(text: string): number {
  if (text === 'unlimited') return UNLIMITED
  if (!/^\d+$/.test(text)) throw new UsageError(`${JSON.stringify(text)} is not a count.`, { hint: 'Use a whole number such as 7, or "unlimited".' })
  return Number(text)
}

function parseWithinOption(text: string): string {
  try {
    parseWithin(text)
  } catch {
    throw new UsageError(`--keep-within ${JSON.stringify(text)} is not a duration.`, { hint: 'Use y, m, d and h, e.g. 7d, 1m15d or 1y.' })
  }
  return text
}

export async function run(options: ForgetOptions, cli: CliContext, seams: ForgetSeams = {}): Promise<ForgetResult> {
  const { out, signal } = cli
  const now = seams.now ?? (() => new Date())
  const dryRun = options.dryRun ?? false
  const policy: RetentionPolicy = {}
  for (const key of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) if (options[key] !== undefined) policy[key] = options[key]
  if (options.within !== undefined) policy.within = options.within
  const store = await openStore(options.store, storeEncryption(options, cli))
  const lock = await store.lock()
  try {
    const filter = { ...(options.kind ? { kind: options.kind } : {}), ...(options.subject ? { subject: options.subject } : {}) }
    const snapshots = await store.listSnapshots(filter)
    const explicit = new Set<string>()
    for (const ref of options.ids ?? []) {
      const found = snapshots.filter((s) => s.id === ref || s.id.startsWith(ref))
      if (found.length === 0) throw new NotFoundError(`No snapshot ${JSON.stringify(ref)} in ${options.store}${options.kind || options.subject ? ' matching the filters' : ''}.`)
      if (found.length > 1) throw new UsageError(`${found.length} snapshots start with ${JSON.stringify(ref)}.`, { hint: 'Give more of the id.' })
      explicit.add(found[0]!.id)
    }
    const toRemove = new Map<string, Snapshot>()
    if (!isEmptyPolicy(policy)) {
      out.info(`Applying policy: ${describePolicy(policy)} (buckets in UTC).`)
      const plan = selectForget(snapshots, policy, now())
      for (const group of plan.groups) {
        out.info(`${group.kind} ${group.subject}: keep ${group.keep.length}, remove ${group.remove.length}`)
        for (const d of group.decisions) {
          if (explicit.has(d.snapshot.id)) continue
          out.event(
            d.keep ? 'keep' : 'remove',
            { id: d.snapshot.id, createdAt: d.snapshot.createdAt, kind: group.kind, subject: group.subject, reasons: d.reasons },
            `  ${d.keep ? 'keep  ' : 'remove'} ${d.snapshot.id}${d.keep ? `  (${d.reasons.join(', ')})` : ''}`,
          )
        }
        for (const s of group.remove) toRemove.set(s.id, s)
      }
    } else if (explicit.size === 0) {
      out.warn('no --keep-* option and no snapshot id given: no snapshots are removed.')
    }
    for (const id of explicit) {
      const snapshot = snapshots.find((s) => s.id === id)!
      toRemove.set(id, snapshot)
      out.event('remove', { id, createdAt: snapshot.createdAt, kind: snapshot.kind, subject: snapshot.subject.id, reasons: ['named on the command line'] }, `  remove ${id}  (named on the command line)`)
    }
    if (!dryRun) {
      for (const id of toRemove.keys()) {
        throwIfAborted(signal)
        await store.deleteSnapshot(id)
      }
    }
    let prune: PruneReport | null = null
    if (options.prune) {
      prune = await store.prune({ dryRun, signal, assumeRemoved: new Set(toRemove.keys()) })
      out.info(
        `${dryRun ? 'Would remove' : 'Removed'} ${prune.removedObjects} unreferenced object${prune.removedObjects === 1 ? '' : 's'} (${formatBytes(prune.removedBytes)}) ` +
          `and ${prune.removedTempFiles} leftover temporary file${prune.removedTempFiles === 1 ? '' : 's'}; ${prune.keptObjects} objects (${formatBytes(prune.keptBytes)}) remain.`,
      )
    }
    const removed = [...toRemove.keys()].sort()
    const kept = snapshots.map((s) => s.id).filter((id) => !toRemove.has(id))
    out.result(
      { ok: true, store: options.store, dryRun, kept, removed, prune },
      `${dryRun ? 'Dry run: would remove' : 'Removed'} ${removed.length} snapshot${removed.length === 1 ? '' : 's'}, kept ${kept.length}.` +
        (!options.prune && removed.length > 0 && !dryRun ? ' Run with --prune to free their space.' : ''),
    )
    return { dryRun, kept, removed, prune }
  } finally {
    await lock.release()
  }
}

interface ForgetFlags extends StorePassphraseOptions {
  store: string
  keepLast?: number
  keepHourly?: number
  keepDaily?: number
  keepWeekly?: number
  keepMonthly?: number
  keepYearly?: number
  keepWithin?: string
  kind?: string
  subject?: string
  prune?: boolean
  dryRun?: boolean
}

export function register(program: Command, context: CliContext): void {
  const command = program
    .command('forget')
    .description('remove snapshots that a retention policy does not keep (per kind and subject); --prune frees their space')
    .argument('[ids...]', 'snapshot ids (or unique prefixes) to remove regardless of policy')
    .option('--keep-last <n>', 'keep the n newest snapshots', parseCount)
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the last n hours that have one', parseCount)
    .option('--keep-daily <n>', 'keep the newest snapshot of each of the last n days that have one', parseCount)
    .option('--keep-weekly <n>', 'keep the newest snapshot of each of the last n ISO weeks that have one', parseCount)
    .option('--keep-monthly <n>', 'keep the newest snapshot of each of the last n months that have one', parseCount)
    .option('--keep-yearly <n>', 'keep the newest snapshot of each of the last n years that have one', parseCount)
    .option('--keep-within <duration>', 'keep every snapshot within this duration of the newest (e.g. 7d, 1m15d)', parseWithinOption)
    .option('--kind <kind>', 'only consider snapshots of this kind')
    .option('--subject <id>', 'only consider snapshots of this subject')
    .option('--prune', 'then delete the objects no remaining snapshot needs')
    .option('--dry-run', 'show what would be removed and change nothing')
  addStoreOption(command).action(async (ids: string[], flags: ForgetFlags) => {
    const options: ForgetOptions = {
      store: flags.store,
      ...(flags.storePassphraseEnv !== undefined ? { storePassphraseEnv: flags.storePassphraseEnv } : {}),
      ids,
      ...(flags.keepLast !== undefined ? { last: flags.keepLast } : {}),
      ...(flags.keepHourly !== undefined ? { hourly: flags.keepHourly } : {}),
      ...(flags.keepDaily !== undefined ? { daily: flags.keepDaily } : {}),
      ...(flags.keepWeekly !== undefined ? { weekly: flags.keepWeekly } : {}),
      ...(flags.keepMonthly !== undefined ? { monthly: flags.keepMonthly } : {}),
      ...(flags.keepYearly !== undefined ? { yearly: flags.keepYearly } : {}),
      ...(flags.keepWithin !== undefined ? { within: flags.keepWithin } : {}),
      ...(flags.kind ? { kind: flags.kind } : {}),
      ...(flags.subject ? { subject: flags.subject } : {}),
      prune: flags.prune ?? false,
      dryRun: flags.dryRun ?? false,
    }
    await run(options, context)
  })
  withExamples(
    command,
    'lifeboat forget --store /var/backups/lifeboat --keep-daily 7 --keep-weekly 4 --prune',
    'lifeboat forget --store /var/backups/lifeboat --keep-last 3 --keep-monthly 12 --dry-run',
  )
}
