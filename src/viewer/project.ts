// The viewer's data: a compact projection of archive records (docs/viewer.md "Data"). Pure: records in, plain JSON
// out. Nothing here is ever executed by the page; it is data the page renders as text.
import type { Manifest, MediaRecord, PostRecord, ProfileRecord, RelationRecord, ListRecord, RoomRecord, EventRecord, AccountRef } from '../archive/records.js'

/** One account whose archive is shown (index = `a` of its posts). */
export interface ViewAccount {
  network: string
  id: string
  handle: string | null
  name: string | null
  server: string | null
  url: string | null
  /** avatar URL */
  avatar: string | null
}

/** A post, with short keys: 100,000 of them are loaded by the page. */
export interface ViewPost {
  i: string
  /** createdAt, RFC 3339 */
  d: string
  /** account index */
  a: number
  x: string
  w?: string
  r?: string
  q?: string
  p?: string
  /** media: page-relative URL ('' when the file is not in the archive), alt text, MIME type, flags (1 sensitive) */
  m?: [string, string, string, number][]
  u?: string
  v?: string
  e?: { u: string; t?: string; d?: string }
  o?: { o: [string, number | null][]; mu: boolean; ex: string | null }
  re?: [string, number][]
  ed?: { d: string; x: string; w?: string }[]
  pin?: 1
}

export interface ViewMedia {
  /** page-relative URL */
  u: string
  t: string
  alt?: string
  s?: 1
}

export interface ViewPerson {
  /** owner account index */
  o: number
  id: string
  h?: string
  n?: string
  u?: string
  d?: string
}

export interface ViewList {
  o: number
  name: string
  desc?: string
  members: ViewPerson[]
}

export interface ViewRoom {
  o: number
  id: string
  name: string
  topic?: string
  n: number
}

export interface ViewEvent {
  /** room index */
  r: number
  i: string
  s: string
  d: string
  x: string
  /** media URL and MIME type */
  m?: [string, string]
}

export const PEOPLE_KINDS = ['following', 'followers', 'blocks', 'mutes'] as const
export type PeopleKind = (typeof PEOPLE_KINDS)[number]

/** What the view needs from one archive: its manifest source and a way to stream each kind. */
export interface ViewSource {
  source: Manifest['source']
  records<K extends 'posts' | 'media' | 'following' | 'followers' | 'blocks' | 'mutes' | 'lists' | 'rooms' | 'events'>(kind: K): AsyncIterable<unknown>
  profile(): Promise<ProfileRecord | null>
  /** The page-relative URL of a media file, or null when it is not shown (not present). */
  mediaUrl(sha256: string, mime: string | undefined): string | null
}

export interface Projection {
  accounts: ViewAccount[]
  posts: ViewPost[]
  media: Record<string, ViewMedia>
  people: Record<PeopleKind, ViewPerson[]>
  lists: ViewList[]
  rooms: ViewRoom[]
  events: ViewEvent[]
}

const SHA256 = /^[0-9a-f]{64}$/

/** Only http(s) URLs become links; anything else (javascript:, data:) is dropped. */
const PLAIN_HTTP_URL = /^https?:\/\/[^\s\x00-\x1f\x7f\\]+$/i
const PLAIN_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  if (PLAIN_HTTP_URL.test(value)) return value
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined
  } catch {
    return undefined
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

function isoDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  if (PLAIN_DATE.test(value)) return value
  const ms = Date.parse(value)
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined
}

export function projectPost(post: PostRecord, account: number): ViewPost | null {
  if (!post || typeof post !== 'object' || typeof post.id !== 'string') return null
  const d = isoDate(post.createdAt)
  if (!d) return null
  const view: ViewPost = { i: post.id, d, a: account, x: typeof post.text === 'string' ? post.text : '' }
  const w = str(post.contentWarning)
  if (w) view.w = w
  const r = str(post.replyTo?.id)
  if (r) view.r = r
  const q = str(post.quoteOf)
  if (q) view.q = q
  const p = str(post.repostOf)
  if (p) view.p = p
  if (Array.isArray(post.media)) {
    const media = post.media
      .filter((m) => m && SHA256.test(m.sha256))
      .map((m): [string, string, string, number] => [m.sha256, typeof m.alt === 'string' ? m.alt : '', typeof m.mime === 'string' ? m.mime : '', 0])
    if (media.length > 0) view.m = media
  }
  const u = safeUrl(post.url) ?? safeUrl(post.uri)
  if (u) view.u = u
  if (post.visibility && post.visibility !== 'public') view.v = post.visibility
  const eu = safeUrl(post.external?.uri)
  if (eu) view.e = { u: eu, t: str(post.external?.title), d: str(post.external?.description) }
  if (post.poll && Array.isArray(post.poll.options)) {
    view.o = {
      o: post.poll.options.map((o) => [String(o.text ?? ''), typeof o.votes === 'number' ? o.votes : null]),
      mu: !!post.poll.multiple,
      ex: isoDate(post.poll.expiresAt) ?? null,
    }
  }
  if (post.reactions && typeof post.reactions === 'object') {
    const re = Object.entries(post.reactions).filter(([, n]) => typeof n === 'number' && n > 0)
    if (re.length > 0) view.re = re
  }
  if (Array.isArray(post.edits) && post.edits.length > 0) {
    view.ed = post.edits.map((e) => ({ d: isoDate(e.createdAt) ?? '', x: String(e.text ?? ''), ...(str(e.contentWarning) ? { w: e.contentWarning! } : {}) }))
  }
  if (post.pinned) view.pin = 1
  return view
}

export function projectPerson(ref: AccountRef | undefined, owner: number, createdAt?: string | null): ViewPerson | null {
  if (!ref || typeof ref.id !== 'string') return null
  const person: ViewPerson = { o: owner, id: ref.id }
  if (str(ref.handle)) person.h = ref.handle
  if (str(ref.displayName)) person.n = ref.displayName
  const u = safeUrl(ref.url) ?? safeUrl(ref.id)
  if (u) person.u = u
  const d = isoDate(createdAt)
  if (d) person.d = d
  return person
}

const DAY_MS = 86_400_000
/** The last ISO date written (all but the time of day), and its day number: a room's events mostly share the day. */
let isoDay = NaN
let isoDayText = ''
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

/**
 * `new Date(ms).toISOString()`, ~5 × faster for times from 1970 to 9999 (Date's own formatting was ~8 % of the
 * embedded viewer's time on a 100,000-event room); any other value goes to Date itself (which throws on NaN).
 */
export function isoFromMs(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > 253_402_300_799_999) return new Date(ms).toISOString()
  const day = Math.floor(ms / DAY_MS)
  if (day !== isoDay) {
    isoDay = day
    isoDayText = new Date(day * DAY_MS).toISOString().slice(0, 11)
  }
  let rest = ms - day * DAY_MS
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const s = Math.floor(rest / 1000)
  return `${isoDayText}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s]}.${THREE_DIGITS[rest - s * 1000]}Z`
}

function eventText(content: Record<string, unknown>): string {
  const body = content.body
  return typeof body === 'string' ? body : ''
}

/**
 * Where `project` puts posts and events when they should not be held in memory (embed.ts): in the order read, not
 * sorted; the returned projection's `posts` and `events` stay empty, and sorting the posts is the sink's part.
 */
export interface ProjectionSink {
  post(post: ViewPost): Promise<void>
  event(event: ViewEvent): Promise<void>
}

/** Reads every source into one merged, newest-first projection; a post seen in two archives is kept once. */
export async function project(sources: ViewSource[], sink?: ProjectionSink): Promise<Projection> {
  const out: Projection = { accounts: [], posts: [], media: {}, people: { following: [], followers: [], blocks: [], mutes: [] }, lists: [], rooms: [], events: [] }
  const accountIndex = new Map<string, number>()
  const seenPosts = new Set<string>()
  const seenPeople = new Set<string>()
  const roomIndex = new Map<string, number>()
  for (const source of sources) {
    const network = String(source.source?.network ?? 'unknown')
    const acct = source.source?.account ?? { id: 'unknown' }
    const key = `${network}\n${acct.id}`
    let a = accountIndex.get(key)
    const profile = await source.profile().catch(() => null)
    if (a === undefined) {
      a = out.accounts.length
      accountIndex.set(key, a)
      out.accounts.push({
        network,
        id: String(acct.id),
        handle: str(acct.handle) ?? null,
        name: str(profile?.displayName) ?? str(acct.displayName) ?? null,
        server: safeUrl(source.source?.server) ?? null,
        url: safeUrl(acct.url) ?? null,
        avatar: null,
      })
    }
    const account = out.accounts[a]!
    for await (const raw of source.records('media')) {
      const m = raw as MediaRecord
      if (!m || !SHA256.test(m.sha256) || out.media[m.sha256]) continue
      const u = source.mediaUrl(m.sha256, m.mime)
      if (!u) continue
      const view: ViewMedia = { u, t: typeof m.mime === 'string' ? m.mime : '' }
      if (str(m.alt)) view.alt = m.alt!
      if (m.sensitive) view.s = 1
      out.media[m.sha256] = view
    }
    const avatar = profile?.avatar?.sha256
    if (avatar && out.media[avatar] && !account.avatar) account.avatar = out.media[avatar]!.u
    for await (const raw of source.records('posts')) {
      const post = projectPost(raw as PostRecord, a)
      if (!post) continue
      // only merged archives can repeat a post; one archive's ids are not kept (memory would grow with the account)
      if (sources.length > 1) {
        const id = `${a}\n${post.i}`
        if (seenPosts.has(id)) continue
        seenPosts.add(id)
      }
      for (const ref of post.m ?? []) {
        const media = out.media[ref[0]]
        ref[0] = media?.u ?? ''
        if (!ref[1] && media?.alt) ref[1] = media.alt
        if (!ref[2] && media) ref[2] = media.t
        if (media?.s) ref[3] = 1
      }
      if (sink) await sink.post(post)
      else out.posts.push(post)
    }
    for (const kind of ['following', 'followers', 'blocks', 'mutes'] as const) {
      for await (const raw of source.records(kind)) {
        const r = raw as RelationRecord
        const person = projectPerson(r?.account, a, r?.createdAt)
        if (!person) continue
        const id = `${kind}\n${a}\n${person.id}`
        if (seenPeople.has(id)) continue
        seenPeople.add(id)
        out.people[kind].push(person)
      }
    }
    for await (const raw of source.records('lists')) {
      const l = raw as ListRecord
      if (!l || typeof l.name !== 'string') continue
      const members = (Array.isArray(l.members) ? l.members : []).map((m) => projectPerson(m, a)).filter((m): m is ViewPerson => m !== null)
      out.lists.push({ o: a, name: l.name, ...(str(l.description) ? { desc: l.description! } : {}), members })
    }
    for await (const raw of source.records('rooms')) {
      const room = raw as RoomRecord
      if (!room || typeof room.id !== 'string' || roomIndex.has(`${a}\n${room.id}`)) continue
      roomIndex.set(`${a}\n${room.id}`, out.rooms.length)
      out.rooms.push({ o: a, id: room.id, name: str(room.name) ?? str(room.canonicalAlias) ?? room.id, ...(str(room.topic) ? { topic: room.topic! } : {}), n: 0 })
    }
    // events come room by room: the last room's index is kept instead of building its key for every event
    let lastRoomId: unknown = undefined
    let lastRoom: number | undefined
    for await (const raw of source.records('events')) {
      const record = raw as EventRecord
      const event = (record?.decrypted ?? record?.event) as Record<string, unknown> | null
      if (!event || event.type !== 'm.room.message') continue
      if (record.roomId !== lastRoomId || typeof lastRoomId !== 'string') {
        lastRoomId = record.roomId
        lastRoom = roomIndex.get(`${a}\n${record.roomId}`)
      }
      const r = lastRoom
      if (r === undefined) continue
      const content = (event.content ?? {}) as Record<string, unknown>
      const ts = typeof event.origin_server_ts === 'number' ? isoFromMs(event.origin_server_ts) : undefined
      if (!ts) continue
      const view: ViewEvent = { r, i: String(event.event_id ?? ''), s: String(event.sender ?? ''), d: ts, x: eventText(content) }
      const sha = record.media?.find((m) => SHA256.test(m.sha256))?.sha256
      if (sha && out.media[sha]) view.m = [out.media[sha]!.u, out.media[sha]!.t]
      if (sink) await sink.event(view)
      else out.events.push(view)
      out.rooms[r]!.n++
    }
  }
  out.posts.sort((x, y) => (x.d < y.d ? 1 : x.d > y.d ? -1 : 0))
  return out
}
