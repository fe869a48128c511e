// The only home of backup store paths, names, the format version and the snapshot manifest shape
// (docs/backup-store.md is normative).
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

export const STORE_FORMAT = 'lifeboat-store'
export const STORE_VERSION = 1
export const SUPPORTED_STORE_VERSIONS: readonly number[] = [1]

export const CONFIG_NAME = 'config.json'
export const LOCK_NAME = 'lock'
export const OBJECTS_DIR = 'objects'
export const SNAPSHOTS_DIR = 'snapshots'
export const TMP_DIR = 'tmp'
/** Largest snapshot manifest a reader will parse (docs/backup-store.md §2.3). */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024

export const SHA256_PATTERN = /^[0-9a-f]{64}$/
export const SNAPSHOT_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{6}$/

export interface StoreConfig {
  format: string
  version: number
  createdAt: string
}

/** Kinds this build writes; manifests of other kinds are listed, forgotten and pruned but never restored. */
export type SnapshotKind = 'atproto-repo' | 'pds-dir'

export interface SnapshotSubject {
  /** Grouping key: a DID, an actor URI, or `<host>:<path>` for a PDS data directory. */
  id: string
  handle?: string
  server?: string
}

export interface Snapshot<Data = Record<string, unknown>> {
  id: string
  createdAt: string
  kind: SnapshotKind | (string & {})
  subject: SnapshotSubject
  /** Every object the snapshot needs, each once. Prune keeps exactly the union of these. */
  objects: string[]
  data: Data
  stats: Record<string, number>
}

/** What a writer hands to writeSnapshot: the store assigns `id` and `createdAt` unless given. */
export type SnapshotInput<Data = Record<string, unknown>> = Omit<Snapshot<Data>, 'id' | 'createdAt'> & {
  id?: string
  createdAt?: string
}

export function objectRelativePath(sha256: string): string {
  return join(OBJECTS_DIR, sha256.slice(0, 2), sha256)
}

export function snapshotFileName(id: string): string {
  return `${id}.json`
}

/** A new sortable, unique snapshot id: UTC time to the second plus six random hex digits. */
export function newSnapshotId(at: Date): string {
  const stamp = at.toISOString().slice(0, 19).replace(/:/g, '-')
  return `${stamp}Z-${randomBytes(3).toString('hex')}`
}

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_PATTERN.test(value)
}

/** Validates a parsed manifest; returns the problems (empty when sound). `fileId` is the id from the file name. */
export function snapshotProblems(value: unknown, fileId: string): string[] {
  const problems: string[] = []
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`snapshot ${fileId}: not a JSON object`]
  const s = value as Record<string, unknown>
  if (s.id !== fileId) problems.push(`snapshot ${fileId}: id field ${JSON.stringify(s.id)} does not match its file name`)
  if (typeof s.createdAt !== 'string' || Number.isNaN(Date.parse(s.createdAt))) problems.push(`snapshot ${fileId}: createdAt is not a date`)
  if (typeof s.kind !== 'string' || s.kind === '') problems.push(`snapshot ${fileId}: kind is missing`)
  const subject = s.subject as Record<string, unknown> | undefined
  if (!subject || typeof subject !== 'object' || typeof subject.id !== 'string' || subject.id === '') {
    problems.push(`snapshot ${fileId}: subject.id is missing`)
  }
  if (!Array.isArray(s.objects)) problems.push(`snapshot ${fileId}: objects is not a list`)
  else {
    const bad = s.objects.filter((o) => !isSha256(o))
    if (bad.length > 0) problems.push(`snapshot ${fileId}: ${bad.length} object reference(s) are not sha256 hex`)
  }
  if (s.data === null || typeof s.data !== 'object') problems.push(`snapshot ${fileId}: data is not an object`)
  if (s.stats !== undefined && (s.stats === null || typeof s.stats !== 'object')) problems.push(`snapshot ${fileId}: stats is not an object`)
  return problems
}
