// The writer lock of a store in object storage, as restic locks its repositories (docs/backup-store.md §3): object
// storage has no "create if absent", so each writer puts its own lock object `locks/<random>` and then looks for
// others. The lock holds host, pid and the time it was last refreshed; while a run holds it, it is rewritten every
// `refreshMs`. Another writer's lock is stale, and deleted, when it was not refreshed for `staleMs` or when its
// process is gone on this same host. Two writers racing both see each other's lock and both give up (exit 11):
// neither writes, which is the safe outcome.
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { LockedError } from '../../errors.js'
import { processAlive, type Lock } from '../../files/lock.js'
import type { BackendEntry } from '../backend.js'

export const LOCKS_PREFIX = 'locks/'
/** restic: a lock not refreshed for 30 minutes is stale; a live run refreshes it every 5 minutes. */
export const DEFAULT_LOCK_STALE_MS = 30 * 60_000
export const DEFAULT_LOCK_REFRESH_MS = 5 * 60_000

export interface LockStorage {
  readonly location: string
  readSmall(key: string, limitBytes: number): Promise<Buffer | null>
  writeSmall(key: string, bytes: Buffer): Promise<void>
  delete(key: string): Promise<void>
  list(prefix: string): AsyncIterable<BackendEntry>
}

export interface ObjectLockOptions {
  staleMs?: number
  refreshMs?: number
  /** The clock (tests); default Date.now. */
  now?: () => number
  /** This machine's name (tests); default os.hostname(). */
  host?: string
}

interface LockBody {
  host: string
  pid: number
  since: string
  refreshed: string
}

function parse(bytes: Buffer | null): LockBody | null {
  if (bytes === null) return null
  try {
    const body = JSON.parse(bytes.toString('utf8')) as LockBody
    return typeof body === 'object' && body !== null ? body : null
  } catch {
    return null
  }
}

export async function acquireObjectLock(storage: LockStorage, options: ObjectLockOptions = {}): Promise<Lock> {
  const now = options.now ?? Date.now
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS
  const refreshMs = options.refreshMs ?? DEFAULT_LOCK_REFRESH_MS
  const host = options.host ?? hostname()
  const key = `${LOCKS_PREFIX}${randomBytes(16).toString('hex')}`
  const since = new Date(now()).toISOString()
  const body = (): Buffer => Buffer.from(JSON.stringify({ host, pid: process.pid, since, refreshed: new Date(now()).toISOString() } satisfies LockBody))

  /** The first live lock other than ours, deleting stale ones on the way. */
  const holder = async (): Promise<LockBody | null> => {
    for await (const entry of storage.list(LOCKS_PREFIX)) {
      if (entry.key === key) continue
      const bytes = await storage.readSmall(entry.key, 64 * 1024).catch(() => null)
      if (bytes === null) continue // deleted meanwhile
      // A body that does not parse may be a refresh caught half-written (not every S3-compatible server replaces an
      // object atomically): the lock counts as held, never as absent.
      const other = parse(bytes) ?? { host: 'unknown', pid: 0, since: 'unknown', refreshed: new Date(now()).toISOString() }
      const age = now() - Date.parse(other.refreshed)
      const stale = !(age <= staleMs) || (other.host === host && other.pid !== process.pid && !processAlive(other.pid))
      if (stale) await storage.delete(entry.key)
      else return other
    }
    return null
  }
  const refuse = (other: LockBody): LockedError =>
    new LockedError(`The backup store ${storage.location} is in use by another Lifeboat run (pid ${other.pid} on ${other.host}, since ${other.since}).`, {
      hint: `Wait for it to finish. A lock not refreshed for ${Math.round(staleMs / 60_000)} minutes is taken over by the next run.`,
    })

  const before = await holder()
  if (before) throw refuse(before)
  await storage.writeSmall(key, body())
  const after = await holder()
  if (after) {
    await storage.delete(key)
    throw refuse(after)
  }
  let released = false
  let refreshing: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    refreshing = refreshing.then(() => (released ? undefined : storage.writeSmall(key, body()))).catch(() => {})
  }, refreshMs)
  timer.unref()
  return {
    path: `${storage.location}/${key}`,
    async release() {
      if (released) return
      released = true
      clearInterval(timer)
      await refreshing
      await storage.delete(key)
    },
  }
}
