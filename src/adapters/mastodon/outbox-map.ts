// Pure mapping of Mastodon's account archive (outbox.json items, actor.json) onto archive records. Shapes and quirks
// are those listed in the shared fixtures README ("outbox.json", "actor.json") from mastodon
// `app/services/backup_service.rb` and `app/serializers/activitypub/note_serializer.rb`:
// - items are `Create` (a Note, or a Question for a poll) and `Announce` (the boosted status's URI, or the whole Note
//   for a boost of one's own followers-only status);
// - visibility is only in `to`/`cc` (public: to Public; unlisted: cc Public; followers-only: to the followers
//   collection; direct: neither);
// - attachment `url`s are archive paths with or without a leading `/` or a bucket prefix: media are matched by the
//   part from `media_attachments/` on.
import type { AccountRef, PollRecord, PostRecord, ProfileRecord, Visibility } from '../../archive/records.js'
import type { Actor } from './api.js'
import { htmlLinks, htmlToText } from './map.js'

const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public'])

export interface ArchiveActor {
  id: string
  followers: string | undefined
  /** The acct domain (from `webfinger`, else the actor's host). */
  domain: string
}

export interface OutboxAttachment {
  url: string
  mediaType?: string
  name?: string | null
  native: Record<string, unknown>
}

export interface MappedItem {
  post: PostRecord
  attachments: OutboxAttachment[]
  /** `user@host` → actor URI, learnt from Mention tags (CSV rows name accounts only by acct). */
  mentions: [string, string][]
}

type Json = Record<string, unknown>

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function iso(value: unknown): string {
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(parsed) ? new Date(0).toISOString() : new Date(parsed).toISOString()
}

export function archiveActor(actor: Actor): ArchiveActor {
  const host = new URL(actor.id).host
  const domain = actor.webfinger?.split('@').pop() ?? host
  return { id: actor.id, followers: actor.followers, domain }
}

export function visibilityOf(to: string[], cc: string[], actor: ArchiveActor): Visibility {
  if (to.some((t) => PUBLIC.has(t))) return 'public'
  if (cc.some((c) => PUBLIC.has(c))) return 'unlisted'
  const followers = actor.followers ?? `${actor.id}/followers`
  if ([...to, ...cc].includes(followers)) return 'followers'
  return 'direct'
}

/** `@user@host` → `user@host`; a local `@user` gets the account's domain. */
function mentionHandle(name: string, domain: string): string {
  const bare = name.replace(/^@/, '')
  return bare.includes('@') ? bare : `${bare}@${domain}`
}

function poll(object: Json): PollRecord | null {
  const options = (object.oneOf ?? object.anyOf) as Json[] | undefined
  if (!Array.isArray(options)) return null
  return {
    options: options.map((o) => ({ text: String(o.name ?? ''), votes: typeof (o.replies as Json | undefined)?.totalItems === 'number' ? ((o.replies as Json).totalItems as number) : null })),
    multiple: Array.isArray(object.anyOf),
    expiresAt: typeof object.endTime === 'string' ? iso(object.endTime) : typeof object.closed === 'string' ? iso(object.closed) : null,
  }
}

/** One outbox item; null for activities that are not posts. */
export function mapOutboxItem(item: Json, actor: ArchiveActor): MappedItem | null {
  const type = item.type
  const to = strings(item.to)
  const cc = strings(item.cc)
  const visibility = visibilityOf(to, cc, actor)
  if (type === 'Announce') {
    const target = typeof item.object === 'string' ? item.object : typeof (item.object as Json | undefined)?.id === 'string' ? ((item.object as Json).id as string) : null
    if (!target || typeof item.id !== 'string') return null
    return { post: { id: item.id, uri: item.id, url: null, createdAt: iso(item.published), text: '', visibility, repostOf: target, pinned: false, native: item }, attachments: [], mentions: [] }
  }
  if (type !== 'Create') return null
  const object = item.object as Json | undefined
  if (!object || typeof object !== 'object' || typeof object.id !== 'string' || !['Note', 'Question', 'Article', 'Page'].includes(String(object.type))) return null
  const tags = Array.isArray(object.tag) ? (object.tag as Json[]) : []
  const mentions: [string, string][] = []
  const mentionRefs: AccountRef[] = []
  for (const tag of tags) {
    if (tag.type !== 'Mention' || typeof tag.href !== 'string' || typeof tag.name !== 'string') continue
    const handle = mentionHandle(tag.name, actor.domain)
    mentions.push([handle.toLowerCase(), tag.href])
    mentionRefs.push({ id: tag.href, handle })
  }
  const content = typeof object.content === 'string' ? object.content : ''
  const attachments: OutboxAttachment[] = []
  for (const a of Array.isArray(object.attachment) ? (object.attachment as Json[]) : []) {
    // 4.6+ lists the preview card as a `Link` without `url`: it is not a file of the archive.
    if (typeof a.url !== 'string' || a.type === 'Link') continue
    attachments.push({ url: a.url, mediaType: typeof a.mediaType === 'string' ? a.mediaType : undefined, name: typeof a.name === 'string' ? a.name : null, native: a })
  }
  const quote = [object.quote, object.quoteUri, object._misskey_quote].find((q): q is string => typeof q === 'string') ?? null
  const post: PostRecord = {
    id: object.id,
    uri: object.id,
    url: typeof object.url === 'string' ? object.url : null,
    createdAt: iso(object.published ?? item.published),
    text: htmlToText(content),
    html: content,
    contentWarning: typeof object.summary === 'string' && object.summary !== '' ? object.summary : null,
    visibility,
    langs: object.contentMap && typeof object.contentMap === 'object' ? Object.keys(object.contentMap as Json) : [],
    replyTo: typeof object.inReplyTo === 'string' ? { id: object.inReplyTo } : null,
    quoteOf: quote,
    repostOf: null,
    mentions: mentionRefs,
    tags: tags.filter((t) => t.type === 'Hashtag' && typeof t.name === 'string').map((t) => (t.name as string).replace(/^#/, '')),
    links: htmlLinks(content),
    media: [],
    poll: object.type === 'Question' ? poll(object) : null,
    reactions: null,
    edits: [],
    native: item,
  }
  return { post, attachments, mentions }
}

/** The part of an attachment URL (or archive member name) from `media_attachments/` on, which both share. */
export function mediaSuffix(path: string): string | null {
  const at = path.indexOf('media_attachments/')
  return at < 0 ? null : path.slice(at).split(/[?#]/)[0]!
}

/** §4.2 from actor.json (HTML summary and field values as text; `icon`/`image` are the archive's avatar/header). */
export function mapActorProfile(actor: Actor, account: AccountRef, images: { avatar: ProfileRecord['avatar']; banner: ProfileRecord['banner'] }): ProfileRecord {
  const aliases = actor.alsoKnownAs === undefined ? [] : Array.isArray(actor.alsoKnownAs) ? actor.alsoKnownAs : [actor.alsoKnownAs]
  return {
    account,
    displayName: actor.name ?? null,
    description: htmlToText(actor.summary),
    fields: (actor.attachment ?? []).filter((a) => a.type === 'PropertyValue').map((a) => ({ name: a.name ?? '', value: htmlToText(a.value) })),
    avatar: images.avatar,
    banner: images.banner,
    aliases,
    locked: actor.manuallyApprovesFollowers ?? false,
    bot: actor.type === 'Service' || actor.type === 'Application',
    native: actor,
  }
}

export function actorAccount(actor: Actor, domain: string): AccountRef {
  const ref: AccountRef = { id: actor.id, handle: `${actor.preferredUsername ?? new URL(actor.id).pathname.split('/').pop()}@${domain}` }
  if (typeof actor.url === 'string') ref.url = actor.url
  if (actor.name) ref.displayName = actor.name
  return ref
}
