// Account, CredentialAccount and Relationship entities (mdocs: entities/Account.md, entities/Relationship.md;
// mastodon `app/serializers/rest/account_serializer.rb`, `credential_account_serializer.rb`,
// `relationship_serializer.rb`, `app/presenters/account_relationships_presenter.rb`).

import type { ServerState } from './context.js'
import type { AccountRecord } from './types.js'

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** Plain text → Mastodon's HTML: paragraphs on blank lines, `<br />` on single newlines. */
export function textToHtml(text: string): string {
  if (text.trim() === '') return ''
  return text
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p).replace(/\r?\n/g, '<br />')}</p>`)
    .join('')
}

function fileUrl(state: ServerState, path: string | null, missing: string): string {
  return `${state.url}${path ?? missing}`
}

/**
 * Without an uploaded avatar Mastodon points at its `missing.png`; Sharkey at a generated identicon under its
 * configured https URL (Misskey `getIdenticonUrl`: `${config.url}/identicon/<acct>`), which the loopback test setup
 * cannot reach (issue 17).
 */
function avatarUrl(state: ServerState, account: AccountRecord): string {
  if (account.avatarPath === null && state.flavor === 'sharkey') return `https://${state.domain}/identicon/${encodeURIComponent(state.store.acct(account))}`
  return fileUrl(state, account.avatarPath, '/avatars/original/missing.png')
}

/** `created_at` is truncated to midnight UTC since 3.4; `last_status_at` is a date since 3.1. */
function midnight(iso: string): string {
  return `${iso.slice(0, 10)}T00:00:00.000Z`
}

export function accountEntity(state: ServerState, account: AccountRecord, depth = 0): Record<string, unknown> {
  const { store } = state
  const entity: Record<string, unknown> = {
    id: account.id.toString(),
    username: account.username,
    acct: store.acct(account),
    display_name: account.displayName,
    locked: account.locked,
    bot: account.bot,
    discoverable: account.discoverable,
    indexable: account.indexable,
    group: false,
    created_at: midnight(account.createdAt),
    note: textToHtml(account.note),
    url: account.url,
    uri: account.uri,
    avatar: avatarUrl(state, account),
    avatar_static: avatarUrl(state, account),
    header: fileUrl(state, account.headerPath, '/headers/original/missing.png'),
    header_static: fileUrl(state, account.headerPath, '/headers/original/missing.png'),
    followers_count: store.follows.to(account.id).length,
    following_count: store.follows.from(account.id).length,
    statuses_count: store.statusesOf(account.id).length,
    last_status_at: store.lastStatusAt(account.id),
    hide_collections: account.hideCollections,
    emojis: [],
    roles: [],
    fields: account.fields.map((f) => ({ name: f.name, value: escapeHtml(f.value), verified_at: f.verifiedAt ?? null })),
  }
  if (account.domain === null) entity['noindex'] = !account.indexable
  if (account.movedToId !== null && depth === 0) {
    const target = store.accounts.get(account.movedToId)
    if (target) entity['moved'] = accountEntity(state, target, depth + 1)
  }
  return entity
}

export function credentialAccountEntity(state: ServerState, account: AccountRecord): Record<string, unknown> {
  const source: Record<string, unknown> = {
    privacy: account.privacy,
    sensitive: account.sensitive,
    language: account.language ?? '',
    note: account.note,
    fields: account.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verifiedAt ?? null })),
    follow_requests_count: state.store.followRequests.to(account.id).length,
    hide_collections: account.hideCollections,
    discoverable: account.discoverable,
    indexable: account.indexable,
  }
  // GoToSocial `apimodel.Source.AlsoKnownAsURIs`, omitted when empty.
  if (state.flavor === 'gotosocial' && account.alsoKnownAs.length > 0) source['also_known_as_uris'] = [...account.alsoKnownAs]
  return {
    ...accountEntity(state, account),
    source,
    role: { id: '-99', name: '', permissions: '0', color: '', highlighted: false },
  }
}

export function relationshipEntity(state: ServerState, viewer: AccountRecord, target: AccountRecord): Record<string, unknown> {
  const { store } = state
  const follow = store.follows.get(viewer.id, target.id)
  const request = store.followRequests.get(viewer.id, target.id)
  const edge = follow ?? request
  const mute = store.mutes.get(viewer.id, String(target.id))
  return {
    id: target.id.toString(),
    following: follow !== undefined,
    showing_reblogs: edge?.reblogs ?? false,
    notifying: edge?.notify ?? false,
    languages: edge?.languages ?? null,
    followed_by: store.isFollowing(target.id, viewer.id),
    blocking: store.isBlocking(viewer.id, target.id),
    blocked_by: store.isBlocking(target.id, viewer.id),
    muting: mute !== undefined,
    muting_notifications: mute?.hideNotifications ?? false,
    requested: request !== undefined,
    requested_by: store.followRequests.get(target.id, viewer.id) !== undefined,
    domain_blocking: store.isDomainBlocking(viewer.id, target.domain),
    endorsed: store.endorsements.get(viewer.id, String(target.id)) !== undefined,
    note: '',
  }
}
