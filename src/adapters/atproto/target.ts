// AT Protocol replay Target: recreates follows, blocks, lists with their members, and (when asked) likes as records
// in another account's repo (docs/adapters/atproto.md "Replay"). Every subject is checked where it lives (DID
// document, then its PDS) and reported as gone when it no longer exists; what the account already has (its own
// follow/block/list/listitem/like records, read once) is `unchanged`; writes go in applyWrites batches paced under
// the PDS's write-point limits, and a spent daily budget defers the rest with the time to come back.
import type { AdapterContext, Capabilities, Outcome, ReplayKind, ResolvedAccount, Target } from '../adapter.js'
import type { AccountRef, ListRecord, RelationRecord } from '../../archive/records.js'
import { describeWindow, WritePacer, type WritePacerOptions } from './pacing.js'
import { RepoWriter, MAX_WRITES, type WriteOutcome } from './target-writer.js'
import { ExistingRecords } from './target-existing.js'
import { SubjectChecker, isAtprotoDid, parsePostUri } from './target-subjects.js'
import type { PdsSession } from './session.js'
import { COLLECTIONS } from './map.js'
import { xrpcCall } from './xrpc.js'
import { RemoteError } from '../../errors.js'
import { AtprotoPosts } from './posts-target.js'
import { PostsRepo } from './posts-repo.js'

const ALL_KINDS: readonly ReplayKind[] = ['follows', 'blocks', 'lists', 'likes']
const LIST_PURPOSES = new Set(['curatelist', 'modlist', 'referencelist'])

export interface AtprotoTargetOptions {
  session: PdsSession
  handle: string | null
  plc: string
  /** Replay likes too (they are opt-in: `--only …,likes`). */
  likes: boolean
  /** Re-create posts too (`--posts`, docs/adapters/atproto.md "Posts"). */
  posts?: boolean
  pacer?: WritePacerOptions
  /** Parallel subject lookups. */
  lookups?: number
}

function toOutcome(result: WriteOutcome | undefined): Outcome {
  if (!result) return { status: 'failed', reason: 'no outcome reported' }
  if (result.status === 'applied') return { status: 'applied' }
  return result
}

function now(): string {
  return new Date().toISOString()
}

export class AtprotoTarget implements Target {
  readonly capabilities: Capabilities
  readonly batchSize = MAX_WRITES
  readonly writer: RepoWriter
  readonly existing: ExistingRecords
  readonly subjects: SubjectChecker
  readonly posts: AtprotoPosts | undefined
  #warnedForeign = false

  constructor(
    readonly context: AdapterContext,
    readonly options: AtprotoTargetOptions,
  ) {
    const { session } = options
    const replays = options.likes ? ALL_KINDS : ALL_KINDS.filter((k) => k !== 'likes')
    this.capabilities = { network: 'atproto', exports: [], replays: options.posts ? [...replays, 'posts'] : replays, alias: false, move: false }
    this.existing = new ExistingRecords(context, session.pds, session.did)
    this.subjects = new SubjectChecker(context, options.plc, options.lookups)
    const pacer = new WritePacer({
      onWait: (ms, window) => {
        const minutes = Math.ceil(ms / 60_000)
        const per = window.windowSeconds ? ` per ${describeWindow(window.windowSeconds)}` : ''
        context.out.info(`Waiting ${minutes} min for ${new URL(session.pds).host}'s write limit (${window.limit} points${per}) to renew …`)
        context.out.event('paced', { url: session.pds, waitMs: ms, reason: 'write limit' })
      },
      ...options.pacer,
    })
    this.writer = new RepoWriter(context, session, pacer, this.existing)
    this.posts = options.posts ? new AtprotoPosts(context, new PostsRepo(context, session, pacer), this.subjects) : undefined
  }

  async whoami(): Promise<AccountRef> {
    const { session, handle } = this.options
    return handle ? { id: session.did, handle } : { id: session.did }
  }

  /**
   * Subjects are DIDs in AT Protocol archives: the existence check starts here and runs in the background; a subject
   * that turns out to be gone is `skipped` by the write that names it. A bare handle is resolved through the PDS.
   * ActivityPub and Matrix accounts have no AT Protocol identity: null.
   */
  async resolve(account: AccountRef): Promise<ResolvedAccount | null> {
    if (isAtprotoDid(account.id)) {
      void this.subjects.account(account.id)
      return { targetId: account.id, ref: account }
    }
    const handle = account.handle ?? account.id
    if (!handle.includes('@') && !handle.includes('/') && handle.includes('.')) {
      try {
        const { did } = await xrpcCall<{ did: string }>(this.context, this.options.session.pds, 'com.atproto.identity.resolveHandle', { params: { handle } })
        if (isAtprotoDid(did)) {
          void this.subjects.account(did)
          return { targetId: did, ref: account }
        }
      } catch (error) {
        // The PDS answers 400 "Unable to resolve handle" for a handle that points nowhere; anything else may pass.
        if (error instanceof RemoteError && error.status === 400) return null
        throw error
      }
    }
    if (!this.#warnedForeign) {
      this.#warnedForeign = true
      this.context.out.warn(
        `${account.handle ?? account.id} is not an AT Protocol account; accounts of other networks are skipped (a fediverse account bridged by Bridgy Fed has its own handle, like user.host.ap.brid.gy).`,
      )
    }
    return null
  }

  /** Existence and self checks shared by every kind; returns the outcome for a subject that must not be written. */
  async #precheck(did: string): Promise<Outcome | null> {
    if (did === this.options.session.did) return { status: 'skipped', reason: 'that is this account itself' }
    const check = await this.subjects.account(did)
    return check.exists ? null : { status: 'skipped', reason: check.reason }
  }

  async applyBatch(kind: 'follows' | 'blocks', items: { account: ResolvedAccount; record: RelationRecord }[]): Promise<Outcome[]> {
    const collection = kind === 'follows' ? COLLECTIONS.follow : COLLECTIONS.block
    const existing = await this.existing.of(collection)
    const outcomes: Outcome[] = new Array(items.length)
    const checks = await Promise.allSettled(items.map((item) => this.#precheck(item.account.targetId)))
    const toWrite: number[] = []
    const queued = new Set<string>()
    for (const [i, item] of items.entries()) {
      const check = checks[i]!
      const did = item.account.targetId
      if (check.status === 'rejected') outcomes[i] = { status: 'failed', reason: (check.reason as Error).message }
      else if (check.value) outcomes[i] = check.value
      else if (existing.has(did) || queued.has(did)) outcomes[i] = { status: 'unchanged' }
      else {
        queued.add(did)
        toWrite.push(i)
      }
    }
    const $type = collection
    const results = await this.writer.create(
      collection,
      toWrite.map((i) => ({ $type, subject: items[i]!.account.targetId, createdAt: now() })),
    )
    for (const [j, i] of toWrite.entries()) outcomes[i] = toOutcome(results[j])
    return outcomes
  }

  async follow(account: ResolvedAccount, settings: RelationRecord): Promise<Outcome> {
    return (await this.applyBatch('follows', [{ account, record: settings }]))[0]!
  }

  async block(account: ResolvedAccount): Promise<Outcome> {
    return (await this.applyBatch('blocks', [{ account, record: { account: account.ref } }]))[0]!
  }

  /** Finds the list by name (or creates it with the archive's purpose and description), then adds the members. */
  async list(list: ListRecord, members: ResolvedAccount[]): Promise<Outcome[]> {
    const lists = await this.existing.of(COLLECTIONS.list)
    // The lexicon caps names at 64 characters; the capped name is also what a rerun looks for.
    const name = list.name.slice(0, 64) || 'Untitled list'
    let listUri = lists.get(name)
    if (!listUri) {
      const purpose = list.purpose && LIST_PURPOSES.has(list.purpose) ? list.purpose : 'curatelist'
      const [created] = await this.writer.create(COLLECTIONS.list, [
        {
          $type: COLLECTIONS.list,
          name,
          purpose: `app.bsky.graph.defs#${purpose}`,
          ...(list.description ? { description: list.description.slice(0, 300) } : {}),
          createdAt: now(),
        },
      ])
      if (created?.status !== 'applied') return members.map(() => toOutcome(created))
      listUri = created.uri
    }
    const items = await this.existing.of(COLLECTIONS.listItem)
    const outcomes: Outcome[] = new Array(members.length)
    const checks = await Promise.allSettled(members.map((m) => this.#precheck(m.targetId)))
    const toWrite: number[] = []
    for (const [i, member] of members.entries()) {
      const check = checks[i]!
      if (check.status === 'rejected') outcomes[i] = { status: 'failed', reason: (check.reason as Error).message }
      else if (check.value) outcomes[i] = check.value
      else if (items.has(`${listUri}\0${member.targetId}`)) outcomes[i] = { status: 'unchanged' }
      else toWrite.push(i)
    }
    const results = await this.writer.create(
      COLLECTIONS.listItem,
      toWrite.map((i) => ({ $type: COLLECTIONS.listItem, subject: members[i]!.targetId, list: listUri, createdAt: now() })),
    )
    for (const [j, i] of toWrite.entries()) outcomes[i] = toOutcome(results[j])
    return outcomes
  }

  /** Likes the post at `subject` (an at:// URI) with a strong reference to its current version. */
  async like(subject: string): Promise<Outcome> {
    if (!parsePostUri(subject)) return { status: 'skipped', reason: 'not an AT Protocol post' }
    if (await this.existing.has(COLLECTIONS.like, subject)) return { status: 'unchanged' }
    const post = await this.subjects.post(subject)
    if ('gone' in post) return { status: 'skipped', reason: post.gone }
    const [result] = await this.writer.create(COLLECTIONS.like, [{ $type: COLLECTIONS.like, subject: { uri: subject, cid: post.cid }, createdAt: now() }])
    return toOutcome(result)
  }
}
