// Pure mapping of an archive post (PostRecord, from any network) onto the app.bsky.feed.post records that re-create it
// on a PDS (docs/adapters/atproto.md "Posts"). No I/O: mentions are resolved and media uploaded by posts-target.ts.
//
// - Text over the lexicon's limits (300 graphemes, 3000 UTF-8 bytes) is split into parts at whitespace (else after
//   CJK/Latin sentence punctuation, else at the limit, never inside a link, tag or mention); the parts become a
//   self-reply thread. Nothing is ever truncated.
// - Facets (links, mentions, hashtags) come from @atproto/api's RichText detection, so their byte offsets are the
//   same ones Bluesky's own app computes; fediverse mentions (`@user@host`) become links to the account.
// - Images go four to a record; more, and a video beside images, go into follow-up replies.
import { createHash } from 'node:crypto'
import { RichText } from '@atproto/api'
import type { AccountRef, MediaRef, PostRecord } from '../../archive/records.js'

export const MAX_GRAPHEMES = 300
export const MAX_TEXT_BYTES = 3000
export const MAX_IMAGES = 4
export const MAX_LANGS = 3
/**
 * The longest thread a post becomes: 100 parts, 30,000 graphemes (X's longest posts are 25,000 characters). A longer
 * text is not split into an endless thread but reported per item.
 */
export const MAX_PARTS = 100
/** app.bsky.embed.images#image `maxSize` (lexicon): larger images are downscaled before upload. */
export const MAX_IMAGE_BYTES = 1_000_000
/** app.bsky.embed.video `maxSize` (lexicon). */
export const MAX_VIDEO_BYTES = 100_000_000

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

export function graphemeCount(text: string): number {
  let n = 0
  for (const _ of segmenter.segment(text)) n++
  return n
}

/** Tokens a split must not cut: URLs, hashtags, mentions (whitespace ends them all). */
const PROTECTED = /https?:\/\/\S+|[#＃@]\S+/gu
const SENTENCE_END = /[。．！？!?\n]|[.;](?=\s|$)/u
const CLAUSE_END = /[、，,；]/u

/**
 * Splits `text` into parts that each fit the post lexicon (`maxGraphemes` and `maxBytes`). Joined with the
 * whitespace that was cut at (one space or newline), the parts give back the text. Stops after `maxParts` + 1 parts
 * (the caller refuses such a post), so a hostile 10 MB text costs no more than a long one. Each step looks only at a
 * window of `maxBytes` + 64 code units, never at the whole rest.
 */
export function splitText(text: string, maxGraphemes = MAX_GRAPHEMES, maxBytes = MAX_TEXT_BYTES, maxParts = Infinity): string[] {
  const parts: string[] = []
  let rest = text.trim()
  while (parts.length <= maxParts) {
    const window = rest.slice(0, maxBytes + 64)
    // The longest prefix within both limits, as grapheme boundaries (code unit indexes).
    const bounds: number[] = []
    let bytes = 0
    let fits = true
    for (const { segment, index } of segmenter.segment(window)) {
      bytes += Buffer.byteLength(segment)
      if (bounds.length >= maxGraphemes || bytes > maxBytes) {
        fits = false
        break
      }
      bounds.push(index + segment.length)
    }
    if (fits && window.length === rest.length) break
    const limit = bounds.at(-1) ?? window.length
    const head = rest.slice(0, limit)
    // Tokens are matched up to one unit past the limit: enough to tell whether a cut at or before it is inside one.
    const protectedRanges = [...rest.slice(0, limit + 1).matchAll(PROTECTED)].map((m) => [m.index, m.index + m[0].length] as const)
    const inside = (i: number) => protectedRanges.some(([a, b]) => i > a && i < b)
    let cut = -1
    // 1. the last whitespace within the limit
    for (let i = head.length; i > 0; i--) {
      if (/\s/u.test(rest[i] ?? ' ') && !inside(i)) {
        cut = i
        break
      }
    }
    // 2. after the last sentence end, then clause end (CJK text has no spaces)
    for (const re of [SENTENCE_END, CLAUSE_END]) {
      if (cut > 0 && cut > limit / 3) break
      for (let i = head.length - 1; i > 0; i--) {
        if (re.test(head[i]!) && !inside(i + 1) && bounds.includes(i + 1)) {
          if (i + 1 > cut) cut = i + 1
          break
        }
      }
    }
    // 3. at the limit, or before the token the limit falls in
    if (cut <= 0) {
      const token = protectedRanges.find(([a, b]) => limit > a && limit < b)
      cut = token && token[0] > 0 ? token[0] : limit
    }
    parts.push(rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).trimStart()
  }
  if (parts.length <= maxParts && (rest.length > 0 || parts.length === 0)) parts.push(rest)
  return parts
}

/**
 * TIDs (atproto spec "Record Key" / TID): 53 bits of microseconds since the epoch, then a 10-bit clock id, in the
 * sortable base32 alphabet, 13 characters.
 */
const S32 = '234567abcdefghijklmnopqrstuvwxyz'

export function encodeTid(micros: bigint, clockId: number): string {
  let value = (micros << 10n) | BigInt(clockId & 0x3ff)
  let out = ''
  for (let i = 0; i < 13; i++) {
    out = S32[Number(value & 31n)]! + out
    value >>= 5n
  }
  return out
}

/**
 * The record key of part `part` of a re-created post: a TID whose time is the source post's `createdAt` (so the
 * repo sorts posts by their original dates) with its sub-millisecond digits and clock id taken from
 * sha256(`<source id>\0<part>`). The same source post always gets the same keys, so a second create of it meets the
 * record already there; two posts of the same millisecond collide with a chance of one in ~10⁶, and such a collision
 * is detected (the record found is not this post) and reported, never overwritten.
 */
export function postRkey(sourceId: string, createdAt: string, part: number): string {
  const ms = Date.parse(createdAt)
  const hash = createHash('sha256').update(`${sourceId}\0${part}`).digest()
  const micros = BigInt(Math.max(0, ms)) * 1000n + BigInt(hash.readUInt16BE(0) % 1000)
  return encodeTid(micros, hash.readUInt16BE(2))
}

export interface DetectedFacet {
  index: { byteStart: number; byteEnd: number }
  features: ({ $type: 'app.bsky.richtext.facet#link'; uri: string } | { $type: 'app.bsky.richtext.facet#tag'; tag: string } | { $type: 'app.bsky.richtext.facet#mention'; did: string })[]
}

function byteIndex(text: string, codeUnitIndex: number): number {
  return Buffer.byteLength(text.slice(0, codeUnitIndex))
}

function httpUrl(value: string | undefined): string | null {
  return value && /^https?:\/\//i.test(value) ? value : null
}

/**
 * Facets of one part's text. Mentions of AT Protocol handles carry the handle in `did` until posts-target.ts
 * resolves it (RichText.detectFacetsWithoutResolution does the same). `@user@host` and `@user` of the post's
 * fediverse mentions, and `@name` of its X mentions, become links to the account's page.
 */
export function detectFacets(text: string, mentions: readonly AccountRef[] = []): DetectedFacet[] {
  const rt = new RichText({ text })
  rt.detectFacetsWithoutResolution()
  const facets = (rt.facets ?? []) as DetectedFacet[]
  const taken = facets.map((f) => [f.index.byteStart, f.index.byteEnd] as const)
  for (const account of mentions) {
    const handle = account.handle ?? ''
    const at = handle.indexOf('@')
    const link = httpUrl(account.url) ?? httpUrl(account.id)
    // `user@host`, or a bare `user` (an X screen name, a local fediverse account): never an AT Protocol handle,
    // which always has a dot and is left to RichText above.
    const bare = at < 0 && handle.length > 0 && !handle.includes('.')
    if ((at <= 0 && !bare) || !link) continue
    const user = bare ? handle : handle.slice(0, at)
    const host = bare ? '' : `(?:@${escapeRegExp(handle.slice(at + 1))})?`
    const re = new RegExp(`(?<![\\w@])@${escapeRegExp(user)}${host}(?![\\w@.-]*\\w)`, 'giu')
    for (const m of text.matchAll(re)) {
      const byteStart = byteIndex(text, m.index)
      const byteEnd = byteStart + Buffer.byteLength(m[0])
      if (taken.some(([a, b]) => byteStart < b && byteEnd > a)) continue
      taken.push([byteStart, byteEnd])
      facets.push({ index: { byteStart, byteEnd }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: link }] })
    }
  }
  return facets.sort((a, b) => a.index.byteStart - b.index.byteStart)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** BCP-47-looking language tags, at most three (the lexicon's limit). */
export function postLangs(langs: readonly string[] | undefined): string[] {
  return [...new Set((langs ?? []).filter((l) => /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/.test(l)))].slice(0, MAX_LANGS)
}

/**
 * Self-labels for a content warning. AT Protocol has labels for adult and graphic content only (Bluesky's
 * `sexual`, `nudity`, `porn`, `graphic-media`), so a warning's words choose one; a warning that names none of them
 * gets no label (its text stays at the head of the post), and media marked sensitive without a matching warning get
 * `graphic-media`, which hides them behind a click as the source did.
 */
export function selfLabels(contentWarning: string | null | undefined, sensitiveMedia: boolean): string[] {
  const cw = (contentWarning ?? '').toLowerCase()
  if (/\b(porn|nsfw|18\+|xxx|explicit)\b|r-?18|エロ|成人向け/.test(cw)) return ['porn']
  if (/\b(sexual|sex|lewd|suggestive)\b/.test(cw)) return ['sexual']
  if (/\b(nud(e|ity)|naked)\b|裸/.test(cw)) return ['nudity']
  if (/\b(gore|blood|graphic|violence|injury|death)\b|グロ|流血/.test(cw)) return ['graphic-media']
  return sensitiveMedia ? ['graphic-media'] : []
}

export type MediaKind = 'image' | 'video' | 'other'

export function mediaKind(ref: MediaRef): MediaKind {
  const mime = ref.mime ?? ''
  if (/^image\/(jpeg|png|webp|gif|heic|heif|avif|bmp|tiff)$/.test(mime)) return 'image'
  if (mime.startsWith('video/')) return 'video'
  return 'other'
}

/** One record of the re-created post: text with its facets, and the media it embeds. */
export interface PlannedPart {
  text: string
  facets: DetectedFacet[]
  images: MediaRef[]
  video: MediaRef | null
}

export interface PlannedPost {
  parts: PlannedPart[]
  langs: string[]
  labels: string[]
  /** Media that AT Protocol cannot embed (audio, documents): reported per item. */
  unsupported: MediaRef[]
  /** Why the post cannot be re-created at all (its text would be more than MAX_PARTS posts). */
  refused?: string
}

/** The text as posted: a content warning first (when no self-label can carry it), a poll's choices last. */
export function postText(post: PostRecord, labels: readonly string[]): string {
  let text = post.text ?? ''
  if (post.contentWarning && labels.length === 0) text = `CW: ${post.contentWarning}\n\n${text}`
  if (post.poll && post.poll.options.length > 0) text = `${text}\n\n${post.poll.options.map((o) => `☐ ${o.text}`).join('\n')}`
  return text.trim()
}

export function planPost(post: PostRecord, sensitive: (sha256: string) => boolean = () => false): PlannedPost {
  const media = post.media ?? []
  const images = media.filter((m) => mediaKind(m) === 'image')
  const videos = media.filter((m) => mediaKind(m) === 'video')
  const unsupported = [...media.filter((m) => mediaKind(m) === 'other'), ...videos.slice(1)]
  const labels = selfLabels(post.contentWarning, media.some((m) => sensitive(m.sha256)))
  const texts = splitText(postText(post, labels), MAX_GRAPHEMES, MAX_TEXT_BYTES, MAX_PARTS)
  if (texts.length > MAX_PARTS) {
    return { parts: [], langs: [], labels, unsupported: [], refused: `its text would be more than ${MAX_PARTS} posts of ${MAX_GRAPHEMES} graphemes` }
  }
  const parts: PlannedPart[] = texts.map((text) => ({ text, facets: detectFacets(text, post.mentions), images: [], video: null }))
  const imageGroups: MediaRef[][] = []
  for (let i = 0; i < images.length; i += MAX_IMAGES) imageGroups.push(images.slice(i, i + MAX_IMAGES))
  parts[0]!.images = imageGroups.shift() ?? []
  for (const group of imageGroups) parts.push({ text: '', facets: [], images: group, video: null })
  const video = videos[0]
  if (video) {
    if (parts[0]!.images.length === 0) parts[0]!.video = video
    else parts.push({ text: '', facets: [], images: [], video })
  }
  return { parts, langs: postLangs(post.langs), labels, unsupported }
}
