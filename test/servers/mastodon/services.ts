// Account-level operations shared by the write endpoints and the seeder, following the Mastodon services of the
// same names (mastodon `app/services/follow_service.rb`, `unfollow_service.rb`, `block_service.rb`,
// `mute_service.rb`, `app/services/after_block_domain_from_account_service.rb`, `app/models/concerns/account/interactions.rb`).

import { errors, type ServerState } from './context.js'
import type { DirectoryActor, DirectoryMember } from './directory.js'
import type { AccountInput, AccountRecord, FollowRecord } from './types.js'

/**
 * The server's own URL as it writes it into account URIs and URLs. Sharkey writes its configured `https://` URL even
 * when reached over plain http on loopback (issue 17), so its local accounts' URIs name https on an http server.
 */
export function publicUrl(state: ServerState): string {
  return state.flavor === 'sharkey' ? state.url.replace(/^http:/, 'https:') : state.url
}

export function createAccount(state: ServerState, input: AccountInput, avatarPath: string | null, headerPath: string | null): AccountRecord {
  const createdAt = input.createdAt ?? new Date(state.now()).toISOString()
  const domain = input.domain ?? null
  const local = domain === null
  const account: AccountRecord = {
    id: state.store.snowflakes.at(Date.parse(createdAt)),
    username: input.username,
    domain,
    uri: input.uri ?? (local ? `${publicUrl(state)}/users/${input.username}` : `https://${domain}/users/${input.username}`),
    url: input.url ?? (local ? `${publicUrl(state)}/@${input.username}` : `https://${domain}/@${input.username}`),
    displayName: input.displayName ?? '',
    note: input.note ?? '',
    fields: input.fields ?? [],
    locked: input.locked ?? false,
    bot: input.bot ?? false,
    discoverable: input.discoverable ?? true,
    indexable: input.indexable ?? true,
    hideCollections: input.hideCollections ?? false,
    createdAt,
    avatarPath,
    headerPath,
    password: input.password ?? 'password',
    alsoKnownAs: input.alsoKnownAs ?? [],
    movedToId: null,
    privacy: input.privacy ?? 'public',
    sensitive: input.sensitive ?? false,
    language: input.language ?? null,
  }
  state.store.addAccount(account)
  return account
}

/** The remote account record for a directory actor, created on first sight and refreshed on every lookup. */
export function accountFromActor(state: ServerState, actor: DirectoryActor): AccountRecord {
  const local = state.store.findByUri(actor.uri)
  if (local && local.domain === null) return local
  const account =
    local ??
    createAccount(state, { username: actor.username, domain: actor.host, uri: actor.uri, url: actor.url }, null, null)
  account.displayName = actor.displayName
  account.note = actor.note
  account.locked = actor.locked
  account.bot = actor.bot
  account.alsoKnownAs = [...actor.alsoKnownAs]
  if (actor.movedTo !== null) {
    const target = state.store.findByUri(actor.movedTo) ?? resolveUri(state, actor.movedTo)
    account.movedToId = target?.id ?? null
  }
  return account
}

export function resolveUri(state: ServerState, uri: string): AccountRecord | undefined {
  const known = state.store.findByUri(uri)
  if (known && known.domain === null) return known
  const actor = state.directory?.resolveUri(uri)
  return actor ? accountFromActor(state, actor) : known
}

export function actorOf(state: ServerState, account: AccountRecord): DirectoryActor {
  const moved = account.movedToId === null ? null : state.store.accounts.get(account.movedToId)
  return {
    uri: account.uri,
    username: account.username,
    host: account.domain ?? state.domain,
    url: account.url,
    displayName: account.displayName,
    note: account.note,
    locked: account.locked,
    bot: account.bot,
    alsoKnownAs: [...account.alsoKnownAs],
    movedTo: moved?.uri ?? null,
  }
}

export interface FollowSettings {
  /** null/undefined keep the current value (or the default for a new follow). */
  reblogs?: boolean | null
  notify?: boolean | null
  languages?: string[] | null
}

/**
 * `FollowService#call`: 403 when either side blocks the other, the target moved, or its domain is blocked;
 * an existing follow or request only has its settings updated (no rate-limit count); a new follow of a locked
 * or remote account is a follow request, accepted at once when the remote side is unlocked.
 * `withRateLimit` counts the new Follow/FollowRequest against the `follows` family (429 when spent).
 */
export function follow(state: ServerState, source: AccountRecord, target: AccountRecord, settings: FollowSettings, withRateLimit: boolean): FollowRecord {
  const { store } = state
  if (target.id === source.id) throw errors.notFound()
  if (store.isBlocking(target.id, source.id) || store.isBlocking(source.id, target.id) || target.movedToId !== null || store.isDomainBlocking(source.id, target.domain)) {
    throw errors.notAllowed()
  }
  const existing = store.follows.get(source.id, target.id) ?? store.followRequests.get(source.id, target.id)
  if (existing) {
    applySettings(existing, settings)
    return existing
  }
  if (withRateLimit && state.followLimiter && !state.followLimiter.record(source.id)) throw errors.tooManyRequests()
  const row: FollowRecord = { id: 0n, accountId: source.id, targetId: target.id, reblogs: true, notify: false, languages: null }
  applySettings(row, settings)
  if (target.locked) {
    row.id = store.followRequests.nextId()
    store.followRequests.add(row)
  } else {
    row.id = store.follows.nextId()
    store.follows.add(row)
  }
  if (target.domain !== null && state.directory) {
    const remote = state.directory.resolveUri(target.uri)
    if (remote) state.directory.deliverFollow(actorOf(state, source), remote)
  }
  return row
}

function applySettings(row: FollowRecord, settings: FollowSettings): void {
  if (settings.reblogs !== undefined && settings.reblogs !== null) row.reblogs = settings.reblogs
  if (settings.notify !== undefined && settings.notify !== null) row.notify = settings.notify
  if (settings.languages !== undefined) row.languages = settings.languages === null || settings.languages.length === 0 ? null : [...settings.languages]
}

/** `FollowRequest#authorize!`: the request becomes a follow; not counted against the follow cap. */
export function acceptFollowRequest(state: ServerState, sourceId: bigint, targetId: bigint): FollowRecord | undefined {
  const request = state.store.followRequests.remove(sourceId, targetId)
  if (!request) return undefined
  return state.store.follows.add({ ...request, id: state.store.follows.nextId() })
}

export function unfollow(state: ServerState, source: AccountRecord, target: AccountRecord): void {
  const removed = state.store.follows.remove(source.id, target.id)
  state.store.followRequests.remove(source.id, target.id)
  state.store.removeFromLists(source.id, target.id)
  if (removed && target.domain !== null && state.directory) {
    const remote = state.directory.resolveUri(target.uri)
    if (remote) state.directory.deliverUnfollow(actorOf(state, source), remote)
  }
}

/** `BlockService`: unfollows in both directions, then blocks (idempotent). */
export function block(state: ServerState, source: AccountRecord, target: AccountRecord): void {
  unfollow(state, source, target)
  unfollow(state, target, source)
  state.store.blocks.add({ id: state.store.blocks.nextId(), accountId: source.id, targetId: target.id })
}

/** `Account#mute!`: creates or updates hide_notifications; `durationSeconds` 0 = indefinite. */
export function mute(state: ServerState, source: AccountRecord, target: AccountRecord, notifications: boolean, durationSeconds: number): void {
  const expiresAt = durationSeconds > 0 ? new Date(state.now() + durationSeconds * 1000).toISOString() : null
  const existing = state.store.mutes.get(source.id, String(target.id))
  if (existing) {
    existing.hideNotifications = notifications
    existing.expiresAt = expiresAt
    return
  }
  state.store.mutes.add({ id: state.store.mutes.nextId(), accountId: source.id, targetId: target.id, hideNotifications: notifications, expiresAt })
}

/** `block_domain!` + `AfterBlockDomainFromAccountService`: follows either way with that domain are severed. */
export function blockDomain(state: ServerState, account: AccountRecord, domain: string): void {
  const { store } = state
  store.domainBlocks.add({ id: store.domainBlocks.nextId(), accountId: account.id, domain })
  for (const row of [...store.follows.from(account.id), ...store.followRequests.from(account.id)]) {
    const target = store.accounts.get(row.targetId)
    if (target?.domain === domain) unfollow(state, account, target)
  }
  for (const row of [...store.follows.to(account.id), ...store.followRequests.to(account.id)]) {
    const follower = store.accounts.get(row.accountId)
    if (follower?.domain === domain) unfollow(state, follower, account)
  }
}

/** This instance as a directory member: its local accounts are resolvable, and it records incoming follows. */
export function directoryMember(state: ServerState): DirectoryMember {
  const localAccount = (account: AccountRecord | undefined) => (account && account.domain === null ? account : undefined)
  return {
    host: state.domain,
    lookup: (username) => {
      const account = localAccount(state.store.findByAcct(username))
      return account ? actorOf(state, account) : undefined
    },
    lookupUri: (uri) => {
      const account = localAccount(state.store.findByUri(uri))
      return account ? actorOf(state, account) : undefined
    },
    receiveFollow: (follower, targetUri) => {
      const target = localAccount(state.store.findByUri(targetUri))
      if (!target) return
      const source = accountFromActor(state, follower)
      if (state.store.isFollowing(source.id, target.id)) return
      follow(state, source, target, {}, false)
    },
    receiveUnfollow: (follower, targetUri) => {
      const target = localAccount(state.store.findByUri(targetUri))
      const source = state.store.findByUri(follower.uri)
      if (target && source) {
        state.store.follows.remove(source.id, target.id)
        state.store.followRequests.remove(source.id, target.id)
      }
    },
  }
}
