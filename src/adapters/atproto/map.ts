// Pure mapping from AT Protocol repo records to archive records (docs/archive-format.md §4). No I/O.
import { CID } from 'multiformats/cid'
import type { AccountRef, ListRecord, MediaRef, PostRecord, ProfileRecord, RelationRecord, SubjectRecord } from '../../archive/records.js'
import { cidSha256Hex } from '../../files/cid.js'

export const COLLECTIONS = {
  post: 'app.bsky.feed.post',
  like: 'app.bsky.feed.like',
  repost: 'app.bsky.feed.repost',
  follow: 'app.bsky.graph.follow',
  block: 'app.bsky.graph.block',
  list: 'app.bsky.graph.list',
  listItem: 'app.bsky.graph.listitem',
  profile: 'app.bsky.actor.profile',
} as const

/** DAG-CBOR values in their JSON ("lex JSON") form: CIDs as {$link}, bytes as {$bytes}. */
export function toLexJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  const asCid = CID.asCID(value)
  if (asCid) return { $link: asCid.toString() }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64').replace(/=+$/, '') }
  if (Array.isArray(value)) return value.map(toLexJson)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLexJson(v)]))
}

export function atUri(did: string, collection: string, rkey: string): string {
  return `at://${did}/${collection}/${rkey}`
}

function blobMedia(blob: unknown, alt?: string): MediaRef | null {
  const b = blob as { ref?: unknown; cid?: string; mimeType?: string } | undefined
  if (!b) return null
  const ref = CID.asCID(b.ref)?.toString() ?? (typeof b.cid === 'string' ? b.cid : undefined)
  const sha256 = ref ? cidSha256Hex(ref) : undefined
  if (!sha256) return null
  return { sha256, mime: b.mimeType, ...(alt ? { alt } : {}) }
}

type Lex = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function embedParts(embed: Lex | undefined, post: PostRecord): void {
  if (!embed) return
  switch (embed.$type) {
    case 'app.bsky.embed.images':
      for (const image of embed.images ?? []) {
        const ref = blobMedia(image.image, image.alt)
        if (ref) post.media!.push(ref)
      }
      break
    case 'app.bsky.embed.video': {
      const ref = blobMedia(embed.video, embed.alt)
      if (ref) post.media!.push(ref)
      break
    }
    case 'app.bsky.embed.external':
      post.external = { uri: embed.external?.uri, title: embed.external?.title, description: embed.external?.description }
      break
    case 'app.bsky.embed.record':
      post.quoteOf = embed.record?.uri ?? null
      break
    case 'app.bsky.embed.recordWithMedia':
      post.quoteOf = embed.record?.record?.uri ?? null
      embedParts(embed.media, post)
      break
  }
}

export function mapPost(did: string, rkey: string, cid: string, record: Lex): PostRecord {
  const post: PostRecord = {
    id: atUri(did, COLLECTIONS.post, rkey),
    cid,
    createdAt: record.createdAt,
    text: record.text ?? '',
    visibility: 'public',
    langs: record.langs ?? [],
    replyTo: record.reply ? { id: record.reply.parent?.uri, root: record.reply.root?.uri } : null,
    quoteOf: null,
    repostOf: null,
    mentions: [],
    tags: [...(record.tags ?? [])],
    links: [],
    media: [],
    external: null,
    native: toLexJson(record),
  }
  for (const facet of record.facets ?? []) {
    for (const feature of facet.features ?? []) {
      if (feature.$type === 'app.bsky.richtext.facet#mention') post.mentions!.push({ id: feature.did })
      else if (feature.$type === 'app.bsky.richtext.facet#link') post.links!.push(feature.uri)
      else if (feature.$type === 'app.bsky.richtext.facet#tag') post.tags!.push(feature.tag)
    }
  }
  embedParts(record.embed, post)
  if (post.external && !post.links!.includes(post.external.uri)) post.links!.push(post.external.uri)
  return post
}

export function mapSubject(did: string, collection: string, rkey: string, record: Lex): SubjectRecord {
  return { subject: record.subject?.uri ?? '', createdAt: record.createdAt ?? null, native: { uri: atUri(did, collection, rkey), cid: record.subject?.cid } }
}

export function mapRelation(did: string, collection: string, rkey: string, record: Lex): RelationRecord {
  const account: AccountRef = { id: record.subject }
  return { account, createdAt: record.createdAt ?? null, native: { uri: atUri(did, collection, rkey) } }
}

export function mapList(did: string, rkey: string, record: Lex): ListRecord {
  return {
    id: atUri(did, COLLECTIONS.list, rkey),
    name: record.name ?? '',
    description: record.description ?? null,
    purpose: typeof record.purpose === 'string' ? record.purpose.replace('app.bsky.graph.defs#', '') : null,
    members: [],
    native: toLexJson(record),
  }
}

export function mapProfile(account: AccountRef, record: Lex | null): ProfileRecord {
  return {
    account,
    displayName: record?.displayName ?? null,
    description: record?.description ?? null,
    fields: [],
    avatar: record ? blobMedia(record.avatar) : null,
    banner: record ? blobMedia(record.banner) : null,
    aliases: [],
    native: record ? toLexJson(record) : null,
  }
}
