// Pure mapping of Mastodon REST entities onto archive records (docs/archive-format.md §4; mastodon rows of §4.1–4.8).
// No I/O: media arrive here already stored (as MediaRefs) and edit histories already fetched.
import type { AccountRef, ListRecord, MediaRef, NamedRecord, PostRecord, ProfileRecord, RelationRecord, SubjectRecord, Visibility } from '../../archive/records.js'
import type { Account, CredentialAccount, FeaturedTag, Filter, FilterV1, List, MutedAccount, Relationship, Status, StatusEdit } from './api.js'

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[name.toLowerCase()] ?? whole
  })
}

/** Mastodon's status and bio HTML as plain text: paragraphs become blank lines, `<br>` newlines, links their text. */
export function htmlToText(html: string | null | undefined): string {
  if (!html) return ''
  const text = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
  return decodeEntities(text).trim()
}

/** Links in status HTML that are neither mentions nor hashtags (mastodon `app/lib/text_formatter.rb` classes). */
export function htmlLinks(html: string | null | undefined): string[] {
  const links: string[] = []
  for (const match of (html ?? '').matchAll(/<a\s([^>]*)>/gi)) {
    const attrs = match[1]!
    if (/class="[^"]*\b(mention|hashtag)\b/i.test(attrs) || /rel="[^"]*\btag\b/i.test(attrs)) continue
    const href = /href="([^"]*)"/i.exec(attrs)?.[1]
    if (href && /^https?:\/\//i.test(href)) {
      const url = decodeEntities(href)
      if (!links.includes(url)) links.push(url)
    }
  }
  return links
}

/** §4.1: the actor URI names the account; `acct` gets the server's domain for local accounts. */
export function accountRef(account: Pick<Account, 'acct' | 'uri' | 'url' | 'display_name'>, localDomain: string): AccountRef {
  const handle = account.acct.includes('@') ? account.acct : `${account.acct}@${localDomain}`
  const ref: AccountRef = { id: account.uri ?? account.url, handle }
  if (account.url) ref.url = account.url
  if (account.display_name) ref.displayName = account.display_name
  return ref
}

const VISIBILITY: Record<string, Visibility> = { public: 'public', unlisted: 'unlisted', private: 'followers', direct: 'direct', limited: 'followers' }

export interface StatusContext {
  localDomain: string
  /** The exporting account's id: replies to its own statuses can name the parent's URI without a request. */
  selfId: string
  media: MediaRef[]
  /** `GET /statuses/:id/history`, oldest first, the current version last; empty when never edited or not kept. */
  history: StatusEdit[]
}

/**
 * The parent of a reply. Its ActivityPub URI when the parent is the account's own and the server names statuses
 * `<prefix>/<id>` (Mastodon, GoToSocial): then it is this status's URI with the parent's id. Otherwise the server's
 * local id, which `native.in_reply_to_id` also keeps.
 */
export function replyTarget(status: Status, selfId: string): { id: string } | null {
  if (status.in_reply_to_id === null) return null
  const suffix = `/${status.id}`
  if (status.in_reply_to_account_id === selfId && status.uri.endsWith(suffix)) {
    return { id: status.uri.slice(0, -suffix.length) + `/${status.in_reply_to_id}` }
  }
  return { id: status.in_reply_to_id }
}

/** §4.3: a Status. A boost is `repostOf` the boosted status's URI with empty text. */
export function mapStatus(status: Status, context: StatusContext): PostRecord {
  const base: PostRecord = {
    id: status.uri,
    uri: status.uri,
    url: status.url,
    createdAt: new Date(status.created_at).toISOString(),
    text: '',
    visibility: VISIBILITY[status.visibility],
  }
  if (status.reblog) {
    return { ...base, repostOf: status.reblog.uri, pinned: false, native: status }
  }
  const post: PostRecord = {
    ...base,
    text: htmlToText(status.content),
    html: status.content,
    contentWarning: status.spoiler_text || null,
    langs: status.language ? [status.language] : [],
    replyTo: replyTarget(status, context.selfId),
    quoteOf: null,
    repostOf: null,
    // A Mention carries no actor URI: its profile URL stands in as the id (search resolves either).
    mentions: status.mentions.map((m) => accountRef({ acct: m.acct, url: m.url, display_name: '' }, context.localDomain)),
    tags: status.tags.map((t) => t.name),
    links: htmlLinks(status.content),
    media: context.media,
    external: status.card ? { uri: status.card.url, title: status.card.title, description: status.card.description } : null,
    poll: status.poll
      ? {
          options: status.poll.options.map((o) => ({ text: o.title, votes: o.votes_count })),
          multiple: status.poll.multiple,
          expiresAt: status.poll.expires_at,
          ...(status.poll.own_votes && status.poll.own_votes.length > 0 ? { voted: status.poll.own_votes } : {}),
        }
      : null,
    reactions: null,
    pinned: status.pinned ?? false,
    edits: context.history.slice(0, -1).map((v) => ({ createdAt: new Date(v.created_at).toISOString(), text: htmlToText(v.content), contentWarning: v.spoiler_text || null })),
    native: status,
  }
  return post
}

export function followingRecord(account: Account, relationship: Relationship | undefined, localDomain: string): RelationRecord {
  return {
    account: accountRef(account, localDomain),
    showReposts: relationship?.showing_reblogs ?? null,
    notify: relationship?.notifying ?? null,
    languages: relationship?.languages ?? null,
    native: { account, relationship: relationship ?? null },
  }
}

export function plainRelation(account: Account, localDomain: string): RelationRecord {
  return { account: accountRef(account, localDomain), native: { account } }
}

export function muteRecord(account: MutedAccount, relationship: Relationship | undefined, localDomain: string): RelationRecord {
  return {
    account: accountRef(account, localDomain),
    hideNotifications: relationship?.muting_notifications ?? null,
    expiresAt: account.mute_expires_at ?? null,
    native: { account, relationship: relationship ?? null },
  }
}

export function listRecord(list: List, members: Account[], localDomain: string): ListRecord {
  return { id: list.id, name: list.title, description: null, purpose: null, members: members.map((m) => accountRef(m, localDomain)), native: list }
}

/** §4.7: bookmarks and favourites name the status by its URI and keep the status as it was. */
export function subjectRecord(status: Status): SubjectRecord {
  return { subject: status.uri, url: status.url, createdAt: null, native: status }
}

export function filterRecord(filter: Filter | FilterV1): NamedRecord {
  return 'title' in filter ? { id: filter.id, name: filter.title, native: filter } : { id: filter.id, name: filter.phrase, native: filter }
}

export function featuredTagRecord(tag: FeaturedTag): NamedRecord {
  return { id: tag.id, name: tag.name, native: tag }
}

/** Mastodon's placeholder for "no avatar/header" is not the user's media. */
export function isPlaceholderImage(url: string | null | undefined): boolean {
  if (!url) return true
  // Mastodon's `missing.png`; Misskey forks' generated identicon and static default (Sharkey: issue 17), which are
  // not the user's data, often live on a host the exporter cannot reach, and must not count as failed items.
  return /\/missing\.png(\?|$)/.test(url) || /\/identicon\/[^/]*$/.test(url.split(/[?#]/)[0]!) || /\/static-assets\/avatar\.png(\?|$)/.test(url)
}

/**
 * A URL naming the server's own host with another scheme, moved onto the server as configured: Sharkey writes its
 * configured `https://` URL into account URIs and URLs even when it is reached over http on loopback (issue 17).
 * Any other URL is returned unchanged.
 */
export function onServerOrigin(url: string, server: string): string {
  try {
    const parsed = new URL(url)
    const origin = new URL(server)
    if (parsed.host !== origin.host || parsed.protocol === origin.protocol || !/^https?:$/.test(parsed.protocol)) return url
    return `${origin.origin}${parsed.pathname}${parsed.search}`
  } catch {
    return url
  }
}

/** §4.2 from `verify_credentials`: `source` holds the note and fields as typed (plain text). */
export function mapProfile(me: CredentialAccount, localDomain: string, images: { avatar: MediaRef | null; banner: MediaRef | null }, aliases: string[]): ProfileRecord {
  return {
    account: accountRef(me, localDomain),
    displayName: me.display_name || null,
    description: me.source?.note ?? htmlToText(me.note),
    fields: (me.source?.fields ?? me.fields).map((f) => ({ name: f.name, value: me.source?.fields ? f.value : htmlToText(f.value) })),
    avatar: images.avatar,
    banner: images.banner,
    aliases,
    locked: me.locked,
    bot: me.bot,
    native: me,
  }
}
