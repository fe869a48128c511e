// verify-store: every manifest parses, every object a manifest names exists and (unless `readData` is off) decodes to
// bytes whose sha256 names the key they were read from (codec.ts). Takes no lock (docs/backup-store.md §3): an object
// reported missing is checked again against a fresh read of its manifests, so a concurrent forget + prune is not
// mistaken for damage.
import { createHash } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { throwIfAborted } from '../errors.js'
import { isPlain } from './codec.js'
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

/** The sha256 of the object's plaintext read from `key`, or the reason it cannot be decoded. */
async function hashStored(store: BackupStore, key: string, signal?: AbortSignal): Promise<{ sha256: string } | { failure: string } | null> {
  const raw = await store.backend.openRead(key)
  if (raw === null) return null
  const hash = createHash('sha256')
  try {
    await pipeline(raw, store.codec.decrypt(), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) hash.update(chunk)
    }, { signal })
  } catch (error) {
    throwIfAborted(signal)
    if (isPlain(store.codec)) throw error
    return { failure: error instanceof Error ? error.message : String(error) }
  }
  return { sha256: hash.digest('hex') }
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
    const key = store.objectKey(sha)
    const size = await store.backend.size(key)
    if (size === null) {
      const still = await stillPresent(store, ids)
      if (still.length > 0) problems.push(`object ${sha} is missing (needed by ${describe(still)})`)
      continue
    }
    bytes += size
    if (readData) {
      const read = await hashStored(store, key, options.signal)
      if (read === null) {
        const still = await stillPresent(store, ids)
        if (still.length > 0) problems.push(`object ${sha} is missing (needed by ${describe(still)})`)
        continue
      }
      if ('failure' in read) problems.push(`object ${sha} is corrupt: ${read.failure} (needed by ${describe(ids)})`)
      // Sound: the plaintext hashes to a name whose key is the one it was read from.
      else if (store.codec.objectKey(read.sha256) !== key) problems.push(`object ${sha} is corrupt: its bytes hash to ${read.sha256} (needed by ${describe(ids)})`)
    }
    options.onObject?.(size)
  }
  let unreferenced = 0
  const referenced = new Set([...users.keys()].map((sha) => store.objectKey(sha)))
  for await (const entry of store.objectEntries()) {
    if (!store.codec.isObjectKey(entry.key)) {
      problems.push(`${entry.key}: not an object name`)
      continue
    }
    if (!referenced.has(entry.key)) unreferenced++
  }
  return { ok: problems.length === 0, snapshots: scan.snapshots.length, objects: users.size, bytes, unreferenced, problems }
}

async function stillPresent(store: BackupStore, ids: string[]): Promise<string[]> {
  const present: string[] = []
  for (const id of ids) {
    if (await store.hasSnapshot(id)) present.push(id)
  }
  return present
}

function describe(ids: string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`
}
