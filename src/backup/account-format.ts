// The `account-archive` snapshot kind (docs/backup-store.md §8): its `data`, which kinds each network's `--since`
// exports only in part (delta kinds), and the key by which records of a delta kind are merged on restore.
// src/store/snapshot-data.ts validates `data` on every read; this file only describes it.
import type { Network, RecordKind } from '../archive/format.js'
import type { AccountRef } from '../archive/records.js'

export const ACCOUNT_ARCHIVE_KIND = 'account-archive'

export type AccountNetwork = Extract<Network, 'misskey' | 'mastodon' | 'matrix'>
export const ACCOUNT_NETWORKS: readonly AccountNetwork[] = ['misskey', 'mastodon', 'matrix']

export interface Segment {
  kind: RecordKind
  /** `delta`: merged with the chain's other delta segments of its kind; `whole`: the kind's complete records. */
  mode: 'delta' | 'whole'
  object: string
  records: number
  /** The snapshot whose run wrote this segment (informative). */
  snapshot: string
}

export interface StoredFile {
  /** The archive member: profile.json, native/<network>/…, compat/…. */
  member: string
  object: string
  size: number
}

export type AccountArchiveData = {
  network: AccountNetwork
  server: string | null
  account: AccountRef
  /** Date of the export this snapshot was made from: the `--since` date of the next run. */
  exportedAt: string
  full: boolean
  /** The full snapshot this chain starts from (this one when `full`). */
  fullAt: string
  /** Incremental runs since that full one. */
  sinceFullRuns: number
  /** native/<network>/cursor.json of the export, handed to the next run's `--since`. */
  cursor: unknown
  failures: number
  segments: Segment[]
  files: StoredFile[]
  /** Every medium the merged media records may name. */
  media: string[]
}

/** Per network, the kinds its `--since` exports only in part (docs/backup-store.md §8.1). */
export const DELTA_KINDS: Record<AccountNetwork, ReadonlySet<RecordKind>> = {
  misskey: new Set(['posts', 'media', 'bookmarks', 'likes']),
  mastodon: new Set(['posts', 'media', 'bookmarks', 'likes']),
  matrix: new Set(['events', 'media']),
}

/**
 * Files an export derives from the records of a delta kind, so the stored one covers only its run's records: a restore
 * builds them again from the merged records (Mastodon's bookmarks.csv).
 */
export const DERIVED_FILES: Partial<Record<AccountNetwork, Record<string, RecordKind>>> = {
  mastodon: { 'compat/bookmarks.csv': 'bookmarks' },
}

/** Kinds whose records are written oldest first by the exports (a Matrix room's timeline); the rest newest first. */
export const FORWARD_KINDS: ReadonlySet<RecordKind> = new Set(['events'])

/** The key a later segment's record replaces an earlier one's by (§8.2). */
export function recordKey(kind: RecordKind, record: Record<string, unknown>): string {
  switch (kind) {
    case 'posts':
      return String(record.id)
    case 'bookmarks':
    case 'likes':
    case 'reposts':
      return String(record.subject)
    case 'events': {
      const event = record.event as { event_id?: unknown } | undefined
      return JSON.stringify([record.roomId, event?.event_id])
    }
    case 'media':
      return JSON.stringify([record.sha256, record.source])
    default:
      return JSON.stringify(record)
  }
}

/** The subject id of an account's snapshots: the network and the archive's account id (an actor URI, an MXID). */
export function subjectId(network: AccountNetwork, account: AccountRef): string {
  return `${network}:${account.id}`
}
