// Pure mapping of X archive objects to Lifeboat records (docs/archive-format.md §4, docs/adapters/x.md).
// Ids are X's own numeric ids as strings: a post's `id`, `replyTo.id`, `quoteOf` and `repostOf` are tweet ids, so that
// threads can be rebuilt from the archive alone.
import type { AccountRef, ListRecord, PostRecord, ProfileRecord, RelationRecord, SubjectRecord } from '../../archive/records.js'
import type { Account, Like, MediaEntity, NoteTweet, Profile, Relation, Tweet, UserDetails, UserListInfo } from './api.js'

export const X_ORIGIN = 'https://x.com'

export interface Me {
  id: string
  screenName: string
}

const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' }

/** `Wed Mar 22 07:41:49 +0000 2017` (tweet.js era) or `2014-05-27 12:24:35 +0000` (Grailbird) → RFC 3339 UTC. */
export function parseXDate(value: string | undefined): string | null {
  if (!value) return null
  let m = /^\w{3} (\w{3}) (\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{4}) (\d{4})$/.exec(value)
  let iso: string | null = null
  if (m && MONTHS[m[1]!]) iso = `${m[5]}-${MONTHS[m[1]!]}-${m[2]}T${m[3]}${m[4]!.slice(0, 3)}:${m[4]!.slice(3)}`
  m = iso ? null : /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{4})$/.exec(value)
  if (m) iso = `${m[1]}T${m[2]}${m[3]!.slice(0, 3)}:${m[3]!.slice(3)}`
  const time = Date.parse(iso ?? value)
  return Number.isNaN(time) ? null : new Date(time).toISOString()
}

/** X escapes exactly `&`, `<` and `>` in tweet text; `&quot;` and numeric references are undone too, defensively. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[name]!)
}

const TCO = /(https?:\/\/t\.co\/[A-Za-z0-9]+)/
const STATUS_URL = /^https?:\/\/(?:(?:www|mobile)\.)?(?:twitter|x)\.com\/([A-Za-z0-9_]+|i\/web)\/status(?:es)?\/(\d+)(?=[/?#]?$|[?#])/
/** `und`, `zxx` and X's `q…` codes (qme: media only, qst: short, qht: hashtags only) name no language. */
const NO_LANGUAGE = /^(und|zxx|q[a-z]{2})$/

export function mediaOf(tweet: Tweet): MediaEntity[] {
  return tweet.extended_entities?.media ?? tweet.entities?.media ?? []
}

/**
 * A tweet's own text: t.co links expanded from entities.urls, media links dropped (they are attachments), unescaped.
 * A quote of one's own tweet (`ownScreenName`) drops its link too: a replay embeds the re-created post instead. A
 * quote of someone else's keeps its link in the text, since nothing else can show it where X is not.
 */
export function tweetText(tweet: Tweet, ownScreenName?: string): { text: string; links: string[]; quoteOf: string | null } {
  const raw = tweet.full_text ?? tweet.text ?? ''
  const urls = new Map((tweet.entities?.urls ?? []).filter((u) => u.expanded_url).map((u) => [u.url, u.expanded_url!]))
  const mediaLinks = new Set(mediaOf(tweet).map((m) => m.url).filter(Boolean))
  const parts = raw.split(TCO)
  const links: string[] = []
  let quoteOf: string | null = tweet.quoted_status_id_str ?? null
  // A quote is the status link X appends last; it becomes `quoteOf` and leaves the text, as media links do.
  const lastLink = parts.length > 1 ? parts[parts.length - 2] : undefined
  const lastExpanded = lastLink ? urls.get(lastLink) : undefined
  const status = lastExpanded && parts[parts.length - 1]!.trim() === '' ? STATUS_URL.exec(lastExpanded) : null
  // A link to the tweet itself (`…/status/<own id>/photo/1`, a photo X left out of entities.media) is no quote.
  const quoted = status && status[2] !== tweet.id_str ? status[2] : undefined
  const ownQuote = !!quoted && !!ownScreenName && status![1]!.toLowerCase() === ownScreenName.toLowerCase()
  if (quoted && !quoteOf) quoteOf = quoted
  const text = parts
    .map((part, i) => {
      if (i % 2 === 0) return unescapeHtml(part)
      if (mediaLinks.has(part)) return ''
      if (ownQuote && i === parts.length - 2) return ''
      const expanded = urls.get(part)
      if (expanded) links.push(expanded)
      return expanded ?? part
    })
    .join('')
  return { text: text.trimEnd(), links, quoteOf }
}

/** `RT @user: …`, or a Grailbird retweet object: the reposted tweet's id (when the archive says) and author. */
export function retweetOf(tweet: Tweet): { id: string | null; screenName: string } | null {
  if (tweet.retweeted_status) return { id: tweet.retweeted_status.id_str ?? null, screenName: tweet.retweeted_status.user?.screen_name ?? '' }
  const m = /^RT @([A-Za-z0-9_]+): /.exec(tweet.full_text ?? tweet.text ?? '')
  if (!m) return null
  // A retweet's photos name the original as their source; tweet.js-era archives say it nowhere else.
  const source = mediaOf(tweet).find((e) => e.source_status_id_str)?.source_status_id_str ?? null
  return { id: source, screenName: m[1]! }
}

export function statusUrl(screenName: string, id: string): string {
  return `${X_ORIGIN}/${screenName}/status/${id}`
}

export function intentUrl(id: string): string {
  return `${X_ORIGIN}/intent/user?user_id=${id}`
}

export function accountRef(id: string, screenName?: string | null, displayName?: string | null): AccountRef {
  return {
    id,
    ...(screenName ? { handle: screenName, url: `${X_ORIGIN}/${screenName}` } : { url: intentUrl(id) }),
    ...(displayName ? { displayName } : {}),
  }
}

/** Every (user id, screen name) pair a tweet reveals: its mentions, reply target, and Grailbird user objects. */
export function namesIn(tweet: Tweet): [string, string][] {
  const pairs: [string, string][] = []
  for (const m of tweet.entities?.user_mentions ?? []) if (m.id_str && m.screen_name) pairs.push([m.id_str, m.screen_name])
  if (tweet.in_reply_to_user_id_str && tweet.in_reply_to_screen_name) pairs.push([tweet.in_reply_to_user_id_str, tweet.in_reply_to_screen_name])
  const rtUser = tweet.retweeted_status?.user
  if (rtUser?.id_str && rtUser.screen_name) pairs.push([rtUser.id_str, rtUser.screen_name])
  return pairs
}

/** The post record of a tweet, without media (the source attaches what the archive holds). */
export function mapTweet(tweet: Tweet, me: Me): PostRecord {
  const id = tweet.id_str
  const rt = retweetOf(tweet)
  const { text, links, quoteOf } = tweetText(tweet, me.screenName)
  const lang = tweet.lang && !NO_LANGUAGE.test(tweet.lang) ? [tweet.lang] : []
  const post: PostRecord = {
    id,
    uri: null,
    url: statusUrl(me.screenName, id),
    createdAt: parseXDate(tweet.created_at) ?? snowflakeTime(id) ?? new Date(0).toISOString(),
    // A repost's text is X's cut copy of the original (`RT @user: …`); it stays in `native`.
    text: rt ? '' : text,
    visibility: 'public',
    langs: lang,
    replyTo: tweet.in_reply_to_status_id_str ? { id: tweet.in_reply_to_status_id_str } : null,
    quoteOf: rt ? null : quoteOf,
    // When the archive does not name the original tweet (tweet.js era, no photo), the reposted account's page does.
    repostOf: rt ? (rt.id ?? `${X_ORIGIN}/${rt.screenName}`) : null,
    mentions: (tweet.entities?.user_mentions ?? []).filter((m) => m.id_str).map((m) => accountRef(m.id_str!, m.screen_name, m.name)),
    tags: (tweet.entities?.hashtags ?? []).map((h) => h.text),
    links,
    media: [],
    native: tweet,
  }
  if (tweet.deleted_at) post.deletedAt = parseXDate(tweet.deleted_at) ?? tweet.deleted_at
  if (tweet.possibly_sensitive === true || tweet.possibly_sensitive === 'true') post.contentWarning = ''
  return post
}

/** X ids after 2010-11 are snowflakes: milliseconds since 2010-11-04T01:42:54.657Z in their top bits. */
export function snowflakeTime(id: string): string | null {
  if (!/^\d{15,20}$/.test(id)) return null
  return new Date(Number(BigInt(id) >> 22n) + 1288834974657).toISOString()
}

// Long posts: tweets.js keeps a ~280-character stub ending `… https://t.co/…`; note-tweet.js holds the text under
// another id, created 13–41 ms earlier. They are joined on the second of creation plus the stub's opening words, since
// threads posted within one second share the second (fixtures/x/README.md, "note-tweet.js").

/** The key notes are filed under: the creation time to the second. */
export function noteKey(iso: string | null): string {
  return iso ? iso.slice(0, 19) : ''
}

function comparable(text: string): string {
  return unescapeHtml(text)
    .replace(/^(@[A-Za-z0-9_]+\s+)+/, '')
    .replace(/https?:\/\/t\.co\/[A-Za-z0-9]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

const LAST_LINK = /https:\/\/t\.co\/[A-Za-z0-9]+$/

/** The text without the t.co links at its end (loops rather than one nested pattern, which could backtrack). */
function withoutTrailingLinks(text: string): string {
  let rest = text.trimEnd()
  for (let m = LAST_LINK.exec(rest); m; m = LAST_LINK.exec(rest)) rest = rest.slice(0, m.index).trimEnd()
  return rest
}

/** Whether a tweet's text is a long-post stub: it ends with `…`, before any trailing t.co links (note, media). */
export function isStub(tweet: Tweet): boolean {
  return withoutTrailingLinks(tweet.full_text ?? '').endsWith('…')
}

/** Picks the note a stub was cut from, among the notes created in the same second. */
export function matchNote(tweet: Tweet, candidates: NoteTweet[]): NoteTweet | undefined {
  const stub = comparable(withoutTrailingLinks(tweet.full_text ?? '').replace(/…$/, ''))
  if (stub.length === 0) return undefined
  const head = stub.slice(0, Math.min(stub.length, 60))
  return candidates.find((note) => comparable(note.core.text).startsWith(head))
}

/** A stub's post with the note's full text, links expanded; the reply's leading @mentions (absent from notes) kept. */
export function withNote(post: PostRecord, tweet: Tweet, note: NoteTweet): PostRecord {
  const leading = /^(@[A-Za-z0-9_]+\s+)+/.exec(unescapeHtml(tweet.full_text ?? ''))?.[0] ?? ''
  const urls = new Map((note.core.urls ?? []).filter((u) => u.shortUrl && u.expandedUrl).map((u) => [u.shortUrl!, u.expandedUrl!]))
  const links = [...(post.links ?? [])]
  const text = note.core.text.replace(/https?:\/\/t\.co\/[A-Za-z0-9]+/g, (short) => {
    const long = urls.get(short)
    if (long && !links.includes(long)) links.push(long)
    return long ?? short
  })
  const tags = [...new Set([...(post.tags ?? []), ...(note.core.hashtags ?? []).map((h) => h.text)])]
  return { ...post, text: `${leading}${text}`.trimEnd(), links, tags, native: { ...(tweet as object), noteTweet: note } }
}

export function likeRecord(like: Like): SubjectRecord {
  return { subject: like.tweetId, url: like.expandedUrl ?? `${X_ORIGIN}/i/web/status/${like.tweetId}`, createdAt: null, native: like }
}

/** A follow, follower, block or mute: X gives only the numeric id; the screen name comes from the archive's tweets. */
export function relationRecord(relation: Relation, names: ReadonlyMap<string, string>): RelationRecord {
  return { account: accountRef(relation.accountId, names.get(relation.accountId)), createdAt: null, native: relation }
}

/** lists-created / lists-subscribed / lists-member: X gives only each list's URL, no members. */
export function listRecord(info: UserListInfo, relation: 'created' | 'subscribed' | 'member'): ListRecord {
  const m = /\/([^/]+)\/lists\/([^/?#]+)/.exec(info.url)
  return { id: info.url, name: m ? decodeURIComponent(m[2]!) : info.url, description: null, purpose: relation, members: [], native: { ...info, relation, owner: m?.[1] ?? null } }
}

export function profileRecord(me: AccountRef, account: Account | null, profile: Profile | null, details: UserDetails | null): ProfileRecord {
  const bio = profile?.description?.bio ?? details?.bio ?? null
  const website = details?.expanded_url ?? profile?.description?.website ?? ''
  const location = profile?.description?.location ?? details?.location ?? ''
  const fields = [
    ...(website ? [{ name: 'Website', value: website }] : []),
    ...(location ? [{ name: 'Location', value: location }] : []),
  ]
  // The e-mail address in account.js is private and not part of the profile.
  const { email: _email, ...accountPublic } = account ?? ({} as Account)
  return {
    account: me,
    displayName: account?.accountDisplayName ?? details?.full_name ?? me.displayName ?? null,
    description: bio,
    fields,
    avatar: null,
    banner: null,
    native: { account: account ? accountPublic : null, profile, userDetails: details },
  }
}
