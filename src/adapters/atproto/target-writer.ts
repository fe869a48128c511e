// Creates records in the target repo with com.atproto.repo.applyWrites: up to 200 creates a call (lexicon maximum),
// as many as the pacer allows, each call guarded by `swapCommit` so that a call the HTTP layer repeats after a lost
// response (a reset once the PDS had committed) cannot write twice: the repeat meets InvalidSwap (pds
// api/com/atproto/repo/applyWrites.ts), the newest records are read back, and only what is still missing is sent again.
import type { AdapterContext } from '../adapter.js'
import { AuthError, InterruptedError, isLifeboatError, throwIfAborted } from '../../errors.js'
import type { LatestCommit } from './api.js'
import type { ExistingRecords } from './target-existing.js'
import { recordKey } from './target-existing.js'
import type { WritePacer } from './pacing.js'
import { type PdsSession } from './session.js'
import { xrpcCall, xrpcError } from './xrpc.js'

/** Lexicon maximum of writes per applyWrites call. */
export const MAX_WRITES = 200
/** Write points a create costs on a reference PDS (pds api/com/atproto/repo/applyWrites.ts `ratelimitPoints`). */
export const CREATE_POINTS = 3
const MAX_SWAP_CONFLICTS = 5

export type WriteOutcome =
  | { status: 'applied'; uri: string }
  | { status: 'deferred'; until: string; reason: string }
  | { status: 'failed'; reason: string }

interface ApplyWritesOutput {
  commit?: { cid: string; rev: string }
  results?: { uri?: string }[]
}

export interface RepoWriterStats {
  calls: number
  created: number
  swapConflicts: number
}

export class RepoWriter {
  #head: string | null = null
  readonly stats: RepoWriterStats = { calls: 0, created: 0, swapConflicts: 0 }

  constructor(
    readonly context: AdapterContext,
    readonly session: PdsSession,
    readonly pacer: WritePacer,
    readonly existing: ExistingRecords,
  ) {}

  async #latestCommit(): Promise<string> {
    const head = await xrpcCall<LatestCommit>(this.context, this.session.pds, 'com.atproto.sync.getLatestCommit', { params: { did: this.session.did } })
    return head.cid
  }

  async #applyWrites(collection: string, values: Record<string, unknown>[], swapCommit: string): Promise<ApplyWritesOutput> {
    const body = JSON.stringify({
      repo: this.session.did,
      validate: true,
      swapCommit,
      writes: values.map((value) => ({ $type: 'com.atproto.repo.applyWrites#create', collection, value })),
    })
    this.stats.calls++
    return this.session.request('com.atproto.repo.applyWrites', { method: 'POST', body, headers: { 'content-type': 'application/json' } }, async (res) => {
      this.pacer.observe(res.headers)
      if (!res.ok) throw await xrpcError('com.atproto.repo.applyWrites', this.session.pds, res)
      return (await res.json()) as ApplyWritesOutput
    })
  }

  /**
   * Creates one record per value (in order) unless the index shows it exists; one outcome per value. Throws only for
   * what stops the whole run (interruption, a refused login); a failed call fails its own records only.
   */
  async create(collection: string, values: Record<string, unknown>[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array(values.length)
    const keys = values.map((value) => recordKey(collection, value))
    let pending = values.map((_, i) => i)
    let conflicts = 0
    while (pending.length > 0) {
      throwIfAborted(this.context.signal)
      const index = await this.existing.of(collection)
      pending = pending.filter((i) => {
        const uri = keys[i] !== null ? index.get(keys[i]!) : undefined
        // Only reachable after a swap conflict: the record was written by the call whose answer was lost.
        if (uri !== undefined) outcomes[i] = { status: 'applied', uri }
        return uri === undefined
      })
      if (pending.length === 0) break
      const allowance = await this.pacer.allow(Math.min(pending.length, MAX_WRITES) * CREATE_POINTS, CREATE_POINTS, this.context.signal)
      if ('until' in allowance) {
        const until = new Date(allowance.until).toISOString()
        for (const i of pending) outcomes[i] = { status: 'deferred', until, reason: allowance.reason }
        break
      }
      const chunk = pending.slice(0, Math.max(1, Math.floor(allowance.points / CREATE_POINTS)))
      let output: ApplyWritesOutput
      try {
        this.#head ??= await this.#latestCommit()
        output = await this.#applyWrites(collection, chunk.map((i) => values[i]!), this.#head)
      } catch (error) {
        if (error instanceof InterruptedError || error instanceof AuthError) throw error
        const name = isLifeboatError(error) ? String(error.details?.error ?? '') : ''
        if (name === 'InvalidSwap' && conflicts < MAX_SWAP_CONFLICTS) {
          conflicts++
          this.stats.swapConflicts++
          this.#head = null
          await this.existing.refreshNewest(collection, chunk.length + 100)
          continue
        }
        const retryAt = isLifeboatError(error) ? error.details?.retryAt : undefined
        if (typeof retryAt === 'string') {
          for (const i of pending) outcomes[i] = { status: 'deferred', until: retryAt, reason: error instanceof Error ? error.message : String(error) }
          break
        }
        for (const i of chunk) outcomes[i] = { status: 'failed', reason: error instanceof Error ? error.message : String(error) }
        pending = pending.slice(chunk.length)
        continue
      }
      this.#head = output.commit?.cid ?? null
      for (const [j, i] of chunk.entries()) {
        const uri = output.results?.[j]?.uri ?? ''
        outcomes[i] = { status: 'applied', uri }
        if (keys[i] !== null) this.existing.add(collection, keys[i]!, uri)
      }
      this.stats.created += chunk.length
      pending = pending.slice(chunk.length)
    }
    return outcomes
  }
}
