// verify-store: every manifest parses, every object a manifest names exists and (unless `readData` is off) hashes to
// its name. Takes no lock (docs/backup-store.md §3): an object reported missing is checked again against a fresh read
// of its manifests, so a concurrent forget + prune is not mistaken for damage.
import { createReadStream } from 'node:fs'
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { throwIfAborted } from '../errors.js'
import { SNAPSHOTS_DIR, isSha256, snapshotFileName } from './format.js'
import type { BackupStore } from './store.js'

export interface StoreVerifyOptions {
  /** Hash every referenced object (default true); off: only check that each exists. */
  readData?: boolean
  signal?: AbortSignal
  /** Called after each referenced object is checked, with its size. */
  onObject?: (bytes: number) => void
}

export interface StoreVerifyReport {
  ok: boolean
  snapshots: number
  /** Distinct objects referenced by sound snapshots. */
  objects: number
  /** Bytes of those objects (read when readData is on). */
  bytes: number
  /** Objects present that no snapshot names; prune removes them. Not a problem. */
  unreferenced: number
  problems: string[]
}

async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export async function verifyStore(store: BackupStore, options: StoreVerifyOptions = {}): Promise<StoreVerifyReport> {
  const readData = options.readData ?? true
  const scan = await store.scanSnapshots()
  const problems = [...scan.problems]
  const users = new Map<string, string[]>()
  for (const snapshot of scan.snapshots) {
    for (const sha of snapshot.objects) {
      const list = users.get(sha)
      if (list) list.push(snapshot.id)
      else users.set(sha, [snapshot.id])
    }
  }
  let bytes = 0
  for (const [sha, ids] of [...users.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    throwIfAborted(options.signal)
    const path = store.objectPath(sha)
    const info = await stat(path).catch(() => null)
    if (!info) {
      const still = await stillPresent(store, ids)
      if (still.length > 0) problems.push(`object ${sha} is missing (needed by ${describe(still)})`)
      continue
    }
    bytes += info.size
    if (readData) {
      const actual = await hashFile(path, options.signal)
      if (actual !== sha) problems.push(`object ${sha} is corrupt: its bytes hash to ${actual} (needed by ${describe(ids)})`)
    }
    options.onObject?.(info.size)
  }
  let unreferenced = 0
  for await (const file of store.objectFiles()) {
    if (!isSha256(file.name) || !file.name.startsWith(file.bucket)) {
      problems.push(`objects/${file.bucket}/${file.name}: not an object name`)
      continue
    }
    if (!users.has(file.name)) unreferenced++
  }
  return { ok: problems.length === 0, snapshots: scan.snapshots.length, objects: users.size, bytes, unreferenced, problems }
}

async function stillPresent(store: BackupStore, ids: string[]): Promise<string[]> {
  const present: string[] = []
  for (const id of ids) {
    if (await stat(join(store.dir, SNAPSHOTS_DIR, snapshotFileName(id))).then(() => true, () => false)) present.push(id)
  }
  return present
}

function describe(ids: string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`
}
