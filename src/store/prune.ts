// prune: delete the objects no snapshot names, and leftovers of killed runs (docs/backup-store.md §6).
// Runs under the store lock, so no staged file or unfinished upload can belong to a live writer.
import { BadArchiveError, throwIfAborted } from '../errors.js'
import type { BackupStore } from './store.js'

export interface PruneOptions {
  dryRun?: boolean
  signal?: AbortSignal
  /** Snapshot ids to treat as already removed (a dry-run forget that has not removed them). */
  assumeRemoved?: ReadonlySet<string>
}

export interface PruneReport {
  dryRun: boolean
  /** Objects deleted (or, with dryRun, that would be). */
  removedObjects: number
  removedBytes: number
  keptObjects: number
  keptBytes: number
  /** Leftovers deleted (or that would be): staged files of a local store, unfinished uploads of a remote one. */
  removedTempFiles: number
}

export async function pruneStore(store: BackupStore, options: PruneOptions = {}): Promise<PruneReport> {
  const dryRun = options.dryRun ?? false
  const scan = await store.scanSnapshots()
  if (scan.problems.length > 0) {
    throw new BadArchiveError(`Not pruning ${store.dir}: ${scan.problems.length} snapshot(s) cannot be read, so their objects cannot be told apart from garbage.`, {
      hint: `Run \`lifeboat verify-store --store ${store.dir}\`, then repair or delete the damaged snapshot files.`,
      problems: scan.problems,
    })
  }
  const referenced = new Set<string>()
  for (const snapshot of scan.snapshots) {
    if (options.assumeRemoved?.has(snapshot.id)) continue
    for (const sha of snapshot.objects) referenced.add(store.objectKey(sha))
  }
  const report: PruneReport = { dryRun, removedObjects: 0, removedBytes: 0, keptObjects: 0, keptBytes: 0, removedTempFiles: 0 }
  for await (const entry of store.objectEntries()) {
    throwIfAborted(options.signal)
    // Keys that are not well-formed objects are left alone: prune only deletes what it knows to be garbage.
    if (!store.codec.isObjectKey(entry.key)) continue
    if (referenced.has(entry.key)) {
      report.keptObjects++
      report.keptBytes += entry.size
      continue
    }
    report.removedObjects++
    report.removedBytes += entry.size
    if (!dryRun) await store.backend.delete(entry.key)
  }
  report.removedTempFiles = await store.backend.leftovers(!dryRun)
  return report
}
