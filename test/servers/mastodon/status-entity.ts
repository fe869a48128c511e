// Status, MediaAttachment, Poll and StatusEdit entities (mdocs: entities/Status.md, entities/MediaAttachment.md,
// entities/Poll.md, entities/StatusEdit.md; mastodon `app/serializers/rest/status_serializer.rb`,
// `media_attachment_serializer.rb`, `poll_serializer.rb`, `status_edit_serializer.rb`).

import { accountEntity, escapeHtml } from './account-entity.js'
import type { ServerState } from './context.js'
import type { AccountRecord, MediaRecord, PollRecord, StatusRecord } from './types.js'

export function mediaEntity(state: ServerState, media: MediaRecord): Record<string, unknown> {
  const original: Record<string, unknown> = {}
  if (media.width !== null && media.height !== null) {
    original['width'] = media.width
    original['height'] = media.height
    original['size'] = `${media.width}x${media.height}`
    original['aspect'] = media.width / media.height
  }
  const meta: Record<string, unknown> = { original }
  if (media.focus !== null) meta['focus'] = { x: media.focus.x, y: media.focus.y }
  return {
    id: media.id.toString(),
    type: media.type,
    url: `${state.url}${media.path}`,
    preview_url: `${state.url}${media.path.replace('/original/', '/small/')}`,
    remote_url: null,
    preview_remote_url: null,
    text_url: null,
    meta,
    description: media.description,
    blurhash: media.blurhash,
  }
}

export function pollEntity(state: ServerState, poll: PollRecord): Record<string, unknown> {
  const expired = poll.expiresAt !== null && Date.parse(poll.expiresAt) <= state.now()
  return {
    id: poll.id.toString(),
    expires_at: poll.expiresAt,
    expired,
    multiple: poll.multiple,
    votes_count: poll.options.reduce((sum, o) => sum + o.votesCount, 0),
    voters_count: poll.votersCount ?? (poll.multiple ? null : poll.options.reduce((sum, o) => sum + o.votesCount, 0)),
    options: poll.options.map((o) => ({ title: o.title, votes_count: o.votesCount })),
    emojis: [],
    voted: false,
    own_votes: [],
  }
}

function mentionEntity(state: ServerState, account: AccountRecord): Record<string, unknown> {
  return { id: account.id.toString(), username: account.username, url: account.url, acct: state.store.acct(account) }
}

export function statusEntity(state: ServerState, viewer: AccountRecord | null, status: StatusRecord): Record<string, unknown> {
  const { store } = state
  const author = store.accounts.get(status.accountId)!
  const reblogOf = status.reblogOfId === null ? null : store.statuses.get(status.reblogOfId) ?? null
  const viewerId = viewer?.id ?? null
  const entity: Record<string, unknown> = {
    id: status.id.toString(),
    created_at: status.createdAt,
    in_reply_to_id: status.inReplyToId?.toString() ?? null,
    in_reply_to_account_id: status.inReplyToAccountId?.toString() ?? null,
    sensitive: status.sensitive,
    spoiler_text: status.spoilerText,
    visibility: status.visibility,
    language: status.language,
    uri: status.uri,
    url: status.url,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    edited_at: status.editedAt,
    content: status.content,
    reblog: reblogOf ? statusEntity(state, viewer, reblogOf) : null,
    account: accountEntity(state, author),
    media_attachments: status.mediaIds.map((id) => store.media.get(id)).filter((m) => m !== undefined).map((m) => mediaEntity(state, m)),
    mentions: status.mentionIds.map((id) => store.accounts.get(id)).filter((a) => a !== undefined).map((a) => mentionEntity(state, a)),
    tags: status.tags.map((name) => ({ name, url: `${state.url}/tags/${encodeURIComponent(name)}` })),
    emojis: [],
    card: null,
    poll: status.poll ? pollEntity(state, status.poll) : null,
    filtered: [],
  }
  if (viewerId !== null) {
    entity['favourited'] = store.favourites.get(viewerId, String(status.id)) !== undefined
    entity['reblogged'] = store.hasReblogged(viewerId, status.id)
    entity['muted'] = false
    entity['bookmarked'] = store.bookmarks.get(viewerId, String(status.id)) !== undefined
    if (viewerId === status.accountId) entity['pinned'] = status.pinned
  }
  return entity
}

/** One StatusEdit per stored version, oldest first, ending with the current one. */
export function historyEntities(state: ServerState, status: StatusRecord): Array<Record<string, unknown>> {
  const author = accountEntity(state, state.store.accounts.get(status.accountId)!)
  const media = status.mediaIds.map((id) => state.store.media.get(id)).filter((m) => m !== undefined).map((m) => mediaEntity(state, m))
  const poll = status.poll ? { options: status.poll.options.map((o) => ({ title: o.title })) } : undefined
  const current = { text: status.text, spoilerText: status.spoilerText, sensitive: status.sensitive, at: status.editedAt ?? status.createdAt }
  const versions = status.edits.length === 0 ? [current] : [...status.edits, current]
  return versions.map((v) => ({
    content: v === current ? status.content : `<p>${escapeHtml(v.text)}</p>`,
    spoiler_text: v.spoilerText,
    sensitive: v.sensitive,
    created_at: v.at,
    account: author,
    ...(poll ? { poll } : {}),
    media_attachments: media,
    emojis: [],
  }))
}
