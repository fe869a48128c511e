// The bookkeeping of a Matrix replay: the same journal (src/replay/journal.ts) and the same summary shape as the
// generic driver (src/replay/replay.ts), for the kinds the driver does not know (profile, rooms, direct,
// account-data). Each item runs at most once to a final status; failed and deferred items run again on a rerun.
import type { AdapterContext, Outcome, ReplayKind } from '../adapter.js'
import type { ArchiveReader } from '../../archive/reader.js'
import type { JournalEntry, ReplayJournal } from '../../replay/journal.js'
import { FINAL_STATUSES } from '../../replay/journal.js'
import { ReplayReport } from '../../replay/report.js'
import { AuthError, RemoteError, throwIfAborted } from '../../errors.js'

export type MatrixOutcome = Outcome & { targetId?: string }

export interface MatrixReplayOptions {
  archive: ArchiveReader
  journal: ReplayJournal
  only: readonly ReplayKind[]
  dryRun: boolean
  context: AdapterContext
}

export interface ApplyOptions {
  /** A final journal entry that should still run again (e.g. a room that needed an invite and now has one). */
  again?: (entry: JournalEntry) => boolean
  /** What a dry run says it would do. */
  plan?: string
}

export class ReplayRun extends ReplayReport {
  #stopped = new Set<ReplayKind>()

  constructor(readonly options: MatrixReplayOptions) {
    super(options.context.out)
  }

  get journal(): ReplayJournal {
    return this.options.journal
  }

  wants(kind: ReplayKind): boolean {
    return this.options.only.includes(kind)
  }


  /** The target ID an earlier (or this) run recorded for an item, when it reached the target. */
  targetOf(kind: ReplayKind, key: string): string | undefined {
    const entry = this.journal.get(kind, key)
    return entry && (entry.status === 'applied' || entry.status === 'unchanged') ? entry.targetId : undefined
  }

  /** Runs one item unless the journal says it is done; records its outcome before the next item starts. */
  async apply(kind: ReplayKind, key: string, subject: string, action: () => Promise<MatrixOutcome>, options: ApplyOptions = {}): Promise<void> {
    const { context, dryRun } = this.options
    throwIfAborted(context.signal)
    if (this.#stopped.has(kind)) {
      this.summary.deferred.find((d) => d.kind === kind)!.remaining++
      return
    }
    const entry = this.journal.get(kind, key)
    if (entry && FINAL_STATUSES.has(entry.status) && !options.again?.(entry)) {
      this.note({ kind, subject, status: 'done-before' })
      return
    }
    if (dryRun) {
      this.note({ kind, subject, status: 'planned', ...(options.plan ? { reason: options.plan } : {}) })
      return
    }
    const outcome = await this.#attempt(action)
    const reason = 'reason' in outcome ? outcome.reason : undefined
    await this.journal.record({ kind, key, status: outcome.status, ...(reason ? { reason } : {}), ...(outcome.targetId ? { targetId: outcome.targetId } : {}) })
    this.note({ kind, subject, status: outcome.status, ...(reason ? { reason } : {}) })
    if (outcome.status === 'deferred') {
      this.#stopped.add(kind)
      this.summary.deferred.push({ kind, until: outcome.until, remaining: 0 })
    }
  }

  /** Runs one step; an error becomes its outcome unless the run must stop (interrupted, or the login is refused). */
  async #attempt(action: () => Promise<MatrixOutcome>): Promise<MatrixOutcome> {
    try {
      return await action()
    } catch (error) {
      if (this.options.context.signal.aborted || error instanceof AuthError) throw error
      return asOutcome(error)
    }
  }

  /**
   * Runs a convergent step that is not journaled (it reads the target and writes only what is missing, so running
   * it again is harmless and picks up what later items added).
   */
  async converge(kind: ReplayKind, subject: string, action: () => Promise<MatrixOutcome>, plan?: string): Promise<void> {
    const { context, dryRun } = this.options
    throwIfAborted(context.signal)
    if (dryRun) {
      this.note({ kind, subject, status: 'planned', ...(plan ? { reason: plan } : {}) })
      return
    }
    const outcome = await this.#attempt(action)
    this.note({ kind, subject, status: outcome.status, ...('reason' in outcome ? { reason: outcome.reason } : {}) })
  }
}

/**
 * An error as a per-item outcome. A server wait longer than the HTTP client accepts (its RemoteError carries
 * `retryAt`) defers the kind until then; anything else fails the item, to be tried again by a rerun.
 */
export function asOutcome(error: unknown): MatrixOutcome {
  const retryAt = error instanceof RemoteError ? (error.details?.retryAt as string | undefined) : undefined
  if (retryAt) return { status: 'deferred', reason: (error as Error).message, until: retryAt }
  return { status: 'failed', reason: (error as Error).message }
}
