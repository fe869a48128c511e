// Domain operations shared by the endpoints and the seeder, so seeded data and data written through the API are the
// same records. Behaviour from upstream core services: NoteCreateService (mentions, hashtags, specified recipients),
// UserFollowingService (remote follows delivered to the followee's instance), UserBlockingService (a block removes
// follows both ways and list memberships), DriveService (md5, size, access keys).
import { createHash, randomUUID } from 'node:crypto'
import type { Instance } from './instance.js'
import type { DriveFileRecord, NoteRecord, PollRecord, UserRecord, Visibility } from './state.js'

export interface UserInput {
  username: string
  host?: string | null
  name?: string | null
  description?: string | null
  location?: string | null
  birthday?: string | null
  lang?: string | null
  fields?: { name: string; value: string }[]
  isBot?: boolean
  isCat?: boolean
  isLocked?: boolean
  isRoot?: boolean
  uri?: string | null
  url?: string | null
  createdAt?: number | Date
}

function ms(t: number | Date | undefined, inst: Instance): number {
  return t == null ? inst.state.now() : typeof t === 'number' ? t : t.getTime()
}

export function createUser(inst: Instance, input: UserInput): UserRecord {
  const user: UserRecord = {
    id: inst.state.newId(ms(input.createdAt, inst)),
    username: input.username,
    host: input.host ?? null,
    name: input.name ?? null,
    description: input.description ?? null,
    location: input.location ?? null,
    birthday: input.birthday ?? null,
    lang: input.lang ?? null,
    fields: input.fields ?? [],
    avatarId: null,
    bannerId: null,
    remoteAvatarUrl: null,
    remoteBannerUrl: null,
    isBot: input.isBot ?? false,
    isCat: input.isCat ?? false,
    isLocked: input.isLocked ?? false,
    isRoot: input.isRoot ?? false,
    isSuspended: false,
    updatedAt: null,
    lastFetchedAt: null,
    uri: input.uri ?? null,
    url: input.url ?? null,
    alsoKnownAs: null,
    movedToUri: null,
    movedAt: null,
    notesCount: 0,
    pinnedNoteIds: [],
    publicReactions: true,
    followingVisibility: 'public',
    followersVisibility: 'public',
    followedMessage: null,
  }
  inst.state.users.set(user.id, user)
  return user
}

const MENTION = /(?<![\w@])@([a-zA-Z0-9_]+)(?:@([a-zA-Z0-9.-]+(?::\d+)?))?/g
const HASHTAG = /(?<![\w#])#([^\s#.,!?'"()[\]{}<>]+)/g

/** Ids of mentioned users this instance knows (remote ones resolved through the directory when possible). */
export function extractMentions(inst: Instance, text: string | null): string[] {
  if (text == null) return []
  const ids = new Set<string>()
  for (const m of text.matchAll(MENTION)) {
    const host = m[2] == null || m[2] === inst.config.host ? null : m[2]
    const user = host == null ? inst.state.findUserByAcct(m[1]!, null) : (inst.state.findUserByAcct(m[1]!, host) ?? inst.federation.resolveRemoteUser(m[1]!, host))
    if (user != null) ids.add(user.id)
  }
  return [...ids]
}

/** Hashtags normalized as upstream normalizeForSearch (NFKC, lower case), in order, without duplicates. */
export function extractTags(text: string | null): string[] {
  if (text == null) return []
  return [...new Set([...text.matchAll(HASHTAG)].map((m) => m[1]!.normalize('NFKC').toLowerCase()))]
}

export interface NoteInput {
  text?: string | null
  cw?: string | null
  visibility?: Visibility
  visibleUserIds?: string[]
  localOnly?: boolean
  reactionAcceptance?: string | null
  replyId?: string | null
  renoteId?: string | null
  fileIds?: string[]
  poll?: { choices: string[]; multiple?: boolean; expiresAt?: number | null } | null
  createdAt?: number | Date
  uri?: string | null
  url?: string | null
}

export function createNote(inst: Instance, author: UserRecord, input: NoteInput): NoteRecord {
  const text = input.text ?? null
  const mentions = extractMentions(inst, text)
  const visibility = input.visibility ?? 'public'
  const visibleUserIds = visibility === 'specified' ? [...new Set([...(input.visibleUserIds ?? []), ...mentions])] : []
  const poll: PollRecord | null =
    input.poll == null ? null : { choices: input.poll.choices, multiple: input.poll.multiple ?? false, expiresAt: input.poll.expiresAt ?? null, votes: [] }
  const note: NoteRecord = {
    id: inst.state.newId(ms(input.createdAt, inst)),
    userId: author.id,
    text,
    cw: input.cw ?? null,
    visibility,
    visibleUserIds,
    localOnly: input.localOnly ?? false,
    reactionAcceptance: input.reactionAcceptance ?? null,
    replyId: input.replyId ?? null,
    renoteId: input.renoteId ?? null,
    fileIds: input.fileIds ?? [],
    poll,
    mentions,
    tags: extractTags(text),
    uri: input.uri ?? null,
    url: input.url ?? null,
  }
  inst.state.addNote(note)
  author.notesCount++
  return note
}

export function follow(inst: Instance, follower: UserRecord, followee: UserRecord, withReplies = false): void {
  inst.state.addFollowing({ id: inst.state.newId(), followerId: follower.id, followeeId: followee.id, withReplies, notify: 'none' })
  if (followee.host != null && follower.host == null) inst.federation.deliverFollow(follower, followee, false)
}

export function unfollow(inst: Instance, follower: UserRecord, followee: UserRecord): boolean {
  const removed = inst.state.removeFollowing(follower.id, followee.id)
  if (removed && followee.host != null && follower.host == null) inst.federation.deliverFollow(follower, followee, true)
  return removed
}

export function block(inst: Instance, blocker: UserRecord, blockee: UserRecord): void {
  unfollow(inst, blocker, blockee)
  unfollow(inst, blockee, blocker)
  const { state } = inst
  for (const [id, m] of state.memberships) {
    const list = state.lists.get(m.userListId)
    if ((list?.userId === blocker.id && m.userId === blockee.id) || (list?.userId === blockee.id && m.userId === blocker.id)) {
      state.memberships.delete(id)
    }
  }
  state.addBlocking({ id: state.newId(), blockerId: blocker.id, blockeeId: blockee.id })
}

/** Width and height of a PNG (from its IHDR chunk), the one image format whose size is read without a decoder. */
function imageProperties(type: string, bytes: Buffer): Record<string, unknown> {
  if (type === 'image/png' && bytes.length >= 24 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
  }
  return {}
}

export interface FileInput {
  name: string
  bytes: Buffer | Uint8Array | string
  type?: string
  comment?: string | null
  isSensitive?: boolean
  folderId?: string | null
  blurhash?: string | null
  properties?: Record<string, unknown>
  createdAt?: number | Date
}

export function createDriveFile(inst: Instance, owner: UserRecord, input: FileInput): DriveFileRecord {
  const bytes = Buffer.isBuffer(input.bytes) ? input.bytes : Buffer.from(input.bytes)
  const type = input.type ?? 'application/octet-stream'
  const file: DriveFileRecord = {
    id: inst.state.newId(ms(input.createdAt, inst)),
    userId: owner.id,
    name: input.name,
    type,
    md5: createHash('md5').update(bytes).digest('hex'),
    size: bytes.length,
    isSensitive: input.isSensitive ?? false,
    comment: input.comment ?? null,
    folderId: input.folderId ?? null,
    blurhash: input.blurhash ?? null,
    properties: input.properties ?? imageProperties(type, bytes),
    accessKey: randomUUID(),
    thumbnailAccessKey: type.startsWith('image/') ? randomUUID() : null,
    bytes,
  }
  inst.state.files.set(file.id, file)
  return file
}
