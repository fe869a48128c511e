// Record shapes of archive format v1 (docs/archive-format.md §4). Plain JSON: no classes, no Dates.
import type { Network } from './format.js'

/** §4.1: how an archive names an account. */
export interface AccountRef {
  id: string
  handle?: string
  url?: string
  displayName?: string
}

export interface MediaRef {
  sha256: string
  mime?: string
  alt?: string
}

export interface ProfileRecord {
  account: AccountRef
  displayName?: string | null
  description?: string | null
  fields?: { name: string; value: string }[]
  avatar?: MediaRef | null
  banner?: MediaRef | null
  aliases?: string[]
  locked?: boolean
  bot?: boolean
  native?: unknown
}

export type Visibility = 'public' | 'unlisted' | 'followers' | 'direct' | 'specified'

export interface PollRecord {
  options: { text: string; votes: number | null }[]
  multiple: boolean
  expiresAt: string | null
  voted?: number[]
}

export interface PostRecord {
  id: string
  cid?: string
  uri?: string | null
  url?: string | null
  createdAt: string
  text: string
  html?: string | null
  contentWarning?: string | null
  visibility?: Visibility
  localOnly?: boolean
  langs?: string[]
  replyTo?: { id: string; root?: string } | null
  quoteOf?: string | null
  repostOf?: string | null
  mentions?: AccountRef[]
  tags?: string[]
  links?: string[]
  media?: MediaRef[]
  external?: { uri: string; title?: string; description?: string } | null
  poll?: PollRecord | null
  reactions?: Record<string, number> | null
  pinned?: boolean
  edits?: { createdAt: string; text: string; contentWarning?: string | null }[]
  /** Set when the source says the post was deleted (X's deleted-tweets.js): kept for the record, not re-created. */
  deletedAt?: string | null
  native?: unknown
}

/** §4.4: following, followers, blocks, mutes, renote-mutes. */
export interface RelationRecord {
  account: AccountRef
  createdAt?: string | null
  showReposts?: boolean | null
  notify?: boolean | null
  languages?: string[] | null
  hideNotifications?: boolean | null
  expiresAt?: string | null
  native?: unknown
}

export interface DomainBlockRecord {
  domain: string
}

export interface ListRecord {
  id: string
  name: string
  description?: string | null
  purpose?: string | null
  members: AccountRef[]
  native?: unknown
}

/** §4.7: bookmarks, likes, reposts. */
export interface SubjectRecord {
  subject: string
  url?: string | null
  createdAt?: string | null
  native?: unknown
}

/** §4.8: antennas, clips, filters, featured tags, endorsements. */
export interface NamedRecord {
  id: string
  name: string
  notes?: string[]
  native?: unknown
}

export interface RoomRecord {
  id: string
  name?: string | null
  topic?: string | null
  canonicalAlias?: string | null
  membership: string
  encrypted: boolean
  isDirect: boolean
  directWith: string[]
  via: string[]
  tags: Record<string, unknown>
  state: unknown[]
  counts: { events: number; undecryptable: number; media: number }
  error: string | null
}

export interface EventRecord {
  roomId: string
  event: Record<string, unknown>
  decrypted: Record<string, unknown> | null
  media: { sha256: string; mxc: string }[]
}

export interface AccountDataRecord {
  type: string
  roomId: string | null
  content: unknown
}

/** §4.10 */
export interface MediaRecord {
  sha256: string
  size: number
  mime?: string
  name?: string | null
  alt?: string | null
  sensitive?: boolean
  folder?: string | null
  source: { url?: string | null; cid?: string | null; id?: string | null; mxc?: string | null }
  attachedTo?: string[]
  native?: unknown
}

export interface RecordsByKind {
  posts: PostRecord
  following: RelationRecord
  followers: RelationRecord
  blocks: RelationRecord
  mutes: RelationRecord
  'renote-mutes': RelationRecord
  'domain-blocks': DomainBlockRecord
  lists: ListRecord
  bookmarks: SubjectRecord
  likes: SubjectRecord
  reposts: SubjectRecord
  antennas: NamedRecord
  clips: NamedRecord
  filters: NamedRecord
  'featured-tags': NamedRecord
  endorsements: AccountRef
  rooms: RoomRecord
  events: EventRecord
  'account-data': AccountDataRecord
  media: MediaRecord
}

export interface ManifestMember {
  sha256: string
  size: number
}

/** §5 */
export interface Manifest {
  format: string
  version: number
  tool: { name: string; version: string }
  createdAt: string
  source: { network: Network; server: string | null; account: AccountRef }
  since: { archive: string; cursor?: unknown } | null
  counts: Partial<Record<string, number>>
  members: Record<string, ManifestMember>
  notes: string[]
}
