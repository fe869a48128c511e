// The replay journal: an append-only JSON Lines file next to the archive that records the outcome of every item
// replayed onto one target account. A rerun reads it first and never repeats an item that was applied, was already
// there, or was skipped for a reason that does not change (gone, refused); failed and deferred items are tried
// again. Each line is appended and fsynced before the next item starts, so a run killed at any point loses at most
// the item in flight, and that item's write is idempotent on the target. An item whose subject the target could not
// find (`unresolved`) is tried again too: federation may know it by the next run.
import { createHash } from 'node:crypto'
import { open, readFile, type FileHandle } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { acquireLock, type Lock } from '../files/lock.js'
import { PRIVATE_FILE_MODE } from '../files/atomic-file.js'

export type JournalStatus = 'applied' | 'unchanged' | 'skipped' | 'failed' | 'deferred' | 'unresolved'

export interface JournalEntry {
  /** Replay kind: follows, lists, mutes, blocks, domain-blocks, likes, rooms … */
  kind: string
  /** Stable key of the item within its kind (an account id, `list name\0member id`, a domain, a room id). */
  key: string
  status: JournalStatus
  reason?: string
  /** The target's id for the resolved subject, when known. */
  targetId?: string
  /** What the target created, for later items that refer to it (a re-created post's URIs and CIDs). */
  detail?: Record<string, string>
  at: string
}

/** Statuses that end an item for good: a rerun does not touch it again. */
export const FINAL_STATUSES: ReadonlySet<JournalStatus> = new Set(['applied', 'unchanged', 'skipped'])

export function journalPath(archive: string, target: { network: string; server: string; account: string }): string {
  const digest = createHash('sha256').update(`${target.network}\0${target.server}\0${target.account}`).digest('hex').slice(0, 12)
  return join(dirname(archive), `${basename(archive)}.replay-${target.network}-${digest}.jsonl`)
}

export class ReplayJournal {
  #latest = new Map<string, JournalEntry>()
  #handle: FileHandle | null = null
  #lock: Lock | null = null

  private constructor(readonly path: string) {}

  /** Opens (creating if absent) and locks the journal; reads what earlier runs recorded. */
  static async open(path: string): Promise<ReplayJournal> {
    const journal = new ReplayJournal(path)
    journal.#lock = await acquireLock(`${path}.lock`, `The replay journal ${basename(path)}`)
    try {
      const text = await readFile(path, 'utf8').catch(() => '')
      for (const line of text.split('\n')) {
        if (!line) continue
        try {
          const entry = JSON.parse(line) as JournalEntry
          journal.#latest.set(`${entry.kind}\0${entry.key}`, entry)
        } catch {
          // A torn last line from a killed run: that item simply runs again.
        }
      }
      journal.#handle = await open(path, 'a', PRIVATE_FILE_MODE)
    } catch (error) {
      await journal.#lock.release()
      throw error
    }
    return journal
  }

  get(kind: string, key: string): JournalEntry | undefined {
    return this.#latest.get(`${kind}\0${key}`)
  }

  isDone(kind: string, key: string): boolean {
    const entry = this.get(kind, key)
    return entry !== undefined && FINAL_STATUSES.has(entry.status)
  }

  async record(entry: Omit<JournalEntry, 'at'>): Promise<void> {
    const full: JournalEntry = { ...entry, at: new Date().toISOString() }
    this.#latest.set(`${entry.kind}\0${entry.key}`, full)
    await this.#handle!.write(JSON.stringify(full) + '\n')
    await this.#handle!.sync()
  }

  entries(): JournalEntry[] {
    return [...this.#latest.values()]
  }

  async close(): Promise<void> {
    await this.#handle?.close()
    this.#handle = null
    await this.#lock?.release()
  }
}
