// The only home of backup store paths, names, the format version and the snapshot manifest shape
// (docs/backup-store.md is normative).
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { shown, snapshotDataProblems } from './snapshot-data.js'

export const STORE_FORMAT = 'lifeboat-store'
/** Version of a new plain store; an encrypted one is ENCRYPTED_STORE_VERSION (docs/backup-store.md §9). */
export const STORE_VERSION = 1
export const ENCRYPTED_STORE_VERSION = 2
export const SUPPORTED_STORE_VERSIONS: readonly number[] = [1, 2]

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
  /** Version 2 only: the sealed master key and its scrypt parameters (encryption-keys.ts checks the shape). */
  encryption?: unknown
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

/** Where a snapshot's manifest lives, relative to the store: how problem lines name it. */
export function snapshotRelativePath(id: string): string {
  return `${SNAPSHOTS_DIR}/${snapshotFileName(id)}`
}

/**
 * Validates a parsed manifest, including the `data` of the kinds this build knows (snapshot-data.ts); returns one
 * line per problem, each starting with the manifest's path in the store (empty when sound). `fileId` is the id from
 * the file name. docs/backup-store.md §2.4 lists the rules.
 */
export function snapshotProblems(value: unknown, fileId: string): string[] {
  const where = snapshotRelativePath(fileId)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${where}: not a JSON object`]
  const problems: string[] = []
  const s = value as Record<string, unknown>
  if (s.id !== fileId) problems.push(`id field ${shown(s.id)} does not match the file name`)
  if (typeof s.createdAt !== 'string' || Number.isNaN(Date.parse(s.createdAt))) problems.push('createdAt is missing or not a date')
  if (typeof s.kind !== 'string' || s.kind === '') problems.push('kind is missing')
  const subject = s.subject as Record<string, unknown> | undefined
  if (!subject || typeof subject !== 'object' || typeof subject.id !== 'string' || subject.id === '') problems.push('subject.id is missing')
  else {
    for (const field of ['handle', 'server']) {
      if (subject[field] !== undefined && typeof subject[field] !== 'string') problems.push(`subject.${field} is not a string`)
    }
  }
  const objects = Array.isArray(s.objects) ? s.objects : null
  if (!objects) problems.push('objects is missing or not a list')
  else {
    const bad = objects.filter((o) => !isSha256(o))
    if (bad.length > 0) problems.push(`objects names ${shown(bad[0])}${bad.length > 1 ? ` and ${bad.length - 1} more` : ''}, not an object name (64 lowercase hex digits)`)
  }
  const dataIsObject = s.data !== null && typeof s.data === 'object' && !Array.isArray(s.data)
  if (!dataIsObject) problems.push('data is missing or not an object')
  if (s.stats !== undefined && (s.stats === null || typeof s.stats !== 'object')) problems.push('stats is not an object')
  if (dataIsObject && objects && typeof s.kind === 'string') {
    problems.push(...snapshotDataProblems(s.kind, s.data as Record<string, unknown>, objects.filter(isSha256)))
  }
  return problems.map((problem) => `${where}: ${problem}`)
}
