// Seeding: puts accounts, statuses of every kind, media, relationships, lists, filters and tokens straight into
// the store, bypassing the API (and therefore its rate limits and validations, except where noted). Ids come back
// as the strings the API uses.

import { randomBytes } from 'node:crypto'
import { textToHtml } from './account-entity.js'
import type { ServerState } from './context.js'
import { parseId, SerialIds } from './ids.js'
import { ONE_PIXEL_PNG, storeMediaFile, storeProfileImage } from './media.js'
import { addMember } from './routes/lists.js'
import { acceptFollowRequest, block, blockDomain, createAccount, follow, mute } from './services.js'
import type { AccountInput, AccountRecord, FilterInput, FollowOptions, MediaInput, SeededAccount, StatusInput, StatusRecord } from './types.js'

const MINUTE = 60_000

export class MastodonSeeder {
  private readonly tokenIds = new SerialIds(1)
  private readonly pollIds = new SerialIds(1)
  /** Statuses without `createdAt` are spaced a minute apart, starting a year before the server's clock. */
  private nextStatusMs: number

  constructor(private readonly state: ServerState) {
    this.nextStatusMs = state.now() - 365 * 24 * 60 * MINUTE
  }

  account(input: AccountInput): SeededAccount {
    const account = createAccount(this.state, input, null, null)
    const { store } = this.state
    if (input.avatar) account.avatarPath = storeProfileImage(store, 'avatars', account.id, input.avatar.bytes, input.avatar.contentType)
    if (input.header) account.headerPath = storeProfileImage(store, 'headers', account.id, input.header.bytes, input.header.contentType)
    return this.describe(account)
  }

  /** Changes profile fields of an existing account (display name, note, fields, flags, images, password). */
  profile(accountId: string, patch: Partial<Omit<AccountInput, 'username' | 'domain' | 'uri'>>): void {
    const account = this.get(accountId)
    const { store } = this.state
    if (patch.displayName !== undefined) account.displayName = patch.displayName
    if (patch.note !== undefined) account.note = patch.note
    if (patch.fields !== undefined) account.fields = patch.fields
    if (patch.locked !== undefined) account.locked = patch.locked
    if (patch.bot !== undefined) account.bot = patch.bot
    if (patch.discoverable !== undefined) account.discoverable = patch.discoverable
    if (patch.indexable !== undefined) account.indexable = patch.indexable
    if (patch.hideCollections !== undefined) account.hideCollections = patch.hideCollections
    if (patch.password !== undefined) account.password = patch.password
    if (patch.alsoKnownAs !== undefined) account.alsoKnownAs = [...patch.alsoKnownAs]
    if (patch.avatar) account.avatarPath = storeProfileImage(store, 'avatars', account.id, patch.avatar.bytes, patch.avatar.contentType)
    if (patch.header) account.headerPath = storeProfileImage(store, 'headers', account.id, patch.header.bytes, patch.header.contentType)
  }

  /** An access token; `accountId` null makes an app-only token (no user). Default scopes: read write follow. */
  token(accountId: string | null, options: { scopes?: string[]; token?: string } = {}): string {
    const token = options.token ?? randomBytes(20).toString('hex')
    this.state.store.tokens.set(token, {
      id: Number(this.tokenIds.take()),
      token,
      accountId: accountId === null ? null : this.get(accountId).id,
      scopes: options.scopes ?? ['read', 'write', 'follow'],
    })
    return token
  }

  status(accountId: string, input: StatusInput = {}): { id: string; uri: string; url: string } {
    const status = this.buildStatus(this.get(accountId), input)
    this.state.store.addStatus(status)
    return { id: status.id.toString(), uri: status.uri, url: status.url }
  }

  /** `count` statuses in chronological order; `make(i)` customizes each. Cheap enough for 20,000. */
  statuses(accountId: string, count: number, make: (index: number) => StatusInput = (i) => ({ text: `Status ${i + 1}` })): string[] {
    const account = this.get(accountId)
    const ids: string[] = []
    for (let i = 0; i < count; i++) {
      const status = this.buildStatus(account, make(i))
      this.state.store.addStatus(status)
      ids.push(status.id.toString())
    }
    return ids
  }

  /** A follow without the rate limit; a locked target gets a follow request unless `accept` is set. */
  follow(accountId: string, targetId: string, options: FollowOptions & { accept?: boolean } = {}): void {
    const source = this.get(accountId)
    const target = this.get(targetId)
    follow(this.state, source, target, options, false)
    if (options.accept) acceptFollowRequest(this.state, source.id, target.id)
  }

  acceptFollowRequest(accountId: string, targetId: string): void {
    acceptFollowRequest(this.state, this.get(accountId).id, this.get(targetId).id)
  }

  block(accountId: string, targetId: string): void {
    block(this.state, this.get(accountId), this.get(targetId))
  }

  mute(accountId: string, targetId: string, options: { notifications?: boolean; durationSeconds?: number } = {}): void {
    mute(this.state, this.get(accountId), this.get(targetId), options.notifications ?? true, options.durationSeconds ?? 0)
  }

  blockDomain(accountId: string, domain: string): void {
    blockDomain(this.state, this.get(accountId), domain)
  }

  favourite(accountId: string, statusId: string): void {
    const store = this.state.store
    store.favourites.add({ id: store.favourites.nextId(), accountId: this.get(accountId).id, statusId: this.getStatus(statusId).id })
  }

  bookmark(accountId: string, statusId: string): void {
    const store = this.state.store
    store.bookmarks.add({ id: store.bookmarks.nextId(), accountId: this.get(accountId).id, statusId: this.getStatus(statusId).id })
  }

  /** A list with members; membership is not checked against follows here (the API checks it). */
  list(accountId: string, input: { title: string; repliesPolicy?: 'followed' | 'list' | 'none'; exclusive?: boolean; members?: string[] }): string {
    const store = this.state.store
    const owner = this.get(accountId)
    const list = store.lists.add({ id: store.lists.nextId(), accountId: owner.id, title: input.title, repliesPolicy: input.repliesPolicy ?? 'list', exclusive: input.exclusive ?? false })
    const rows = store.listMembersOf(list.id)
    for (const member of input.members ?? []) addMember(rows, this.get(member).id, list.id)
    return list.id.toString()
  }

  endorse(accountId: string, targetId: string): void {
    const store = this.state.store
    store.endorsements.add({ id: store.endorsements.nextId(), accountId: this.get(accountId).id, targetId: this.get(targetId).id })
  }

  followTag(accountId: string, name: string): void {
    const store = this.state.store
    store.followedTags.add({ id: store.followedTags.nextId(), accountId: this.get(accountId).id, name })
  }

  featureTag(accountId: string, name: string, options: { statusesCount?: number; lastStatusAt?: string | null } = {}): void {
    const store = this.state.store
    store.featuredTags.add({ id: store.featuredTags.nextId(), accountId: this.get(accountId).id, name, statusesCount: options.statusesCount ?? 0, lastStatusAt: options.lastStatusAt ?? null })
  }

  filter(accountId: string, input: FilterInput): string {
    const store = this.state.store
    const row = store.filters.add({ id: store.filters.nextId(), accountId: this.get(accountId).id, input })
    return row.id.toString()
  }

  /** What the "Moving from a different account" page stores: the actor's `alsoKnownAs`. */
  setAlsoKnownAs(accountId: string, uris: string[]): void {
    this.get(accountId).alsoKnownAs = [...uris]
  }

  /** What a completed move stores: `moved` on the Account entity and `movedTo` on the actor; null clears it. */
  setMoved(accountId: string, targetId: string | null): void {
    this.get(accountId).movedToId = targetId === null ? null : this.get(targetId).id
  }

  private describe(account: AccountRecord): SeededAccount {
    return { id: account.id.toString(), username: account.username, acct: this.state.store.acct(account), uri: account.uri, url: account.url }
  }

  private get(accountId: string): AccountRecord {
    const id = parseId(accountId)
    const account = id === null ? undefined : this.state.store.accounts.get(id)
    if (!account) throw new Error(`unknown account id ${accountId}`)
    return account
  }

  private getStatus(statusId: string): StatusRecord {
    const id = parseId(statusId)
    const status = id === null ? undefined : this.state.store.statuses.get(id)
    if (!status) throw new Error(`unknown status id ${statusId}`)
    return status
  }

  private buildStatus(account: AccountRecord, input: StatusInput): StatusRecord {
    const { store } = this.state
    const createdMs = input.createdAt !== undefined ? Date.parse(input.createdAt) : (this.nextStatusMs += MINUTE)
    const id = store.snowflakes.at(createdMs)
    const reblogOf = input.reblogOf === undefined ? null : this.getStatus(input.reblogOf)
    const inReplyTo = input.inReplyToId === undefined ? null : this.getStatus(input.inReplyToId)
    const text = input.text ?? ''
    const edits = (input.edits ?? []).map((e, i) => ({ text: e.text, spoilerText: e.spoilerText ?? '', sensitive: e.sensitive ?? false, at: e.at ?? new Date(createdMs + i * MINUTE).toISOString() }))
    const local = account.domain === null
    return {
      id,
      accountId: account.id,
      createdAt: new Date(createdMs).toISOString(),
      visibility: input.visibility ?? 'public',
      content: reblogOf ? '' : input.content ?? textToHtml(text),
      text,
      spoilerText: input.spoilerText ?? '',
      sensitive: input.sensitive ?? (input.spoilerText !== undefined && input.spoilerText !== ''),
      language: reblogOf ? null : input.language === undefined ? 'en' : input.language,
      inReplyToId: inReplyTo?.id ?? null,
      inReplyToAccountId: inReplyTo?.accountId ?? null,
      reblogOfId: reblogOf?.id ?? null,
      mentionIds: (input.mentions ?? []).map((m) => this.get(m).id),
      tags: input.tags ?? [],
      mediaIds: (input.media ?? []).map((m) => this.buildMedia(account, createdMs, m)),
      poll: input.poll ? { id: this.pollIds.take(), options: input.poll.options.map((o) => ({ title: o.title, votesCount: o.votesCount ?? 0 })), multiple: input.poll.multiple ?? false, expiresAt: input.poll.expiresAt ?? null, votersCount: input.poll.votersCount ?? null } : null,
      pinned: input.pinned ?? false,
      edits,
      editedAt: edits.length > 0 ? new Date(createdMs + edits.length * MINUTE).toISOString() : null,
      uri: reblogOf ? `${account.uri}/statuses/${id}/activity` : `${account.uri}/statuses/${id}`,
      url: reblogOf ? `${account.uri}/statuses/${id}/activity` : local ? `${this.state.url}/@${account.username}/${id}` : `${account.url}/${id}`,
    }
  }

  private buildMedia(account: AccountRecord, createdMs: number, input: MediaInput): bigint {
    const { store } = this.state
    const id = store.snowflakes.at(createdMs)
    const contentType = input.contentType ?? 'image/png'
    const bytes = input.bytes ?? ONE_PIXEL_PNG
    const type = input.type ?? (contentType.startsWith('video/') ? 'video' : contentType.startsWith('audio/') ? 'audio' : contentType.startsWith('image/') ? 'image' : 'unknown')
    store.media.set(id, {
      id,
      accountId: account.id,
      type,
      path: storeMediaFile(store, id, bytes, contentType),
      contentType,
      description: input.description ?? null,
      focus: input.focus ?? null,
      width: input.width ?? (input.bytes ? null : 1),
      height: input.height ?? (input.bytes ? null : 1),
      blurhash: input.blurhash ?? null,
    })
    return id
  }
}
