// Where a backup store's bytes live: a directory (backends/local.ts) or an S3 bucket prefix (backends/s3.ts).
// BackupStore (store.ts) is the only user; it decides what is written (codec.ts, format.ts) and in which order, a
// backend only moves bytes under keys. Keys are relative, '/'-separated names: `config.json`, `objects/ab/<name>`,
// `snapshots/<id>.json` (docs/backup-store.md §2). Every write a backend offers is atomic: a reader sees a key
// absent or with all of its bytes, never part of them.
import type { Readable } from 'node:stream'
import type { Lock } from '../files/lock.js'

export interface BackendEntry {
  /** The key relative to the store, '/'-separated. */
  key: string
  size: number
}

/** What is at a store location before openStore looks for config.json. */
export type LocationState = 'absent' | 'empty' | 'used'

/**
 * A stored key that cannot be read as a document: a symbolic link, not a regular file, or larger than asked. The
 * message says which (e.g. "a symbolic link, not a manifest"); the store reports it as damage, never follows it.
 */
export class StoredKeyProblem extends Error {}

export interface StoreBackend {
  /** How messages and hints name the store: the directory, or `s3://bucket/prefix`. */
  readonly location: string
  /** The store's directory when it is on this machine, else null. */
  readonly localDir: string | null
  /** Whether anything exists at the location (a new store is only created where nothing is). */
  probe(): Promise<LocationState>
  /** Prepares an absent or empty location for a new store (a local one: the directory and its subdirectories). */
  create(): Promise<void>
  /** A small document (config, manifest, lock) whole; null when absent; StoredKeyProblem when over `limitBytes`. */
  readSmall(key: string, limitBytes: number): Promise<Buffer | null>
  /** Writes a small document atomically, replacing any previous one. */
  writeSmall(key: string, bytes: Buffer): Promise<void>
  /** The stored size of `key`, or null when absent. */
  size(key: string): Promise<number | null>
  /** A stream of the stored bytes of `key`, or null when absent. */
  openRead(key: string): Promise<Readable | null>
  /**
   * Stores the finished local file `file` (in stagingDir()) under `key`, whole or not at all. When the key exists
   * already nothing is written (keys of objects name their content) and false is returned. The file is gone after.
   */
  adopt(key: string, file: string): Promise<boolean>
  /** Deletes `key`; an absent key is no error. */
  delete(key: string): Promise<void>
  /** Every key under `prefix` (e.g. 'objects/'), in no particular order. */
  list(prefix: string): AsyncIterable<BackendEntry>
  /** The local file holding `key`'s stored bytes, for a local backend; null for a remote one. */
  localPath(key: string): string | null
  /**
   * A private (0700) local directory for files being written or downloaded: for a local store `<store>/tmp`, on the
   * same file system as the objects so adopt() is a rename; for a remote store a private directory under the
   * system's temporary directory, removed by close().
   */
  stagingDir(): Promise<string>
  /** The store's one exclusive writer lock (LockedError, exit 11, when a live run holds it). */
  lock(): Promise<Lock>
  /** Leftovers of killed runs (staged files, half-finished uploads) that prune removes; `remove` deletes them. */
  leftovers(remove: boolean): Promise<number>
  /** Releases what the backend holds (connections, its private staging directory). */
  close(): Promise<void>
}
