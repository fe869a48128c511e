// Federation between fake instances in one process. A shared directory maps each instance's host to the instance;
// an instance that needs a remote user or note copies ("mirrors") it into its own state with its own id and
// `host`/`uri`/`url` set, as upstream ApPersonService/ApNoteService store fetched actors and notes. Deliveries that
// real ActivityPub would carry (Follow, Undo Follow, Move) are applied to the other instance directly.
// Not modelled: signatures, inboxes, follow requests to locked accounts, remote blocks, note attachments.
import type { Federation, Instance } from './instance.js'
import { localUserUri } from './instance.js'
import { createNote, follow } from './ops.js'
import type { NoteRecord, UserRecord } from './state.js'

/** Hosts → running instances. Pass one directory to every server that should see the others. */
export interface MisskeyDirectory {
  readonly instances: Map<string, Instance>
}

export function createMisskeyDirectory(): MisskeyDirectory {
  return { instances: new Map() }
}

/** The record `home` holds at `uri` (its /users/:id, /@name or /notes/:id), if any. */
function objectAt(home: Instance, uri: string): { user?: UserRecord; note?: NoteRecord } {
  if (!uri.startsWith(`${home.config.url}/`)) return {}
  const path = uri.slice(home.config.url.length)
  const m = /^\/(users|notes)\/([0-9a-z]+)$/.exec(path)
  if (m?.[1] === 'users') {
    const user = home.state.users.get(m[2]!)
    return user?.host == null ? { user } : {}
  }
  if (m?.[1] === 'notes') return { note: home.state.notes.get(m[2]!) }
  const at = /^\/@([A-Za-z0-9_]+)$/.exec(path)
  return at == null ? {} : { user: home.state.findUserByAcct(at[1]!, null) }
}

function fileUrl(home: Instance, id: string | null): string | null {
  const file = id == null ? undefined : home.state.files.get(id)
  return file == null ? null : `${home.config.url}/files/${file.accessKey}`
}

/** Copies (or refreshes) `user`, local to `home`, into `into`; returns the mirror (or `into`'s own user). */
export function mirrorUser(into: Instance, home: Instance, user: UserRecord): UserRecord {
  const uri = localUserUri(home, user)
  const own = objectAt(into, uri).user
  if (own != null) return own
  const existing = into.state.findUserByUri(uri)
  const mirror: UserRecord = existing ?? {
    ...user,
    id: into.state.newId(),
    host: home.config.host,
    avatarId: null,
    bannerId: null,
    isRoot: false,
    uri,
    url: `${home.config.url}/@${user.username}`,
    pinnedNoteIds: [],
  }
  Object.assign(mirror, {
    name: user.name,
    description: user.description,
    location: user.location,
    birthday: user.birthday,
    lang: user.lang,
    fields: user.fields.map((f) => ({ ...f })),
    isBot: user.isBot,
    isCat: user.isCat,
    isLocked: user.isLocked,
    remoteAvatarUrl: fileUrl(home, user.avatarId),
    remoteBannerUrl: fileUrl(home, user.bannerId),
    alsoKnownAs: user.alsoKnownAs == null ? null : [...user.alsoKnownAs],
    movedToUri: user.movedToUri,
    movedAt: user.movedAt,
    notesCount: user.notesCount,
    updatedAt: user.updatedAt,
    lastFetchedAt: into.state.now(),
  })
  into.state.users.set(mirror.id, mirror)
  return mirror
}

function mirrorNote(into: Instance, home: Instance, note: NoteRecord): NoteRecord | undefined {
  // only what an anonymous fetch of the note would return: public/home and federated
  if (note.localOnly || note.visibility === 'followers' || note.visibility === 'specified') return undefined
  const uri = `${home.config.url}/notes/${note.id}`
  for (const n of into.state.notes.values()) if (n.uri === uri) return n
  const author = mirrorUser(into, home, home.state.users.get(note.userId)!)
  const count = author.notesCount
  const copy = createNote(into, author, { text: note.text, cw: note.cw, visibility: note.visibility, uri, url: uri })
  author.notesCount = count
  return copy
}

export function createFederation(self: () => Instance, directory: MisskeyDirectory | undefined): Federation {
  const other = (host: string | null): Instance | undefined => {
    if (host == null || directory == null) return undefined
    const inst = directory.instances.get(host)
    return inst === self() ? undefined : inst
  }
  const hostOf = (uri: string): string | null => {
    try {
      return new URL(uri).host
    } catch {
      return null
    }
  }
  return {
    resolveRemoteUser(username, host) {
      const home = other(host)
      const user = home?.state.findUserByAcct(username, null)
      return home == null || user == null || user.isSuspended ? undefined : mirrorUser(self(), home, user)
    },
    resolveUri(uri) {
      const home = other(hostOf(uri))
      if (home == null) return undefined
      const found = objectAt(home, uri)
      if (found.user != null) return { type: 'User', user: mirrorUser(self(), home, found.user) }
      const note = found.note == null ? undefined : mirrorNote(self(), home, found.note)
      return note == null ? undefined : { type: 'Note', noteId: note.id }
    },
    deliverFollow(follower, followee, undo) {
      const home = other(followee.host)
      const target = home == null || followee.uri == null ? undefined : objectAt(home, followee.uri).user
      if (home == null || target == null) return
      const remoteFollower = mirrorUser(home, self(), follower)
      if (undo) home.state.removeFollowing(remoteFollower.id, target.id)
      else if (!home.state.isFollowing(remoteFollower.id, target.id)) {
        home.state.addFollowing({ id: home.state.newId(), followerId: remoteFollower.id, followeeId: target.id, withReplies: false, notify: 'none' })
      }
    },
    deliverMove(from, to) {
      if (directory == null) return
      const fromUri = localUserUri(self(), from)
      for (const inst of directory.instances.values()) {
        if (inst === self() || inst.state.findUserByUri(fromUri) == null) continue
        const oldMirror = mirrorUser(inst, self(), from)
        const dst = to.host === inst.config.host ? objectAt(inst, to.uri ?? '').user : inst.federation.resolveRemoteUser(to.username, to.host!)
        if (dst == null) continue
        for (const f of [...inst.state.followings.values()]) {
          const follower = inst.state.users.get(f.followerId)!
          if (f.followeeId === oldMirror.id && follower.host == null && !inst.state.isFollowing(follower.id, dst.id)) follow(inst, follower, dst)
        }
      }
    },
  }
}
