// Misskey Target: replays follows, list memberships, mutes, blocks and domain blocks onto an account, one
// idempotent operation at a time (src/replay/replay.ts drives it and keeps the journal).
//
// Accounts are found with `users/show {username, host}` (WebFinger on the server's side; the answer carries the
// relation flags isFollowing/isMuted/isBlocking, users_show__bob-as-alice.json) and, failing that, `ap/show {uri}`
// (30/h). The flags let a replay skip what is already in place without spending the write endpoints' hourly
// quota, and the write endpoints are paced (pacing.ts). Error codes per endpoint are the recorded ones
// (following_create__error-*.json, blocking_create__error-*.json, mute_create__error-*.json,
// users_lists_push__error-*.json) and upstream's endpoint files for those not recorded.
import type { AdapterContext, Outcome, ResolvedAccount, Target } from '../adapter.js'
import type { AccountRef, ListRecord, RelationRecord } from '../../archive/records.js'
import { acct } from '../../archive/compat.js'
import { RemoteError } from '../../errors.js'
import { accountOf } from './accounts.js'
import type { UserDetailed, UserList } from './api.js'
import { MisskeyApiError, toLifeboatError } from './errors.js'
import type { Pacer } from './pacing.js'
import { MISSKEY_CAPABILITIES } from './capabilities.js'
import type { MisskeySession } from './session.js'

/** Answers that say the account is not there (users/show, ap/show, and the NO_SUCH_USER of every write). */
const ABSENT = new Set(['NO_SUCH_USER', 'FAILED_TO_RESOLVE_REMOTE_USER', 'NO_SUCH_OBJECT', 'REQUEST_FAILED', 'RESPONSE_INVALID', 'FEDERATION_NOT_ALLOWED'])

const GONE = 'not found or gone'

type Codes = Record<string, Outcome>

/** The outcome of a refused write: a known code, a wait too long to sit out (deferred), or a failure. */
function outcomeOf(error: unknown, codes: Codes): Outcome {
  if (error instanceof MisskeyApiError) {
    if (codes[error.code]) return codes[error.code]!
    if (error.code === 'NO_SUCH_USER') return { status: 'skipped', reason: GONE }
    if (error.code === 'PERMISSION_DENIED') return { status: 'failed', reason: (toLifeboatError(error, '') as Error).message }
    return { status: 'failed', reason: `${error.code}${error.body.message ? `: ${error.body.message}` : ''}` }
  }
  const retryAt = error instanceof RemoteError ? (error.details as { retryAt?: unknown } | undefined)?.retryAt : undefined
  if (typeof retryAt === 'string') return { status: 'deferred', reason: error instanceof Error ? error.message : 'rate limited', until: retryAt }
  throw error
}

/** `9 h`, `1 h 30 min`, `45 min`, `3 s`. */
function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`
  const minutes = Math.round(ms / 60_000)
  const [h, m] = [Math.floor(minutes / 60), minutes % 60]
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`
}

function refused(why: string): Outcome {
  return { status: 'skipped', reason: `refused: ${why}` }
}

export class MisskeyTarget implements Target {
  readonly capabilities = MISSKEY_CAPABILITIES
  /** Users as resolved, with the relation flags of that moment, by their id on this server. */
  #users = new Map<string, UserDetailed>()
  #lists: Map<string, UserList> | undefined
  /** Hosts checked after the server could not resolve one of their accounts: why they are dead, or null. */
  #hosts = new Map<string, Promise<string | null>>()
  #mutedInstances: string[] | undefined

  constructor(
    readonly session: MisskeySession,
    readonly context: AdapterContext,
    readonly pacer: Pacer,
  ) {}

  get #client() {
    return this.session.client
  }

  /** How the pending follows fit following/create's limit on this server (printed before the replay starts). */
  plan(pending: Record<string, number>): string[] {
    const follows = pending.follows ?? 0
    if (follows === 0) return []
    const host = this.session.server.host
    const limit = this.pacer.limit('following/create')
    if (!limit) return [`${follows} follows to make; ${host} sets no follow limit for this account.`]
    const windows = Math.ceil(follows / limit.max) - 1
    const per = `${limit.max} per ${duration(limit.duration)}`
    if (windows <= 0) return [`${follows} follows to make, within ${host}'s limit of ${per}.`]
    const ms = windows * limit.duration
    const done = new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z')
    return [`${follows} follows at ${per} on ${host}: about ${duration(ms)}, done around ${done}. Stop at any time; running the same command again continues.`]
  }

  async whoami(): Promise<AccountRef> {
    return accountOf(this.session.server, this.session.me)
  }

  /** Runs a lookup; a definite "no such account" is null, anything else (network, 5xx after retries) is thrown. */
  async #lookup(find: () => Promise<UserDetailed | null>): Promise<UserDetailed | null> {
    try {
      return await find()
    } catch (error) {
      if (error instanceof MisskeyApiError && ABSENT.has(error.code)) return null
      throw error
    }
  }

  /**
   * `users/show {username, host}` first (WebFinger on the server's side); `ap/show` by the actor URI only where it can
   * add something — no handle, or a URI on another host than the handle (split-domain setups) — since it costs 30/h.
   * When the server cannot resolve an account, its host is checked once from here: a host that answers means the
   * account is gone (null); a host that does not (shut down, unreachable) fails the account, so a later run tries
   * again, and the host's other accounts fail at once instead of each costing the retries of the server's 500.
   */
  async resolve(account: AccountRef): Promise<ResolvedAccount | null> {
    const { server } = this.session
    const handle = acct(account)
    const [username, host] = (handle?.split('@') ?? []) as [string?, string?]
    const hostKey = host?.toLowerCase()
    const local = hostKey === server.host.toLowerCase()
    if (hostKey && !local) await this.#assertReachable(hostKey, account, true)
    let user: UserDetailed | null = null
    let unresolved = false
    if (username && hostKey) {
      try {
        user = await this.#lookup(async () => {
          try {
            return await this.#client.call('users/show', local ? { username } : { username, host: host! })
          } catch (error) {
            // FAILED_TO_RESOLVE_REMOTE_USER (a 500 the HTTP layer does not retry): the account's host is checked below
            if (error instanceof MisskeyApiError && error.code === 'FAILED_TO_RESOLVE_REMOTE_USER') unresolved = true
            throw error
          }
        })
      } catch (error) {
        // other 500s arrive as "kept answering 500" once retries ran out
        if (!(error instanceof RemoteError && error.status === 500)) throw error
        unresolved = true
      }
    }
    if (unresolved && hostKey) await this.#assertReachable(hostKey, account, false)
    const uriHost = /^https?:\/\//.test(account.id) ? new URL(account.id).host.toLowerCase() : undefined
    if (!user && uriHost && uriHost !== hostKey) {
      user = await this.#lookup(async () => {
        const found = await this.pacer.run('ap/show', () => this.#client.call('ap/show', { uri: account.id }))
        return found.type === 'User' ? (found.object as UserDetailed) : null
      })
    }
    if (!user) return null
    if (user.movedTo) {
      // follow the person where they are now, as Mastodon's importer does for moved accounts
      const moved = await this.#lookup(() => this.#client.call('users/show', { userId: user!.movedTo! }))
      if (moved) user = moved
    }
    this.#users.set(user.id, user)
    return { targetId: user.id, ref: account }
  }

  /**
   * Throws when `host` is known (or, unless `knownOnly`, found) not to answer: its NodeInfo is fetched once per run,
   * over the scheme of the account's URI when that names the same host. Any HTTP answer below 500 counts as alive.
   */
  async #assertReachable(host: string, account: AccountRef, knownOnly: boolean): Promise<void> {
    let probe = this.#hosts.get(host)
    if (!probe) {
      if (knownOnly) return
      const uri = /^https?:\/\//.test(account.id) ? new URL(account.id) : undefined
      const origin = uri && uri.host.toLowerCase() === host ? uri.origin : `https://${host}`
      probe = this.context.http
        .request(`${origin}/.well-known/nodeinfo`, { method: 'GET', signal: this.context.signal }, async (res) => {
          await res.body?.cancel()
          return res.status < 500 ? null : `it answers HTTP ${res.status}`
        })
        .catch((error: Error) => (this.context.signal.aborted ? Promise.reject(error) : error instanceof RemoteError ? error.message : null))
      this.#hosts.set(host, probe)
    }
    const dead = await probe
    if (dead) throw new RemoteError(`${host} cannot be reached (${dead.replace(/\.$/, '')}); its accounts cannot be followed now`)
  }

  #user(account: ResolvedAccount): Partial<UserDetailed> & Record<string, unknown> {
    return (this.#users.get(account.targetId) ?? {}) as Partial<UserDetailed> & Record<string, unknown>
  }

  async follow(account: ResolvedAccount, settings: RelationRecord): Promise<Outcome> {
    const user = this.#user(account)
    const userId = account.targetId
    let outcome: Outcome = { status: 'unchanged' }
    if (!user.isFollowing && !user.hasPendingFollowRequestFromYou) {
      const withReplies = (settings.native as { withReplies?: unknown } | undefined)?.withReplies
      try {
        await this.pacer.run('following/create', () => this.#client.call('following/create', { userId, ...(typeof withReplies === 'boolean' ? { withReplies } : {}) }))
        outcome = { status: 'applied' }
        user.isFollowing = true
      } catch (error) {
        outcome = outcomeOf(error, {
          ALREADY_FOLLOWING: { status: 'unchanged' },
          BLOCKING: refused('you block this account here'),
          BLOCKED: refused('this account blocks you'),
          FOLLOWEE_IS_YOURSELF: { status: 'skipped', reason: 'this is the account itself' },
        })
        if (outcome.status !== 'unchanged') return outcome
      }
    }
    // Mastodon's "show boosts: false" and Misskey's renote mute are the same wish
    if (settings.showReposts === false && !user.isRenoteMuted) {
      try {
        await this.pacer.run('renote-mute/create', () => this.#client.call('renote-mute/create', { userId }))
        user.isRenoteMuted = true
        outcome = { status: 'applied' }
      } catch (error) {
        const muted = outcomeOf(error, { ALREADY_MUTING: { status: 'unchanged' } })
        if (muted.status !== 'unchanged') return muted.status === 'failed' ? { status: 'failed', reason: `followed, but the renote mute failed: ${muted.reason}` } : muted
      }
    }
    return outcome
  }

  async mute(account: ResolvedAccount, settings: RelationRecord): Promise<Outcome> {
    const user = this.#user(account)
    if (user.isMuted) return { status: 'unchanged' }
    const expiresAt = settings.expiresAt ? Date.parse(settings.expiresAt) : null
    if (expiresAt !== null && expiresAt <= Date.now()) return { status: 'skipped', reason: 'the mute has expired' }
    try {
      await this.pacer.run('mute/create', () => this.#client.call('mute/create', { userId: account.targetId, expiresAt }))
      user.isMuted = true
      return { status: 'applied' }
    } catch (error) {
      return outcomeOf(error, { ALREADY_MUTING: { status: 'unchanged' }, MUTEE_IS_YOURSELF: { status: 'skipped', reason: 'this is the account itself' } })
    }
  }

  async block(account: ResolvedAccount): Promise<Outcome> {
    const user = this.#user(account)
    if (user.isBlocking) return { status: 'unchanged' }
    try {
      await this.pacer.run('blocking/create', () => this.#client.call('blocking/create', { userId: account.targetId }))
      user.isBlocking = true
      return { status: 'applied' }
    } catch (error) {
      return outcomeOf(error, { ALREADY_BLOCKING: { status: 'unchanged' }, BLOCKEE_IS_YOURSELF: { status: 'skipped', reason: 'this is the account itself' } })
    }
  }

  /** The account's lists by name, read once per run (users/lists/list returns them all, with their userIds). */
  async #listsByName(): Promise<Map<string, UserList>> {
    if (!this.#lists) {
      this.#lists = new Map()
      for (const list of await this.#client.call('users/lists/list', {})) if (!this.#lists.has(list.name)) this.#lists.set(list.name, list)
    }
    return this.#lists
  }

  async list(list: ListRecord, members: ResolvedAccount[]): Promise<Outcome[]> {
    const lists = await this.#listsByName()
    let target = lists.get(list.name)
    if (!target) {
      try {
        target = await this.#client.call('users/lists/create', { name: list.name })
      } catch (error) {
        const outcome = outcomeOf(error, { TOO_MANY_USERLISTS: refused('the server allows no more lists') })
        return members.map(() => outcome)
      }
      lists.set(list.name, target)
    }
    const listId = target.id
    const present = new Set(target.userIds ?? [])
    const outcomes: Outcome[] = []
    for (const member of members) {
      if (present.has(member.targetId)) {
        outcomes.push({ status: 'unchanged' })
        continue
      }
      try {
        await this.pacer.run('users/lists/push', () => this.#client.call('users/lists/push', { listId, userId: member.targetId }))
        present.add(member.targetId)
        outcomes.push({ status: 'applied' })
      } catch (error) {
        outcomes.push(
          outcomeOf(error, {
            ALREADY_ADDED: { status: 'unchanged' },
            YOU_HAVE_BEEN_BLOCKED: refused('this account blocks you'),
            TOO_MANY_USERS: refused('the list is full on this server'),
          }),
        )
      }
    }
    target.userIds = [...present]
    return outcomes
  }

  /** Misskey has no domain block for users; its instance mute (`mutedInstances`) hides the domain's notes. */
  async blockDomain(domain: string): Promise<Outcome> {
    const name = domain.trim().toLowerCase()
    this.#mutedInstances ??= (await this.#client.call('i', {})).mutedInstances ?? []
    if (this.#mutedInstances.includes(name)) return { status: 'unchanged' }
    try {
      const next = [...this.#mutedInstances, name]
      await this.pacer.run('i/update', () => this.#client.call('i/update', { mutedInstances: next }))
      this.#mutedInstances = next
      return { status: 'applied' }
    } catch (error) {
      return outcomeOf(error, {})
    }
  }
}
