// The in-memory database of one fake Misskey instance. Records mirror upstream entities (packages/backend/src/models/*.ts)
// closely enough that the packers in pack-*.ts can reproduce the recorded JSON shapes. No HTTP here.
import type { IdGenerator } from './ids.js'
import { idToTime } from './ids.js'

export type Visibility = 'public' | 'home' | 'followers' | 'specified'
export type FfVisibility = 'public' | 'followers' | 'private'
export type MisskeyVersion = '2025.7.0' | '2025.11.1'

export interface UserRecord {
  id: string
  username: string
  /** null for local users; the other instance's host for mirrored remote users. */
  host: string | null
  name: string | null
  description: string | null
  location: string | null
  birthday: string | null
  lang: string | null
  fields: { name: string; value: string }[]
  avatarId: string | null
  bannerId: string | null
  /** Remote users only: the avatar/banner URLs copied from their home instance. */
  remoteAvatarUrl: string | null
  remoteBannerUrl: string | null
  isBot: boolean
  isCat: boolean
  isLocked: boolean
  isRoot: boolean
  isSuspended: boolean
  updatedAt: number | null
  lastFetchedAt: number | null
  /** ActivityPub id; null for local users (upstream stores none and derives `${url}/users/${id}`). */
  uri: string | null
  /** Profile page URL; null for local users, as recorded. */
  url: string | null
  /** ActivityPub URIs, as upstream stores them; packed as user ids (i_update__alsoKnownAs-local-user.json). */
  alsoKnownAs: string[] | null
  movedToUri: string | null
  movedAt: number | null
  /** Incremented by note creation and not decremented by deletion, as recorded (README "Counts"). */
  notesCount: number
  pinnedNoteIds: string[]
  publicReactions: boolean
  followingVisibility: FfVisibility
  followersVisibility: FfVisibility
  followedMessage: string | null
}

export interface PollVote { id: string; userId: string; choice: number }
export interface PollRecord { choices: string[]; multiple: boolean; expiresAt: number | null; votes: PollVote[] }

export interface NoteRecord {
  id: string
  userId: string
  text: string | null
  cw: string | null
  visibility: Visibility
  visibleUserIds: string[]
  localOnly: boolean
  reactionAcceptance: string | null
  replyId: string | null
  renoteId: string | null
  fileIds: string[]
  poll: PollRecord | null
  /** User ids mentioned in the text. */
  mentions: string[]
  /** Normalized (lower-cased) hashtags, as `tags` in notes_show__mentions-hashtags-reactions.json. */
  tags: string[]
  uri: string | null
  url: string | null
}

export interface ReactionRecord { id: string; userId: string; noteId: string; reaction: string }

export interface DriveFileRecord {
  id: string
  userId: string
  name: string
  type: string
  md5: string
  size: number
  isSensitive: boolean
  comment: string | null
  folderId: string | null
  blurhash: string | null
  properties: Record<string, unknown>
  /** The uuid in `/files/<accessKey>`. */
  accessKey: string
  /** The uuid in `/files/thumbnail-<key>`; null for non-images, as for export files. */
  thumbnailAccessKey: string | null
  bytes: Buffer
}

export interface DriveFolderRecord { id: string; userId: string; name: string; parentId: string | null }
export interface FollowingRecord { id: string; followerId: string; followeeId: string; withReplies: boolean; notify: 'normal' | 'none' }
export interface BlockingRecord { id: string; blockerId: string; blockeeId: string }
export interface MutingRecord { id: string; muterId: string; muteeId: string; expiresAt: number | null }
export interface RenoteMutingRecord { id: string; muterId: string; muteeId: string }
export interface UserListRecord { id: string; userId: string; name: string; isPublic: boolean }
export interface ListMembershipRecord { id: string; userListId: string; userId: string; withReplies: boolean }
export interface ClipRecord {
  id: string; userId: string; name: string; description: string | null; isPublic: boolean; lastClippedAt: number | null
}
export interface ClipNoteRecord { id: string; clipId: string; noteId: string }
export interface FavoriteRecord { id: string; userId: string; noteId: string }

export interface AntennaRecord {
  id: string
  userId: string
  name: string
  src: 'home' | 'all' | 'users' | 'list' | 'users_blacklist'
  userListId: string | null
  keywords: string[][]
  excludeKeywords: string[][]
  users: string[]
  caseSensitive: boolean
  localOnly: boolean
  excludeBots: boolean
  withReplies: boolean
  withFile: boolean
  excludeNotesInSensitiveChannel: boolean
  isActive: boolean
  notify: boolean
}

/** `native` is the 16-char web-session token (isSecure upstream); `app` is a MiAuth / legacy / API-console token. */
export type TokenKind = 'native' | 'app'
export interface TokenRecord { token: string; userId: string; kind: TokenKind; permissions: string[] }

export interface NotificationRecord { id: string; notifieeId: string; type: string; body: Record<string, unknown> }

export interface NoteIndex {
  renotes: Map<string, number>
  replies: Map<string, number>
  clipped: Map<string, number>
  reactions: Map<string, ReactionRecord[]>
}

function pairKey(a: string, b: string): string {
  return `${a}>${b}`
}

/** All records of one instance, with the few indexes the endpoints need to stay fast at benchmark sizes. */
export class MisskeyState {
  readonly users = new Map<string, UserRecord>()
  readonly notes = new Map<string, NoteRecord>()
  readonly reactions = new Map<string, ReactionRecord>()
  readonly files = new Map<string, DriveFileRecord>()
  readonly folders = new Map<string, DriveFolderRecord>()
  readonly followings = new Map<string, FollowingRecord>()
  readonly blockings = new Map<string, BlockingRecord>()
  readonly mutings = new Map<string, MutingRecord>()
  readonly renoteMutings = new Map<string, RenoteMutingRecord>()
  readonly lists = new Map<string, UserListRecord>()
  readonly memberships = new Map<string, ListMembershipRecord>()
  readonly antennas = new Map<string, AntennaRecord>()
  readonly clips = new Map<string, ClipRecord>()
  readonly clipNotes = new Map<string, ClipNoteRecord>()
  readonly favorites = new Map<string, FavoriteRecord>()
  readonly tokens = new Map<string, TokenRecord>()
  readonly notifications = new Map<string, NotificationRecord>()
  /** MiAuth session id → the token miauth/gen-token issued for it; removed by the first check. */
  readonly miauthSessions = new Map<string, string>()
  private readonly followPairs = new Map<string, string>()
  private readonly blockPairs = new Map<string, string>()
  private readonly mutePairs = new Map<string, string>()
  private readonly renoteMutePairs = new Map<string, string>()
  private noteIndex: NoteIndex | undefined
  private readonly followerCounts = new Map<string, number>()
  private readonly followeeCounts = new Map<string, number>()

  constructor(
    readonly ids: IdGenerator,
    readonly now: () => number,
  ) {}

  newId(at?: number): string {
    return this.ids.gen(at ?? this.now())
  }

  findUserByAcct(username: string, host: string | null): UserRecord | undefined {
    const lower = username.toLowerCase()
    for (const user of this.users.values()) {
      if (user.username.toLowerCase() === lower && user.host === host) return user
    }
    return undefined
  }

  findUserByUri(uri: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.uri === uri) return user
    return undefined
  }

  addFollowing(rec: FollowingRecord): void {
    this.followings.set(rec.id, rec)
    this.followPairs.set(pairKey(rec.followerId, rec.followeeId), rec.id)
    this.followerCounts.set(rec.followeeId, (this.followerCounts.get(rec.followeeId) ?? 0) + 1)
    this.followeeCounts.set(rec.followerId, (this.followeeCounts.get(rec.followerId) ?? 0) + 1)
  }

  getFollowing(followerId: string, followeeId: string): FollowingRecord | undefined {
    const id = this.followPairs.get(pairKey(followerId, followeeId))
    return id == null ? undefined : this.followings.get(id)
  }

  removeFollowing(followerId: string, followeeId: string): boolean {
    const id = this.followPairs.get(pairKey(followerId, followeeId))
    if (id == null) return false
    this.followPairs.delete(pairKey(followerId, followeeId))
    this.followings.delete(id)
    this.followerCounts.set(followeeId, (this.followerCounts.get(followeeId) ?? 1) - 1)
    this.followeeCounts.set(followerId, (this.followeeCounts.get(followerId) ?? 1) - 1)
    return true
  }

  isFollowing(followerId: string, followeeId: string): boolean {
    return this.followPairs.has(pairKey(followerId, followeeId))
  }

  addBlocking(rec: BlockingRecord): void {
    this.blockings.set(rec.id, rec)
    this.blockPairs.set(pairKey(rec.blockerId, rec.blockeeId), rec.id)
  }

  isBlocking(blockerId: string, blockeeId: string): boolean {
    return this.blockPairs.has(pairKey(blockerId, blockeeId))
  }

  addMuting(rec: MutingRecord): void {
    this.mutings.set(rec.id, rec)
    this.mutePairs.set(pairKey(rec.muterId, rec.muteeId), rec.id)
  }

  isMuting(muterId: string, muteeId: string): boolean {
    const id = this.mutePairs.get(pairKey(muterId, muteeId))
    if (id == null) return false
    const rec = this.mutings.get(id)
    return rec != null && (rec.expiresAt == null || rec.expiresAt > this.now())
  }

  addRenoteMuting(rec: RenoteMutingRecord): void {
    this.renoteMutings.set(rec.id, rec)
    this.renoteMutePairs.set(pairKey(rec.muterId, rec.muteeId), rec.id)
  }

  isRenoteMuting(muterId: string, muteeId: string): boolean {
    return this.renoteMutePairs.has(pairKey(muterId, muteeId))
  }

  followersCount(userId: string): number {
    return this.followerCounts.get(userId) ?? 0
  }

  followingCount(userId: string): number {
    return this.followeeCounts.get(userId) ?? 0
  }

  addNote(note: NoteRecord): void {
    this.notes.set(note.id, note)
    this.touch()
  }

  addReaction(rec: ReactionRecord): void {
    this.reactions.set(rec.id, rec)
    this.touch()
  }

  addClipNote(rec: ClipNoteRecord): void {
    this.clipNotes.set(rec.id, rec)
    this.touch()
  }

  /** Invalidates the per-note counters; every mutation of notes, reactions or clip notes must call it. */
  touch(): void {
    this.noteIndex = undefined
  }

  /** renoteCount, repliesCount, clippedCount and reactions per note, rebuilt after a mutation. */
  index(): NoteIndex {
    if (this.noteIndex != null) return this.noteIndex
    const idx: NoteIndex = { renotes: new Map(), replies: new Map(), clipped: new Map(), reactions: new Map() }
    const bump = (m: Map<string, number>, k: string | null): void => {
      if (k != null) m.set(k, (m.get(k) ?? 0) + 1)
    }
    for (const n of this.notes.values()) {
      bump(idx.renotes, n.renoteId)
      bump(idx.replies, n.replyId)
    }
    for (const c of this.clipNotes.values()) bump(idx.clipped, c.noteId)
    for (const r of this.reactions.values()) {
      const list = idx.reactions.get(r.noteId) ?? []
      list.push(r)
      idx.reactions.set(r.noteId, list)
    }
    this.noteIndex = idx
    return idx
  }

  deleteNote(noteId: string): void {
    this.touch()
    this.notes.delete(noteId)
    for (const [id, r] of this.reactions) if (r.noteId === noteId) this.reactions.delete(id)
    for (const [id, c] of this.clipNotes) if (c.noteId === noteId) this.clipNotes.delete(id)
    for (const [id, f] of this.favorites) if (f.noteId === noteId) this.favorites.delete(id)
    for (const user of this.users.values()) user.pinnedNoteIds = user.pinnedNoteIds.filter((id) => id !== noteId)
  }

  createdAt(id: string): number {
    return idToTime(id)
  }
}
