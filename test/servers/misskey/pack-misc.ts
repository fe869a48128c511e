// Packing of relation and collection records, each as recorded:
// Following (users_following__limit100.json: followee is UserDetailed with relation flags), Blocking
// (blocking_list__limit100.json), Muting with expiresAt (mute_list__limit100.json), RenoteMuting
// (renote-mute_list__limit100.json), UserList with userIds (users_lists_show__friends.json), list membership
// (users_lists_get-memberships__friends.json), Clip (clips_show__public.json), Antenna (antennas_show__keyword.json),
// NoteFavorite (i_favorites__limit100.json), NoteReaction (users_reactions__alice-self.json, notes_reactions__*).
import type { Instance } from './instance.js'
import { idToIso } from './ids.js'
import { packNote } from './pack-note.js'
import { packUserDetailed, packUserLite } from './pack-user.js'
import type {
  AntennaRecord,
  BlockingRecord,
  ClipRecord,
  FavoriteRecord,
  FollowingRecord,
  ListMembershipRecord,
  MutingRecord,
  ReactionRecord,
  RenoteMutingRecord,
  UserListRecord,
  UserRecord,
} from './state.js'

type Me = UserRecord | null

function user(inst: Instance, id: string): UserRecord {
  return inst.state.users.get(id)!
}

export function packFollowing(inst: Instance, f: FollowingRecord, me: Me, side: 'followee' | 'follower'): Record<string, unknown> {
  const base = { id: f.id, createdAt: idToIso(f.id), followeeId: f.followeeId, followerId: f.followerId }
  const other = side === 'followee' ? f.followeeId : f.followerId
  return { ...base, [side]: packUserDetailed(inst, user(inst, other), me) }
}

export function packBlocking(inst: Instance, b: BlockingRecord, me: Me): Record<string, unknown> {
  return { id: b.id, createdAt: idToIso(b.id), blockeeId: b.blockeeId, blockee: packUserDetailed(inst, user(inst, b.blockeeId), me) }
}

export function packMuting(inst: Instance, m: MutingRecord, me: Me): Record<string, unknown> {
  return {
    id: m.id,
    createdAt: idToIso(m.id),
    expiresAt: m.expiresAt == null ? null : new Date(m.expiresAt).toISOString(),
    muteeId: m.muteeId,
    mutee: packUserDetailed(inst, user(inst, m.muteeId), me),
  }
}

export function packRenoteMuting(inst: Instance, m: RenoteMutingRecord, me: Me): Record<string, unknown> {
  return { id: m.id, createdAt: idToIso(m.id), muteeId: m.muteeId, mutee: packUserDetailed(inst, user(inst, m.muteeId), me) }
}

export function listUserIds(inst: Instance, list: UserListRecord): string[] {
  return [...inst.state.memberships.values()].filter((m) => m.userListId === list.id).map((m) => m.userId)
}

export function packUserList(inst: Instance, list: UserListRecord): Record<string, unknown> {
  return { id: list.id, createdAt: idToIso(list.id), name: list.name, userIds: listUserIds(inst, list), isPublic: list.isPublic }
}

export function packMembership(inst: Instance, m: ListMembershipRecord): Record<string, unknown> {
  return { id: m.id, createdAt: idToIso(m.id), userId: m.userId, user: packUserLite(inst, user(inst, m.userId)), withReplies: m.withReplies }
}

export function packClip(inst: Instance, clip: ClipRecord, me: Me): Record<string, unknown> {
  return {
    id: clip.id,
    createdAt: idToIso(clip.id),
    lastClippedAt: clip.lastClippedAt == null ? null : new Date(clip.lastClippedAt).toISOString(),
    userId: clip.userId,
    user: packUserLite(inst, user(inst, clip.userId)),
    name: clip.name,
    description: clip.description,
    isPublic: clip.isPublic,
    favoritedCount: 0,
    isFavorited: me == null ? undefined : false,
    notesCount: [...inst.state.clipNotes.values()].filter((c) => c.clipId === clip.id).length,
  }
}

export function packAntenna(a: AntennaRecord): Record<string, unknown> {
  return {
    id: a.id,
    createdAt: idToIso(a.id),
    name: a.name,
    keywords: a.keywords,
    excludeKeywords: a.excludeKeywords,
    src: a.src,
    userListId: a.userListId,
    users: a.users,
    caseSensitive: a.caseSensitive,
    localOnly: a.localOnly,
    excludeBots: a.excludeBots,
    withReplies: a.withReplies,
    withFile: a.withFile,
    excludeNotesInSensitiveChannel: a.excludeNotesInSensitiveChannel,
    isActive: a.isActive,
    hasUnreadNote: false,
    notify: a.notify,
  }
}

export function packFavorite(inst: Instance, f: FavoriteRecord, me: Me): Record<string, unknown> {
  return { id: f.id, createdAt: idToIso(f.id), noteId: f.noteId, note: packNote(inst, inst.state.notes.get(f.noteId)!, me) }
}

/** users/reactions items carry the note; notes/reactions items do not. */
export function packReaction(inst: Instance, r: ReactionRecord, me: Me, withNote: boolean): Record<string, unknown> {
  return {
    id: r.id,
    createdAt: idToIso(r.id),
    user: packUserLite(inst, user(inst, r.userId)),
    type: r.reaction,
    ...(withNote ? { note: packNote(inst, inst.state.notes.get(r.noteId)!, me) } : {}),
  }
}
