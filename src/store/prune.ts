// prune: delete the objects no snapshot names, and leftovers of killed runs (docs/backup-store.md §6).
// Runs under the store lock, so nothing in tmp/ can belong to a live writer.
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { BadArchiveError, throwIfAborted } from '../errors.js'
import { SNAPSHOTS_DIR, TMP_DIR, isSha256 } from './format.js'
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
  /** Leftover temporary files deleted (or that would be). */
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
    for (const sha of snapshot.objects) referenced.add(sha)
  }
  const report: PruneReport = { dryRun, removedObjects: 0, removedBytes: 0, keptObjects: 0, keptBytes: 0, removedTempFiles: 0 }
  for await (const file of store.objectFiles()) {
    throwIfAborted(options.signal)
    // Files that are not well-formed objects are left alone: prune only deletes what it knows to be garbage.
    if (!isSha256(file.name) || !file.name.startsWith(file.bucket)) continue
    if (referenced.has(file.name)) {
      report.keptObjects++
      report.keptBytes += file.size
      continue
    }
    report.removedObjects++
    report.removedBytes += file.size
    if (!dryRun) await rm(file.path, { force: true })
  }
  const leftovers = [
    ...(await names(join(store.dir, TMP_DIR))).map((name) => join(store.dir, TMP_DIR, name)),
    ...(await names(join(store.dir, SNAPSHOTS_DIR))).filter((name) => name.startsWith('.') && name.endsWith('.tmp')).map((name) => join(store.dir, SNAPSHOTS_DIR, name)),
  ]
  report.removedTempFiles = leftovers.length
  if (!dryRun) for (const path of leftovers) await rm(path, { recursive: true, force: true })
  return report
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[]
    throw error
  })
}
