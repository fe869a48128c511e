// Pure mapping of Misskey API objects onto archive records (docs/archive-format.md §4). Every record keeps the
// native object beside the normalised fields, so nothing Misskey-specific (reaction emoji, antenna rules,
// membership settings) is lost to normalisation.
import type {
  AccountRef,
  ListRecord,
  MediaRecord,
  MediaRef,
  NamedRecord,
  PostRecord,
  ProfileRecord,
  RelationRecord,
  SubjectRecord,
  Visibility,
} from '../../archive/records.js'
import type { Antenna, Clip, DriveFile, MeDetailed, Note, NoteFavorite, NoteReaction, UserList } from './api.js'
import type { MisskeyServerInfo } from './session.js'

/** The ActivityPub id of a note: its stored `uri` (remote notes) or `<server>/notes/<id>` (local ones). */
export function noteUri(server: MisskeyServerInfo, note: Pick<Note, 'id' | 'uri'>): string {
  return note.uri ?? `${server.uri}/notes/${note.id}`
}

/** The web page of a note. */
export function noteUrl(server: MisskeyServerInfo, note: Pick<Note, 'id' | 'uri' | 'url'>): string {
  return note.url ?? note.uri ?? `${server.uri}/notes/${note.id}`
}

/** Misskey `home` is Mastodon's unlisted; `specified` (named users only) keeps its own name (§4.3). */
const VISIBILITY: Record<Note['visibility'], Visibility> = { public: 'public', home: 'unlisted', followers: 'followers', specified: 'specified' }

const URL_RE = /https?:\/\/[^\s<>"'`]+/g

function links(text: string | null): string[] {
  if (!text) return []
  return [...new Set([...text.matchAll(URL_RE)].map((m) => m[0].replace(/[).,!?:;\]」』】]+$/, '')))]
}

/** Related notes by id: the embedded copy (remote notes carry their URI) or the id on this server. */
function relatedUri(server: MisskeyServerInfo, id: string | null | undefined, embedded: Note | null | undefined): string | null {
  if (!id) return null
  return embedded && embedded.id === id ? noteUri(server, embedded) : `${server.uri}/notes/${id}`
}

function isPureRenote(note: Note): boolean {
  return Boolean(note.renoteId) && note.text === null && !note.cw && (note.fileIds ?? []).length === 0 && !note.poll
}

export interface NoteContext {
  /** Mentioned users by id (users the server no longer knows are missing and left out). */
  mentions: ReadonlyMap<string, AccountRef>
  /** Downloaded drive files by id; a file whose download failed is missing and left out of `media`. */
  media: ReadonlyMap<string, MediaRef>
  pinned: ReadonlySet<string>
}

export function mapNote(server: MisskeyServerInfo, note: Note, context: NoteContext): PostRecord {
  const renote = note.renoteId ? relatedUri(server, note.renoteId, note.renote) : null
  const pure = isPureRenote(note)
  const { user: _user, ...native } = note
  const post: PostRecord = {
    id: noteUri(server, note),
    uri: noteUri(server, note),
    url: noteUrl(server, note),
    createdAt: note.createdAt,
    text: note.text ?? '',
    contentWarning: note.cw ?? null,
    visibility: VISIBILITY[note.visibility],
    localOnly: note.localOnly ?? false,
    replyTo: note.replyId ? { id: relatedUri(server, note.replyId, note.reply)! } : null,
    quoteOf: pure ? null : renote,
    repostOf: pure ? renote : null,
    mentions: (note.mentions ?? []).map((id) => context.mentions.get(id)).filter((a): a is AccountRef => a !== undefined),
    tags: note.tags ?? [],
    links: links(note.text),
    media: (note.files ?? []).map((f) => context.media.get(f.id)).filter((m): m is MediaRef => m !== undefined),
    poll: note.poll
      ? {
          options: note.poll.choices.map((c) => ({ text: c.text, votes: c.votes })),
          multiple: note.poll.multiple,
          expiresAt: note.poll.expiresAt ?? null,
          ...(note.poll.choices.some((c) => c.isVoted) ? { voted: note.poll.choices.flatMap((c, i) => (c.isVoted ? [i] : [])) } : {}),
        }
      : null,
    reactions: note.reactions,
    pinned: context.pinned.has(note.id),
    native,
  }
  return post
}

/** The media.jsonl fields of a drive file (§4.10): the comment is the alt text. */
export function mediaMeta(file: DriveFile, folder: string | null): Omit<MediaRecord, 'sha256' | 'size'> {
  return {
    mime: file.type,
    name: file.name,
    alt: file.comment ?? null,
    sensitive: file.isSensitive,
    folder,
    source: { url: file.url, id: file.id },
  }
}

/** A relation record (following, followers, blocks, mutes, renote mutes); `native` is the Misskey relation minus the user. */
export function mapRelation(account: AccountRef, relation: { id: string; createdAt: string }, extra: Partial<RelationRecord>, native: Record<string, unknown>): RelationRecord {
  return { account, createdAt: relation.createdAt, ...extra, native: { id: relation.id, ...native } }
}

/** Following settings as Mastodon's CSV knows them: a renote mute is "show boosts: false". */
export function followSettings(followee: { isRenoteMuted?: boolean; notify?: string; withReplies?: boolean }): Partial<RelationRecord> {
  const out: Partial<RelationRecord> = {}
  if (followee.isRenoteMuted !== undefined) out.showReposts = !followee.isRenoteMuted
  if (followee.notify !== undefined) out.notify = followee.notify === 'normal'
  return out
}

export function mapList(list: UserList, members: AccountRef[]): ListRecord {
  const { id, name, ...native } = list
  return { id, name, description: null, members, native: { id, ...native } }
}

export function mapAntenna(antenna: Antenna): NamedRecord {
  return { id: antenna.id, name: antenna.name, native: antenna }
}

export function mapClip(server: MisskeyServerInfo, clip: Clip, notes: Note[]): NamedRecord {
  const { user: _user, ...native } = clip
  return {
    id: clip.id,
    name: clip.name,
    notes: notes.map((n) => noteUri(server, n)),
    native: { ...native, notes: notes.map((n) => ({ id: n.id, uri: noteUri(server, n), url: noteUrl(server, n), user: `${n.user.username}@${n.user.host ?? server.host}` })) },
  }
}

/** A favorite is a private bookmark (§4.7): the subject is the note's ActivityPub id. */
export function mapFavorite(server: MisskeyServerInfo, favorite: NoteFavorite): SubjectRecord {
  return { subject: noteUri(server, favorite.note), url: noteUrl(server, favorite.note), createdAt: favorite.createdAt, native: favorite }
}

/** A reaction by the account is its "like" of the note, with the emoji kept in `native.reaction`. */
export function mapReaction(server: MisskeyServerInfo, reaction: NoteReaction): SubjectRecord | null {
  const note = reaction.note
  if (!note) return null
  return {
    subject: noteUri(server, note),
    url: noteUrl(server, note),
    createdAt: reaction.createdAt,
    native: { id: reaction.id, reaction: reaction.type, noteId: note.id },
  }
}

/** Keys of MeDetailed that identify logins rather than describe the account: never archived. */
const PRIVATE_KEYS = ['securityKeysList', 'twoFactorBackupCodesStock']

export function mapProfile(
  account: AccountRef,
  me: MeDetailed,
  extra: { avatar: MediaRef | null; banner: MediaRef | null; aliases: string[] },
): ProfileRecord {
  const native = Object.fromEntries(Object.entries(me).filter(([key]) => !PRIVATE_KEYS.includes(key)))
  return {
    account,
    displayName: me.name,
    description: me.description,
    fields: me.fields.map((f) => ({ name: f.name, value: f.value })),
    avatar: extra.avatar,
    banner: extra.banner,
    aliases: extra.aliases,
    locked: me.isLocked,
    bot: me.isBot,
    native,
  }
}
