// Mastodon-API Target: replays follows (with show-boosts, notify and languages), lists, mutes (with the
// hide-notifications flag and what is left of their duration), blocks and domain blocks onto an account, one
// idempotent call at a time (the replay driver and its journal decide what still needs doing).
//
// Accounts are found with `GET /api/v2/search?type=accounts&resolve=true` (mdocs: methods/search.md; the server
// fetches accounts it does not know yet), asked in turn for the archive's actor URI, the `acct` as given, and the bare
// username when the account is local to the target: Sharkey finds nothing for `user@host` and answers
// `/api/v1/accounts/lookup` with 500, but finds its local accounts by username (issue 17). Each write first reads the
// relationship (`/api/v1/accounts/relationships`), so an account already followed, muted or blocked as recorded is `unchanged`
// and is never followed twice. Follows are sent in follow-cap.ts's bucket, and its cap turns the daily limit into a deferral.
import type { AdapterContext, Outcome, ResolvedAccount, Target } from '../adapter.js'
import type { AccountRef, ListRecord, RelationRecord } from '../../archive/records.js'
import { acct } from '../../archive/compat.js'
import { RemoteError } from '../../errors.js'
import type { Account, CredentialAccount, List, Relationship, SearchResults } from './api.js'
import type { MastodonClient } from './client.js'
import { isNotImplemented, isStatus, MastodonHttpError } from './errors.js'
import { uniqueItems } from './paging.js'
import { relationshipsOf } from './export-collections.js'
import { DAY_MS, FOLLOW_BUCKET, FollowCap, planFollows } from './follow-cap.js'
import type { ServerInfo } from './flavor.js'
import { accountRef } from './map.js'
import { MASTODON_CAPABILITIES } from './capabilities.js'

const REPLIES_POLICIES = ['followed', 'list', 'none']

function sameLanguages(a: string[] | null | undefined, b: string[] | null | undefined): boolean {
  const x = [...(a ?? [])].sort()
  const y = [...(b ?? [])].sort()
  return x.length === y.length && x.every((v, i) => v === y[i])
}

export class MastodonTarget implements Target {
  readonly capabilities = MASTODON_CAPABILITIES
  #lists: List[] | undefined
  #domainBlocks: Set<string> | undefined
  /** Set once a follow was deferred by the cap: list members not yet followed then wait too. */
  #followsDeferred = false
  /** The form field list members are added with: Mastodon's `account_ids`, or what the server asked for instead. */
  #listField: 'account_ids' | 'accounts_id' = 'account_ids'
  /** Why domain blocks cannot be replayed here, once the server said it has none. */
  #noDomainBlocks: string | undefined

  constructor(
    readonly context: AdapterContext,
    readonly client: MastodonClient,
    readonly cap: FollowCap,
    readonly me: CredentialAccount,
    readonly info: ServerInfo,
  ) {}

  async whoami(): Promise<AccountRef> {
    return accountRef(this.me, this.info.domain)
  }

  /** Lines describing how the follow replay spreads over the daily cap (for a plan or dry run). */
  plan(pending: Partial<Record<string, number>>): string[] {
    const follows = pending.follows ?? 0
    if (follows === 0) return []
    const plan = planFollows(follows, this.cap, Date.now())
    const limit = this.cap.limit ?? 400
    if (plan.laterDays === 0) return [`${follows} follows fit in ${this.client.host}'s daily cap of ${limit} follows.`]
    return [
      `${follows} follows exceed ${this.client.host}'s daily cap of ${limit}: ${plan.today} now, the rest over ${plan.laterDays} more day${plan.laterDays === 1 ? '' : 's'}.`,
      `Run the same command again each day; the last follows can be made from ${plan.finishesAt.toISOString()} on.`,
    ]
  }

  /** The searches that may find `account`, in order: actor URI, `acct`, and the bare username of a local account. */
  resolveQueries(account: AccountRef): string[] {
    const handle = acct(account)
    const queries: string[] = []
    if (/^https?:\/\//.test(account.id)) queries.push(account.id)
    if (handle) {
      queries.push(handle)
      const at = handle.lastIndexOf('@')
      if (handle.slice(at + 1).toLowerCase() === this.info.domain.toLowerCase()) queries.push(handle.slice(0, at))
    }
    return [...new Set(queries)]
  }

  async resolve(account: AccountRef): Promise<ResolvedAccount | null> {
    const handle = acct(account)
    let match: Account | undefined
    for (const query of this.resolveQueries(account)) {
      const found = await this.client.get<SearchResults>('/api/v2/search', { q: query, type: 'accounts', resolve: true, limit: 5 })
      match = (found?.accounts ?? []).find((a) => {
        const full = (a.acct.includes('@') ? a.acct : `${a.acct}@${this.info.domain}`).toLowerCase()
        return (handle !== null && full === handle.toLowerCase()) || a.uri === account.id || a.url === account.id
      })
      if (match) break
    }
    if (!match) return null
    // A moved account is followed (and blocked, muted, listed) at its new home, as Mastodon's own Move would carry it.
    const target = match.moved ?? match
    if (match.moved) this.context.out.info(`${handle ?? account.id} has moved to ${match.moved.acct}; using the new account.`)
    return { targetId: target.id, ref: account }
  }

  async #relationship(targetId: string): Promise<Relationship> {
    const [relationship] = await this.client.get<Relationship[]>('/api/v1/accounts/relationships', { id: [targetId] })
    if (!relationship) throw new RemoteError(`${this.client.host} gave no relationship for account ${targetId}.`)
    return relationship
  }

  async follow(account: ResolvedAccount, settings: RelationRecord): Promise<Outcome> {
    if (account.targetId === this.me.id) return { status: 'skipped', reason: 'that is this account itself' }
    const want = { reblogs: settings.showReposts ?? undefined, notify: settings.notify ?? undefined, languages: settings.languages?.length ? settings.languages : undefined }
    const current = await this.#relationship(account.targetId)
    const has = current.following || current.requested
    const same = has && (want.reblogs === undefined || current.showing_reblogs === want.reblogs) && (want.notify === undefined || current.notifying === want.notify) && (want.languages === undefined || sameLanguages(current.languages, want.languages))
    if (same) return { status: 'unchanged' }
    // Changing the settings of an existing follow is not a new follow and does not count against the cap.
    const until = has ? undefined : this.cap.exhaustedUntil()
    if (until) return this.#deferred(until)
    try {
      const form = { reblogs: want.reblogs, notify: want.notify, languages: want.languages }
      const { body: result, limits } = await this.client.call<Relationship>('POST', `/api/v1/accounts/${encodeURIComponent(account.targetId)}/follow`, { form, bucket: FOLLOW_BUCKET })
      this.cap.observe(limits)
      if (!result.following && !result.requested) return { status: 'failed', reason: `${this.client.host} did not record the follow` }
      return { status: 'applied' }
    } catch (error) {
      const retryAt = (error as RemoteError).details?.retryAt
      if (error instanceof RemoteError && typeof retryAt === 'string') return this.#deferred(retryAt)
      if (error instanceof MastodonHttpError && error.httpStatus === 403) return { status: 'failed', reason: `${this.client.host} refused: ${error.serverMessage}` }
      throw error
    }
  }

  #deferred(until: string): Outcome {
    this.#followsDeferred = true
    return { status: 'deferred', reason: `${this.client.host} allows ${this.cap.limit ?? 400} new follows a day through its API`, until }
  }

  async block(account: ResolvedAccount): Promise<Outcome> {
    if (account.targetId === this.me.id) return { status: 'skipped', reason: 'that is this account itself' }
    if ((await this.#relationship(account.targetId)).blocking) return { status: 'unchanged' }
    await this.client.post(`/api/v1/accounts/${encodeURIComponent(account.targetId)}/block`)
    return { status: 'applied' }
  }

  async mute(account: ResolvedAccount, settings: RelationRecord): Promise<Outcome> {
    if (account.targetId === this.me.id) return { status: 'skipped', reason: 'that is this account itself' }
    let duration = 0
    if (settings.expiresAt) {
      const left = Math.floor((Date.parse(settings.expiresAt) - Date.now()) / 1000)
      if (left <= 0) return { status: 'skipped', reason: `the mute ended on ${settings.expiresAt}` }
      duration = left
    }
    const hide = settings.hideNotifications ?? true
    const current = await this.#relationship(account.targetId)
    if (current.muting && current.muting_notifications === hide) return { status: 'unchanged' }
    await this.client.post(`/api/v1/accounts/${encodeURIComponent(account.targetId)}/mute`, { notifications: hide, duration })
    return { status: 'applied' }
  }

  async blockDomain(domain: string): Promise<Outcome> {
    if (this.#noDomainBlocks) return { status: 'skipped', reason: this.#noDomainBlocks }
    if (!this.#domainBlocks) {
      const found = new Set<string>()
      try {
        for await (const blocked of uniqueItems<string>(this.client, '/api/v1/domain_blocks', { params: { limit: 200 } })) found.add(blocked.toLowerCase())
      } catch (error) {
        if (!isNotImplemented(error, this.info.flavor)) throw error
        // Sharkey has no domain blocks in its Mastodon API (404): said once, and every domain block is skipped.
        this.#noDomainBlocks = `${this.client.host} (${this.info.software}) does not implement domain blocks in its Mastodon API`
        this.context.out.warn(`${this.#noDomainBlocks}; they are skipped.`)
        return { status: 'skipped', reason: this.#noDomainBlocks }
      }
      this.#domainBlocks = found
    }
    if (this.#domainBlocks.has(domain.toLowerCase())) return { status: 'unchanged' }
    try {
      await this.client.post('/api/v1/domain_blocks', { domain })
    } catch (error) {
      if (isStatus(error, 422, 400)) return { status: 'failed', reason: (error as MastodonHttpError).serverMessage }
      throw error
    }
    this.#domainBlocks.add(domain.toLowerCase())
    return { status: 'applied' }
  }

  /** Finds the list by title or creates it, then adds the members; Mastodon lists only hold accounts one follows. */
  async list(list: ListRecord, members: ResolvedAccount[]): Promise<Outcome[]> {
    if (members.length === 0) {
      this.#lists ??= await this.client.get<List[]>('/api/v1/lists')
      const existed = this.#lists.some((l) => l.title === list.name)
      await this.#listNamed(list)
      return [{ status: existed ? 'unchanged' : 'applied' }]
    }
    const target = await this.#listNamed(list)
    const present = new Set<string>()
    for await (const account of uniqueItems<Account>(this.client, `/api/v1/lists/${encodeURIComponent(target.id)}/accounts`, { params: { limit: 80 } })) present.add(account.id)
    const missing = members.filter((m) => !present.has(m.targetId) && m.targetId !== this.me.id)
    const relationships = await relationshipsOf(this.client, missing.map((m) => ({ id: m.targetId }) as Account))
    const outcomes = new Map<ResolvedAccount, Outcome>()
    const addable: ResolvedAccount[] = []
    for (const member of members) {
      if (present.has(member.targetId)) outcomes.set(member, { status: 'unchanged' })
      else if (member.targetId === this.me.id) outcomes.set(member, { status: 'skipped', reason: 'a list cannot hold its own owner on Mastodon' })
      else {
        const r = relationships.get(member.targetId)
        if (r?.following || r?.requested) addable.push(member)
        else if (this.#followsDeferred) outcomes.set(member, { status: 'deferred', reason: 'not followed yet (the follow waits for the daily cap)', until: this.cap.exhaustedUntil() ?? new Date(Date.now() + DAY_MS).toISOString() })
        else outcomes.set(member, { status: 'failed', reason: 'not followed by this account: Mastodon lists only hold accounts you follow (replay follows first)' })
      }
    }
    await this.#addMembers(target, addable, outcomes)
    return members.map((m) => outcomes.get(m) ?? { status: 'failed', reason: 'no outcome' })
  }

  async #listNamed(list: ListRecord): Promise<List> {
    this.#lists ??= await this.client.get<List[]>('/api/v1/lists')
    const existing = this.#lists.find((l) => l.title === list.name)
    if (existing) return existing
    const native = (list.native ?? {}) as Partial<List>
    const created = await this.client.post<List>('/api/v1/lists', {
      title: list.name,
      replies_policy: native.replies_policy && REPLIES_POLICIES.includes(native.replies_policy) ? native.replies_policy : undefined,
      exclusive: typeof native.exclusive === 'boolean' ? native.exclusive : undefined,
    })
    this.#lists.push(created)
    return created
  }

  /** Adding is all or nothing on Mastodon: one refused member would sink the rest, so a refusal is retried singly. */
  async #addMembers(list: List, members: ResolvedAccount[], outcomes: Map<ResolvedAccount, Outcome>): Promise<void> {
    if (members.length === 0) return
    const path = `/api/v1/lists/${encodeURIComponent(list.id)}/accounts`
    const ids = members.map((m) => m.targetId)
    try {
      try {
        await this.client.post(path, { [this.#listField]: ids })
      } catch (error) {
        // Sharkey 2025.4.7 refuses `account_ids` with a 400 that asks for `accounts_id` (issue 17): said once, the
        // field name is used from then on.
        if (this.#listField !== 'account_ids' || !isStatus(error, 400) || !/accounts_id/.test(error.serverMessage)) throw error
        this.#listField = 'accounts_id'
        await this.client.post(path, { accounts_id: ids })
      }
      for (const m of members) outcomes.set(m, { status: 'applied' })
      return
    } catch (error) {
      if (!isStatus(error, 422, 404) || members.length === 1) {
        if (!(error instanceof MastodonHttpError)) throw error
        for (const m of members) outcomes.set(m, { status: 'failed', reason: error.serverMessage })
        return
      }
    }
    for (const member of members) await this.#addMembers(list, [member], outcomes)
  }
}
