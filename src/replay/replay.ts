// The one replay driver for every network: reads an archive and applies it through a Target, item by item, in the
// order targets need (follows before lists, since Mastodon lists only take followed accounts; for Matrix the profile
// before the joins, rooms before direct chats, both before the tags on them), with the journal deciding what is
// already done. Kinds the archive holds as accounts (follows, lists, mutes, blocks …) go through the Target's calls
// of the same name; kinds a target replays as its own steps (Matrix's profile, rooms, direct, account-data:
// `Target.steps`) come to the driver one step at a time. Per-item failures are recorded and reported, never thrown; a
// deferred outcome (a daily cap) stops that kind cleanly and says when to continue. A subject the target cannot
// resolve is `unresolved` (never silently skipped): the run names each one and ends with exit 3 (report.ts).
import type { AdapterContext, Outcome, ReplayKind, ReplayStep, ResolvedAccount, StepOutcome, StepRun, Target } from '../adapters/adapter.js'
import type { ArchiveReader } from '../archive/reader.js'
import type { AccountRef, ListRecord, RelationRecord } from '../archive/records.js'
import { BadArchiveError, RemoteError, throwIfAborted, UnsupportedError } from '../errors.js'
import type { JournalEntry, ReplayJournal } from './journal.js'
import { FINAL_STATUSES } from './journal.js'
import { ReplayReport, type ReplaySummary } from './report.js'
import { replayPosts, type PostSelection } from './posts.js'
import { endsTheRun } from './ends-run.js'

/** Every kind, in the order a replay runs them; a target replays the ones its capabilities name. */
export const REPLAY_ORDER: readonly ReplayKind[] = ['profile', 'follows', 'lists', 'mutes', 'blocks', 'domain-blocks', 'likes', 'rooms', 'direct', 'account-data', 'posts']

export interface ReplayOptions {
  archive: ArchiveReader
  target: Target
  journal: ReplayJournal
  only: ReplayKind[]
  dryRun: boolean
  context: AdapterContext
  /** Which posts `posts` re-creates (src/replay/posts.ts). */
  posts?: PostSelection
}

/** Why an account the target's resolve() returned null for is not replayed. */
export const UNRESOLVED = { status: 'unresolved', reason: 'not found from the target server' } as const satisfies Outcome

export function describeAccount(account: AccountRef): string {
  return account.handle ? `${account.handle}` : account.id
}

class Run extends ReplayReport {
  #resolved = new Map<string, ResolvedAccount | null>()

  constructor(readonly options: ReplayOptions) {
    super(options.context.out)
  }

  async resolve(account: AccountRef): Promise<ResolvedAccount | null> {
    if (this.#resolved.has(account.id)) return this.#resolved.get(account.id)!
    const resolved = await this.options.target.resolve(account)
    this.#resolved.set(account.id, resolved)
    return resolved
  }

  /** Applies one item unless the journal says it is done; returns false when its kind must stop (deferred). */
  async apply(kind: ReplayKind, key: string, subject: string, action: () => Promise<Outcome>): Promise<boolean> {
    const { journal, dryRun, context } = this.options
    throwIfAborted(context.signal)
    if (journal.isDone(kind, key)) {
      this.note({ kind, subject, status: 'done-before' })
      return true
    }
    if (dryRun) {
      this.note({ kind, subject, status: 'planned' })
      return true
    }
    let outcome: Outcome
    try {
      outcome = await action()
    } catch (error) {
      if (endsTheRun(error, context.signal)) throw error
      outcome = { status: 'failed', reason: (error as Error).message }
    }
    await journal.record({ kind, key, status: outcome.status, ...('reason' in outcome ? { reason: outcome.reason } : {}) })
    this.note({ kind, subject, status: outcome.status, ...('reason' in outcome ? { reason: outcome.reason } : {}) })
    if (outcome.status === 'deferred') {
      this.summary.deferred.push({ kind, until: outcome.until, remaining: 0 })
      return false
    }
    return true
  }

  /**
   * Takes a target's steps of one kind (Target.steps) one at a time: each journaled step runs unless the journal says
   * it is done, and its outcome is recorded before the next step is asked for.
   */
  async steps(kind: ReplayKind, steps: AsyncIterable<ReplayStep>): Promise<void> {
    const { journal, dryRun, context } = this.options
    let deferred: ReplaySummary['deferred'][number] | undefined
    for await (const step of steps) {
      throwIfAborted(context.signal)
      if ('skip' in step) {
        this.note({ kind, subject: step.subject, status: 'skipped', reason: step.skip })
        continue
      }
      const planned = { kind, subject: step.subject, status: 'planned' as const, ...(step.plan ? { reason: step.plan } : {}) }
      if ('converge' in step) {
        if (dryRun) this.note(planned)
        else this.#noteOutcome(kind, step.subject, await this.#attempt(step.converge))
        continue
      }
      if (deferred) {
        deferred.remaining++
        continue
      }
      const earlier = journal.get(kind, step.key)
      if (earlier && FINAL_STATUSES.has(earlier.status) && !step.again?.(earlier)) {
        this.note({ kind, subject: step.subject, status: 'done-before' })
        continue
      }
      if (dryRun) {
        this.note(planned)
        continue
      }
      const outcome = await this.#attempt(() => step.run({ earlier, starting: (reason) => journal.record({ kind, key: step.key, status: 'failed', reason }) }))
      const reason = 'reason' in outcome ? outcome.reason : undefined
      await journal.record({ kind, key: step.key, status: outcome.status, ...(reason ? { reason } : {}), ...(outcome.targetId ? { targetId: outcome.targetId } : {}) })
      this.#noteOutcome(kind, step.subject, outcome)
      if (outcome.status === 'deferred') {
        deferred = { kind, until: outcome.until, remaining: 0 }
        this.summary.deferred.push(deferred)
      }
    }
  }

  #noteOutcome(kind: ReplayKind, subject: string, outcome: StepOutcome): void {
    const reason = 'reason' in outcome ? outcome.reason : undefined
    this.note({ kind, subject, status: outcome.status, ...(reason ? { reason } : {}) })
  }

  /** Runs one step; an error becomes its outcome unless the run must stop (interrupted, or the login is refused). */
  async #attempt(action: () => Promise<StepOutcome>): Promise<StepOutcome> {
    try {
      return await action()
    } catch (error) {
      if (endsTheRun(error, this.options.context.signal)) throw error
      return stepOutcome(error)
    }
  }

  /** Resolves the account, then applies `act` to it; an account that no longer exists is skipped for good. */
  async applyToAccount(kind: ReplayKind, account: AccountRef, act: (resolved: ResolvedAccount) => Promise<Outcome>): Promise<boolean> {
    return this.apply(kind, account.id, describeAccount(account), async () => {
      const resolved = await this.resolve(account)
      if (!resolved) return UNRESOLVED
      return act(resolved)
    })
  }
}

/**
 * A step's error as its outcome. A server wait longer than the HTTP client accepts (its RemoteError carries
 * `retryAt`) defers the kind until then; anything else fails the item, to be tried again by a rerun.
 */
function stepOutcome(error: unknown): StepOutcome {
  const retryAt = error instanceof RemoteError ? (error.details?.retryAt as string | undefined) : undefined
  if (retryAt) return { status: 'deferred', reason: (error as Error).message, until: retryAt }
  return { status: 'failed', reason: (error as Error).message }
}

/** What a target's steps are given (Target.steps): the archive, the dry run, the journal's target IDs so far. */
function stepRun(options: ReplayOptions): StepRun {
  const { archive, dryRun, journal } = options
  return {
    archive,
    dryRun,
    targetOf(kind, key) {
      const entry: JournalEntry | undefined = journal.get(kind, key)
      return entry && (entry.status === 'applied' || entry.status === 'unchanged') ? entry.targetId : undefined
    },
  }
}

async function relations(run: Run, kind: ReplayKind, records: AsyncIterable<RelationRecord>, act: (resolved: ResolvedAccount, record: RelationRecord) => Promise<Outcome>) {
  const { target } = run.options
  if (target.applyBatch && (kind === 'follows' || kind === 'blocks') && !run.options.dryRun) return batchedRelations(run, kind, records)
  let stopped = false
  for await (const record of records) {
    if (stopped) {
      run.summary.deferred.at(-1)!.remaining++
      continue
    }
    stopped = !(await run.applyToAccount(kind, record.account, (resolved) => act(resolved, record)))
  }
}

/** Resolves items one by one, then applies them `batchSize` at a time; the journal still records each item. */
async function batchedRelations(run: Run, kind: 'follows' | 'blocks', records: AsyncIterable<RelationRecord>) {
  const { target, journal, context } = run.options
  const size = Math.max(1, target.batchSize ?? 1)
  let batch: { account: ResolvedAccount; record: RelationRecord }[] = []
  let stopped = false
  const flush = async () => {
    if (batch.length === 0) return
    const items = batch
    batch = []
    let outcomes: Outcome[]
    try {
      outcomes = await target.applyBatch!(kind, items)
    } catch (error) {
      if (endsTheRun(error, context.signal)) throw error
      outcomes = items.map(() => ({ status: 'failed' as const, reason: (error as Error).message }))
    }
    for (const [i, item] of items.entries()) {
      const outcome = outcomes[i] ?? { status: 'failed' as const, reason: 'no outcome reported' }
      const reason = 'reason' in outcome ? outcome.reason : undefined
      if (outcome.status === 'deferred' && !stopped) {
        stopped = true
        run.summary.deferred.push({ kind, until: outcome.until, remaining: -1 })
      }
      if (outcome.status === 'deferred') run.summary.deferred.at(-1)!.remaining++
      await journal.record({ kind, key: item.record.account.id, status: outcome.status, ...(reason ? { reason } : {}), targetId: item.account.targetId })
      run.note({ kind, subject: describeAccount(item.record.account), status: outcome.status, ...(reason ? { reason } : {}) })
    }
  }
  for await (const record of records) {
    throwIfAborted(context.signal)
    if (stopped) {
      run.summary.deferred.at(-1)!.remaining++
      continue
    }
    if (journal.isDone(kind, record.account.id)) {
      run.note({ kind, subject: describeAccount(record.account), status: 'done-before' })
      continue
    }
    let resolved: ResolvedAccount | null
    try {
      resolved = await run.resolve(record.account)
    } catch (error) {
      if (endsTheRun(error, context.signal)) throw error
      await journal.record({ kind, key: record.account.id, status: 'failed', reason: (error as Error).message })
      run.note({ kind, subject: describeAccount(record.account), status: 'failed', reason: (error as Error).message })
      continue
    }
    if (!resolved) {
      await journal.record({ kind, key: record.account.id, ...UNRESOLVED })
      run.note({ kind, subject: describeAccount(record.account), ...UNRESOLVED })
      continue
    }
    batch.push({ account: resolved, record })
    if (batch.length >= size) await flush()
  }
  await flush()
}

async function lists(run: Run, records: AsyncIterable<ListRecord>) {
  const { target, journal, dryRun, context } = run.options
  for await (const list of records) {
    if (list.members.length === 0) {
      // An empty list is still a list the user made: create it once (the journal keys it by name alone).
      await run.apply('lists', `${list.name}\0`, `${list.name} (empty)`, async () => (await target.list!(list, []))[0] ?? { status: 'applied' })
      continue
    }
    const pending = list.members.filter((m) => !journal.isDone('lists', `${list.name}\0${m.id}`))
    for (const member of list.members) if (!pending.includes(member)) run.note({ kind: 'lists', subject: `${list.name}: ${describeAccount(member)}`, status: 'done-before' })
    if (pending.length === 0) continue
    if (dryRun) {
      for (const member of pending) run.note({ kind: 'lists', subject: `${list.name}: ${describeAccount(member)}`, status: 'planned' })
      continue
    }
    const resolved: ResolvedAccount[] = []
    for (const member of pending) {
      const r = await run.resolve(member).catch((error: Error) => {
        if (endsTheRun(error, context.signal)) throw error
        run.note({ kind: 'lists', subject: `${list.name}: ${describeAccount(member)}`, status: 'failed', reason: error.message })
        return undefined
      })
      if (r === undefined) continue
      if (r === null) {
        await journal.record({ kind: 'lists', key: `${list.name}\0${member.id}`, ...UNRESOLVED })
        run.note({ kind: 'lists', subject: `${list.name}: ${describeAccount(member)}`, ...UNRESOLVED })
      } else resolved.push(r)
    }
    let outcomes: Outcome[]
    try {
      outcomes = await target.list!(list, resolved)
    } catch (error) {
      if (endsTheRun(error, context.signal)) throw error
      outcomes = resolved.map(() => ({ status: 'failed' as const, reason: (error as Error).message }))
    }
    for (const [i, member] of resolved.entries()) {
      const outcome = outcomes[i] ?? { status: 'failed' as const, reason: 'no outcome reported' }
      const reason = 'reason' in outcome ? outcome.reason : undefined
      await journal.record({ kind: 'lists', key: `${list.name}\0${member.ref.id}`, status: outcome.status, ...(reason ? { reason } : {}) })
      run.note({ kind: 'lists', subject: `${list.name}: ${describeAccount(member.ref)}`, status: outcome.status, ...(reason ? { reason } : {}) })
    }
  }
}

/** Refuses, before any item, an archive the target cannot replay and a kind it does not replay. */
function checkCapabilities(archive: ArchiveReader, target: Target, only: readonly ReplayKind[]): void {
  const { network, replays, replaysFrom } = target.capabilities
  const from = archive.manifest.source.network
  if (replaysFrom && !replaysFrom.includes(from)) {
    throw new BadArchiveError(`${archive.path} is a ${from} archive; only ${replaysFrom.join(' and ')} archives replay onto ${network}.`)
  }
  for (const kind of only) {
    if (!replays.includes(kind)) {
      throw new UnsupportedError(`Replaying ${kind} onto ${network} is not supported.`, { hint: `Leave ${kind} out of --only; ${network} replays ${replays.join(', ')}.` })
    }
  }
}

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const { archive, target, only } = options
  checkCapabilities(archive, target, only)
  const run = new Run(options)
  const steps = stepRun(options)
  for (const kind of REPLAY_ORDER) {
    if (!only.includes(kind)) continue
    const own = target.steps?.[kind]
    if (own) {
      await run.steps(kind, own(steps))
      continue
    }
    switch (kind) {
      case 'follows':
        await relations(run, kind, archive.records('following'), (r, rec) => target.follow(r, rec))
        break
      case 'mutes':
        await relations(run, kind, archive.records('mutes'), (r, rec) => target.mute!(r, rec))
        break
      case 'blocks':
        await relations(run, kind, archive.records('blocks'), (r) => target.block!(r))
        break
      case 'lists':
        await lists(run, archive.records('lists'))
        break
      case 'domain-blocks':
        for await (const record of archive.records('domain-blocks')) {
          await run.apply(kind, record.domain, record.domain, () => target.blockDomain!(record.domain))
        }
        break
      case 'likes':
        for await (const record of archive.records('likes')) {
          await run.apply(kind, record.subject, record.subject, () => target.like!(record.subject))
        }
        break
      case 'posts':
        await replayPosts(options, run)
        break
      default:
        throw new UnsupportedError(`Replaying ${kind} is not supported by this command.`)
    }
  }
  return run.summary
}
