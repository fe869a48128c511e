// The whole state of one test instance: accounts, statuses, media bytes and every relationship table.
// Route handlers read it; `seeder.ts` and the write endpoints change it.

import { insertSorted, SnowflakeIds } from './ids.js'
import { EdgeTable, OwnedTable, type OwnedRow } from './tables.js'
import type { AccountRecord, FilterInput, FollowRecord, MediaRecord, StatusRecord, TokenRecord } from './types.js'

export interface BlockRow extends OwnedRow { targetId: bigint }
export interface MuteRow extends OwnedRow { targetId: bigint; hideNotifications: boolean; expiresAt: string | null }
export interface DomainBlockRow extends OwnedRow { domain: string }
export interface StatusRefRow extends OwnedRow { statusId: bigint }
export interface PinRow extends OwnedRow { targetId: bigint }
export interface TagRow extends OwnedRow { name: string }
export interface FeaturedTagRow extends OwnedRow { name: string; statusesCount: number; lastStatusAt: string | null }
export interface ListRow extends OwnedRow { title: string; repliesPolicy: 'followed' | 'list' | 'none'; exclusive: boolean }
export interface FilterRow extends OwnedRow { input: Required<Pick<FilterInput, 'title'>> & FilterInput }
/** `list_accounts` row; Mastodon pages list members by *account* id, so `id` is the member's account id. */
export interface ListMemberRow { id: bigint; listId: bigint }

export interface StoredFile {
  bytes: Uint8Array
  contentType: string
}

export class MastodonStore {
  readonly snowflakes = new SnowflakeIds()
  readonly accounts = new Map<bigint, AccountRecord>()
  private readonly accountsByAcct = new Map<string, AccountRecord>()
  private readonly accountsByUri = new Map<string, AccountRecord>()
  readonly statuses = new Map<bigint, StatusRecord>()
  private readonly statusesByAccount = new Map<bigint, StatusRecord[]>()
  private readonly reblogs = new Set<string>()
  readonly media = new Map<bigint, MediaRecord>()
  /** Served bytes by URL path (media originals, avatars, headers). */
  readonly files = new Map<string, StoredFile>()
  readonly tokens = new Map<string, TokenRecord>()

  readonly follows = new EdgeTable<FollowRecord>()
  readonly followRequests = new EdgeTable<FollowRecord>()
  readonly blocks = new OwnedTable<BlockRow>((r) => String(r.targetId))
  readonly mutes = new OwnedTable<MuteRow>((r) => String(r.targetId))
  readonly domainBlocks = new OwnedTable<DomainBlockRow>((r) => r.domain)
  readonly favourites = new OwnedTable<StatusRefRow>((r) => String(r.statusId))
  readonly bookmarks = new OwnedTable<StatusRefRow>((r) => String(r.statusId))
  readonly endorsements = new OwnedTable<PinRow>((r) => String(r.targetId))
  readonly followedTags = new OwnedTable<TagRow>((r) => r.name.toLowerCase())
  readonly featuredTags = new OwnedTable<FeaturedTagRow>((r) => r.name.toLowerCase())
  readonly lists = new OwnedTable<ListRow>((r) => String(r.id))
  readonly filters = new OwnedTable<FilterRow>((r) => String(r.id))
  /** Members of each list, ascending by account id. */
  readonly listMembers = new Map<bigint, ListMemberRow[]>()

  constructor(readonly localDomain: string) {}

  // ---- accounts ----

  addAccount(account: AccountRecord): void {
    this.accounts.set(account.id, account)
    this.accountsByAcct.set(acctKey(account.username, account.domain), account)
    this.accountsByUri.set(account.uri, account)
  }

  /** `username`, `username@domain` or `@username@domain`; the local domain counts as local. */
  findByAcct(acct: string): AccountRecord | undefined {
    const trimmed = acct.trim().replace(/^@/, '')
    const at = trimmed.indexOf('@')
    const username = at < 0 ? trimmed : trimmed.slice(0, at)
    let domain: string | null = at < 0 ? null : trimmed.slice(at + 1)
    if (domain !== null && domain.toLowerCase() === this.localDomain.toLowerCase()) domain = null
    return this.accountsByAcct.get(acctKey(username, domain))
  }

  findByUri(uri: string): AccountRecord | undefined {
    return this.accountsByUri.get(uri)
  }

  acct(account: AccountRecord): string {
    return account.domain === null ? account.username : `${account.username}@${account.domain}`
  }

  /** `user@domain` including the local domain, as the CSV exports and Akkoma aliases write it. */
  fullAcct(account: AccountRecord): string {
    return `${account.username}@${account.domain ?? this.localDomain}`
  }

  // ---- statuses ----

  addStatus(status: StatusRecord): void {
    this.statuses.set(status.id, status)
    let rows = this.statusesByAccount.get(status.accountId)
    if (!rows) this.statusesByAccount.set(status.accountId, (rows = []))
    insertSorted(rows, status)
    if (status.reblogOfId !== null) this.reblogs.add(`${status.accountId}:${status.reblogOfId}`)
  }

  hasReblogged(accountId: bigint, statusId: bigint): boolean {
    return this.reblogs.has(`${accountId}:${statusId}`)
  }

  /** The account's statuses (including boosts), ascending by id. Do not mutate. */
  statusesOf(accountId: bigint): readonly StatusRecord[] {
    return this.statusesByAccount.get(accountId) ?? []
  }

  lastStatusAt(accountId: bigint): string | null {
    const rows = this.statusesOf(accountId)
    const last = rows[rows.length - 1]
    return last ? last.createdAt.slice(0, 10) : null
  }

  // ---- relationships ----

  isFollowing(accountId: bigint, targetId: bigint): boolean {
    return this.follows.get(accountId, targetId) !== undefined
  }

  isBlocking(accountId: bigint, targetId: bigint): boolean {
    return this.blocks.get(accountId, String(targetId)) !== undefined
  }

  isDomainBlocking(accountId: bigint, domain: string | null): boolean {
    return domain !== null && this.domainBlocks.get(accountId, domain) !== undefined
  }

  listMembersOf(listId: bigint): ListMemberRow[] {
    let rows = this.listMembers.get(listId)
    if (!rows) this.listMembers.set(listId, (rows = []))
    return rows
  }

  /** Removes `targetId` from every list of `ownerId` (done by unfollow and block, as Mastodon does). */
  removeFromLists(ownerId: bigint, targetId: bigint): void {
    for (const list of this.lists.list(ownerId)) {
      const members = this.listMembersOf(list.id)
      const at = members.findIndex((m) => m.id === targetId)
      if (at >= 0) members.splice(at, 1)
    }
  }

  /**
   * Whether `viewer` may see `status` (mastodon `app/policies/status_policy.rb` `show?`): public and unlisted
   * to anyone, private to the author and followers, direct to the author and mentioned accounts.
   */
  canSee(viewerId: bigint | null, status: StatusRecord): boolean {
    if (status.visibility === 'public' || status.visibility === 'unlisted') return true
    if (viewerId === null) return false
    if (viewerId === status.accountId) return true
    if (status.visibility === 'private') return this.isFollowing(viewerId, status.accountId) || status.mentionIds.includes(viewerId)
    return status.mentionIds.includes(viewerId)
  }
}

function acctKey(username: string, domain: string | null): string {
  return domain === null ? username.toLowerCase() : `${username}@${domain}`.toLowerCase()
}
