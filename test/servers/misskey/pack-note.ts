// Note packing as misskey packages/backend/src/core/entities/NoteEntityService.ts pack()/hideNote(), with the
// field order of the recordings (notes_show__*.json): optional keys (visibleUserIds, tags, mentions, hasPoll) appear
// only when set; detail adds clippedCount, reply (not detailed), renote (detailed), poll and myReaction; a note the
// viewer may not see comes back with isHidden: true, text/cw null and no files (notes_show__specified-as-carol.json).
import type { Instance } from './instance.js'
import { idToIso } from './ids.js'
import { packDriveFile } from './pack-drive.js'
import { packUserLite } from './pack-user.js'
import type { NoteRecord, UserRecord } from './state.js'

/** Upstream isVisibleForMe: specified needs author or addressee; followers needs author, follower, or mention/reply. */
export function isVisibleFor(inst: Instance, note: NoteRecord, me: UserRecord | null): boolean {
  if (note.visibility === 'specified') {
    return me != null && (me.id === note.userId || note.visibleUserIds.includes(me.id))
  }
  if (note.visibility === 'followers') {
    if (me == null) return false
    if (me.id === note.userId || note.mentions.includes(me.id)) return true
    const reply = note.replyId == null ? undefined : inst.state.notes.get(note.replyId)
    if (reply?.userId === me.id) return true
    return inst.state.isFollowing(me.id, note.userId)
  }
  return true
}

/**
 * Reaction counts keyed by reaction, in PostgreSQL jsonb key order (shorter UTF-8 key first, then bytewise): the
 * recorded {"🎉":1,"👍":1} lists 🎉 first although 👍 came first.
 */
export function reactionCounts(inst: Instance, noteId: string): Record<string, number> {
  const counts = new Map<string, number>()
  for (const r of inst.state.index().reactions.get(noteId) ?? []) counts.set(r.reaction, (counts.get(r.reaction) ?? 0) + 1)
  const keys = [...counts.keys()].sort((a, b) => {
    const x = Buffer.from(a)
    const y = Buffer.from(b)
    return x.length - y.length || Buffer.compare(x, y)
  })
  return Object.fromEntries(keys.map((k) => [k, counts.get(k)!]))
}

export function isPureRenote(note: NoteRecord): boolean {
  return note.renoteId != null && note.text == null && note.cw == null && note.fileIds.length === 0 && note.poll == null
}

function packPoll(note: NoteRecord, me: UserRecord | null): Record<string, unknown> | undefined {
  const poll = note.poll
  if (poll == null) return undefined
  return {
    multiple: poll.multiple,
    expiresAt: poll.expiresAt == null ? null : new Date(poll.expiresAt).toISOString(),
    choices: poll.choices.map((text, i) => ({
      text,
      votes: poll.votes.filter((v) => v.choice === i).length,
      isVoted: me != null && poll.votes.some((v) => v.choice === i && v.userId === me.id),
    })),
  }
}

export function packNote(
  inst: Instance,
  note: NoteRecord,
  me: UserRecord | null,
  opts: { detail?: boolean; depth?: number } = {},
): Record<string, unknown> {
  const { state } = inst
  const detail = opts.detail ?? true
  const depth = opts.depth ?? 0
  const author = state.users.get(note.userId)!
  const index = state.index()
  const reactions = reactionCounts(inst, note.id)
  const files = note.fileIds.map((id) => state.files.get(id)).filter((f) => f != null)
  const packed: Record<string, unknown> = {
    id: note.id,
    createdAt: idToIso(note.id),
    userId: note.userId,
    user: packUserLite(inst, author),
    text: note.text,
    cw: note.cw,
    visibility: note.visibility,
    localOnly: note.localOnly,
    reactionAcceptance: note.reactionAcceptance,
    ...(note.visibility === 'specified' ? { visibleUserIds: note.visibleUserIds } : {}),
    renoteCount: index.renotes.get(note.id) ?? 0,
    repliesCount: index.replies.get(note.id) ?? 0,
    reactionCount: Object.values(reactions).reduce((a, b) => a + b, 0),
    reactions,
    reactionEmojis: {},
    ...(note.tags.length > 0 ? { tags: note.tags } : {}),
    fileIds: files.map((f) => f.id),
    files: files.map((f) => packDriveFile(inst, f)),
    replyId: note.replyId,
    renoteId: note.renoteId,
    ...(note.mentions.length > 0 ? { mentions: note.mentions } : {}),
    ...(note.poll != null ? { hasPoll: true } : {}),
    ...(note.uri != null ? { uri: note.uri, url: note.url ?? note.uri } : {}),
  }
  if (detail) {
    packed.clippedCount = index.clipped.get(note.id) ?? 0
    const reply = note.replyId == null ? undefined : state.notes.get(note.replyId)
    if (reply != null && depth < 2) packed.reply = packNote(inst, reply, me, { detail: false, depth: depth + 1 })
    const renote = note.renoteId == null ? undefined : state.notes.get(note.renoteId)
    if (renote != null && depth < 2) packed.renote = packNote(inst, renote, me, { detail: true, depth: depth + 1 })
    const poll = packPoll(note, me)
    if (poll != null) packed.poll = poll
    if (me != null && Object.keys(reactions).length > 0) {
      const mine = index.reactions.get(note.id)?.find((r) => r.userId === me.id)
      if (mine != null) packed.myReaction = mine.reaction
    }
  }
  if (!isVisibleFor(inst, note, me)) {
    delete packed.visibleUserIds
    delete packed.poll
    Object.assign(packed, { fileIds: [], files: [], text: null, cw: null, isHidden: true })
  }
  return packed
}
