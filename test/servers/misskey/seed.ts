// The seeding API: builds the same records the endpoints write, without HTTP and without rate limits, so tests can
// set up any account (the fixture scenario or benchmark-sized ones) in microseconds. Every method accepts
// `createdAt` where upstream ids carry time, so seeded history sorts and pages like real history.
import { randomBytes } from 'node:crypto'
import type { Instance } from './instance.js'
import { localUserUri, parseAcct } from './instance.js'
import type { FileInput, NoteInput, UserInput } from './ops.js'
import { block, createDriveFile, createNote, createUser, follow } from './ops.js'
import type { AntennaRecord, ClipRecord, DriveFileRecord, DriveFolderRecord, NoteRecord, UserListRecord, UserRecord } from './state.js'

/** Every permission a MiAuth token can hold (miauth_gen-token__all-permissions.json). */
export const ALL_PERMISSIONS = [
  'read:account', 'write:account', 'read:blocks', 'write:blocks', 'read:drive', 'write:drive', 'read:favorites',
  'write:favorites', 'read:following', 'write:following', 'read:mutes', 'write:mutes', 'write:notes',
  'read:notifications', 'write:notifications', 'read:reactions', 'write:reactions', 'write:votes', 'read:pages',
  'write:pages', 'read:page-likes', 'write:page-likes', 'read:channels', 'write:channels', 'read:gallery',
  'write:gallery', 'read:gallery-likes', 'write:gallery-likes', 'read:flash', 'write:flash', 'read:flash-likes',
  'write:flash-likes', 'read:clip-favorite', 'write:clip-favorite',
]

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function randomToken(length: number): string {
  return [...randomBytes(length)].map((b) => TOKEN_CHARS[b % TOKEN_CHARS.length]).join('')
}

export interface ProfileInput {
  name?: string | null
  description?: string | null
  location?: string | null
  birthday?: string | null
  lang?: string | null
  fields?: { name: string; value: string }[]
  avatar?: DriveFileRecord | null
  banner?: DriveFileRecord | null
  isBot?: boolean
  isCat?: boolean
  isLocked?: boolean
  /** Accounts as `@user@host` accts or AP URIs, stored as URIs like i/update does. */
  alsoKnownAs?: string[] | null
  followingVisibility?: UserRecord['followingVisibility']
  followersVisibility?: UserRecord['followersVisibility']
}

export type AntennaInput = Partial<Omit<AntennaRecord, 'id' | 'userId'>> & { name: string; createdAt?: number | Date }

export class MisskeySeeder {
  constructor(private readonly inst: Instance) {}

  private at(t: number | Date | undefined): number {
    return t == null ? this.inst.state.now() : typeof t === 'number' ? t : t.getTime()
  }

  user(input: UserInput): UserRecord {
    return createUser(this.inst, input)
  }

  /** A token for `user`: `native` (16 chars, the web session) or `app` (32 chars, MiAuth-like; all permissions unless given). */
  token(user: UserRecord, kind: 'native' | 'app' = 'native', permissions: string[] = ALL_PERMISSIONS, token?: string): string {
    const value = token ?? randomToken(kind === 'native' ? 16 : 32)
    this.inst.state.tokens.set(value, { token: value, userId: user.id, kind, permissions: kind === 'native' ? [] : permissions })
    return value
  }

  profile(user: UserRecord, input: ProfileInput): UserRecord {
    const { avatar, banner, alsoKnownAs, ...rest } = input
    Object.assign(user, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)))
    if (avatar !== undefined) user.avatarId = avatar?.id ?? null
    if (banner !== undefined) user.bannerId = banner?.id ?? null
    if (alsoKnownAs !== undefined) user.alsoKnownAs = alsoKnownAs == null ? null : alsoKnownAs.map((a) => this.aliasUri(a))
    user.updatedAt = this.inst.state.now()
    return user
  }

  private aliasUri(alias: string): string {
    if (/^https?:\/\//.test(alias)) return alias
    const { username, host } = parseAcct(alias)
    const local = host == null || host === this.inst.config.host
    const target = local ? this.inst.state.findUserByAcct(username, null) : this.inst.federation.resolveRemoteUser(username, host)
    if (target == null) throw new Error(`seed: cannot resolve alias ${alias}`)
    return localUserUri(this.inst, target)
  }

  folder(owner: UserRecord, name: string, parent?: DriveFolderRecord, createdAt?: number | Date): DriveFolderRecord {
    const folder = { id: this.inst.state.newId(this.at(createdAt)), userId: owner.id, name, parentId: parent?.id ?? null }
    this.inst.state.folders.set(folder.id, folder)
    return folder
  }

  file(owner: UserRecord, input: FileInput): DriveFileRecord {
    return createDriveFile(this.inst, owner, input)
  }

  note(author: UserRecord, input: NoteInput): NoteRecord {
    return createNote(this.inst, author, input)
  }

  /** Removes a note as notes/delete does; the author's notesCount stays, as recorded. */
  deleteNote(note: NoteRecord): void {
    this.inst.state.deleteNote(note.id)
  }

  vote(user: UserRecord, note: NoteRecord, choice: number): void {
    note.poll?.votes.push({ id: this.inst.state.newId(), userId: user.id, choice })
  }

  react(user: UserRecord, note: NoteRecord, reaction: string): void {
    this.inst.state.addReaction({ id: this.inst.state.newId(), userId: user.id, noteId: note.id, reaction })
  }

  pin(user: UserRecord, note: NoteRecord): void {
    if (!user.pinnedNoteIds.includes(note.id)) user.pinnedNoteIds.unshift(note.id)
  }

  /** follower → followee; a mirrored remote followee also gets the follower on its home instance. */
  follow(follower: UserRecord, followee: UserRecord, withReplies = false): void {
    if (!this.inst.state.isFollowing(follower.id, followee.id)) follow(this.inst, follower, followee, withReplies)
  }

  block(blocker: UserRecord, blockee: UserRecord): void {
    block(this.inst, blocker, blockee)
  }

  mute(muter: UserRecord, mutee: UserRecord, expiresAt: number | null = null): void {
    this.inst.state.addMuting({ id: this.inst.state.newId(), muterId: muter.id, muteeId: mutee.id, expiresAt })
  }

  renoteMute(muter: UserRecord, mutee: UserRecord): void {
    this.inst.state.addRenoteMuting({ id: this.inst.state.newId(), muterId: muter.id, muteeId: mutee.id })
  }

  list(owner: UserRecord, name: string, members: UserRecord[] = [], isPublic = false): UserListRecord {
    const list = { id: this.inst.state.newId(), userId: owner.id, name, isPublic }
    this.inst.state.lists.set(list.id, list)
    for (const member of members) this.addToList(list, member)
    return list
  }

  addToList(list: UserListRecord, member: UserRecord, withReplies = false): void {
    const id = this.inst.state.newId()
    this.inst.state.memberships.set(id, { id, userListId: list.id, userId: member.id, withReplies })
  }

  antenna(owner: UserRecord, input: AntennaInput): AntennaRecord {
    const antenna: AntennaRecord = {
      src: 'all',
      userListId: null,
      keywords: [],
      excludeKeywords: [],
      users: [],
      caseSensitive: false,
      localOnly: false,
      excludeBots: false,
      withReplies: false,
      withFile: false,
      excludeNotesInSensitiveChannel: false,
      isActive: true,
      notify: false,
      ...input,
      id: this.inst.state.newId(this.at(input.createdAt)),
      userId: owner.id,
    }
    delete (antenna as { createdAt?: unknown }).createdAt
    this.inst.state.antennas.set(antenna.id, antenna)
    return antenna
  }

  clip(owner: UserRecord, name: string, opts: { description?: string | null; isPublic?: boolean; notes?: NoteRecord[] } = {}): ClipRecord {
    const clip = { id: this.inst.state.newId(), userId: owner.id, name, description: opts.description ?? null, isPublic: opts.isPublic ?? false, lastClippedAt: null }
    this.inst.state.clips.set(clip.id, clip)
    for (const note of opts.notes ?? []) this.clipNote(clip, note)
    return clip
  }

  clipNote(clip: ClipRecord, note: NoteRecord): void {
    this.inst.state.addClipNote({ id: this.inst.state.newId(), clipId: clip.id, noteId: note.id })
    clip.lastClippedAt = this.inst.state.now()
  }

  favorite(user: UserRecord, note: NoteRecord): void {
    const id = this.inst.state.newId()
    this.inst.state.favorites.set(id, { id, userId: user.id, noteId: note.id })
  }
}
