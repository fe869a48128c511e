// i/export-notes, -following, -blocking, -mute, -user-lists, -favorites, -clips, -antennas: secure (native token only),
// answer 204, and `exportDelayMs` later a file appears in the drive root plus an exportCompleted notification.
// Sources: i_export-*__native.json (204), exports/summary.json (names `<kind>-yyyy-MM-dd-HH-mm-ss.<ext>`, types,
// ~0.5 s delay), exports/export-*.{json,csv} (formats, separators), i_notifications__export-completed.json,
// drive_stream__after-exports-limit100.json (no thumbnail, empty properties). Differences, on purpose: accts carry
// the host (`bob@127.0.0.1:PORT`) where the recorded host:port setup wrote `bob@` (README "Artifacts"), and the
// antennas file is complete JSON where upstream's unawaited write truncated it.
import type { CallContext, EndpointDef } from '../endpoint.js'
import { me } from '../endpoint.js'
import type { Instance } from '../instance.js'
import { acctOf, localUserUri } from '../instance.js'
import { idToIso } from '../ids.js'
import { createDriveFile } from '../ops.js'
import { packDriveFile } from '../pack-drive.js'
import { listUserIds } from '../pack-misc.js'
import type { NoteRecord, UserRecord } from '../state.js'

interface ExportKind {
  name: string
  entity: string
  ext: 'json' | 'csv'
  build(inst: Instance, user: UserRecord): string
}

function acct(inst: Instance, userId: string): string {
  return acctOf(inst, inst.state.users.get(userId)!)
}

function byId<T extends { id: string }>(rows: Iterable<T>): T[] {
  return [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))
}

function rawPoll(inst: Instance, note: NoteRecord): unknown {
  if (note.poll == null) return null
  const author = inst.state.users.get(note.userId)!
  return {
    noteId: note.id,
    expiresAt: note.poll.expiresAt == null ? null : new Date(note.poll.expiresAt).toISOString(),
    multiple: note.poll.multiple,
    choices: note.poll.choices,
    votes: note.poll.choices.map((_, i) => note.poll!.votes.filter((v) => v.choice === i).length),
    noteVisibility: note.visibility,
    userId: note.userId,
    userHost: author.host,
    channelId: null,
  }
}

/** The note as the favorites and clips exports embed it (with uri/url and a small user object). */
function embeddedNote(inst: Instance, note: NoteRecord, withPoll: boolean): Record<string, unknown> {
  const author = inst.state.users.get(note.userId)!
  return {
    id: note.id,
    text: note.text,
    createdAt: idToIso(note.id),
    fileIds: note.fileIds,
    replyId: note.replyId,
    renoteId: note.renoteId,
    ...(withPoll ? { poll: rawPoll(inst, note) } : {}),
    cw: note.cw,
    visibility: note.visibility,
    visibleUserIds: note.visibleUserIds,
    localOnly: note.localOnly,
    reactionAcceptance: note.reactionAcceptance,
    uri: note.uri,
    url: note.url,
    user: { id: author.id, name: author.name, username: author.username, host: author.host, uri: author.host == null ? null : localUserUri(inst, author) },
  }
}

const jsonLines = (items: unknown[], sep = ',\n'): string => `[${items.map((x) => JSON.stringify(x)).join(sep)}]`

const KINDS: ExportKind[] = [
  {
    name: 'notes',
    entity: 'note',
    ext: 'json',
    build: (inst, user) =>
      jsonLines(
        byId([...inst.state.notes.values()].filter((n) => n.userId === user.id)).map((n) => ({
          id: n.id,
          text: n.text,
          createdAt: idToIso(n.id),
          fileIds: n.fileIds,
          files: n.fileIds.map((id) => inst.state.files.get(id)).filter((f) => f != null).map((f) => packDriveFile(inst, f)),
          replyId: n.replyId,
          renoteId: n.renoteId,
          poll: rawPoll(inst, n),
          cw: n.cw,
          visibility: n.visibility,
          visibleUserIds: n.visibleUserIds,
          localOnly: n.localOnly,
          reactionAcceptance: n.reactionAcceptance,
        })),
      ),
  },
  {
    name: 'following',
    entity: 'following',
    ext: 'csv',
    build: (inst, user) =>
      byId([...inst.state.followings.values()].filter((f) => f.followerId === user.id))
        .map((f) => `${acct(inst, f.followeeId)},withReplies=${f.withReplies}\n`)
        .join(''),
  },
  {
    name: 'blocking',
    entity: 'blocking',
    ext: 'csv',
    build: (inst, user) =>
      byId([...inst.state.blockings.values()].filter((b) => b.blockerId === user.id)).map((b) => `${acct(inst, b.blockeeId)}\n`).join(''),
  },
  {
    name: 'mute',
    entity: 'muting',
    ext: 'csv',
    build: (inst, user) =>
      byId([...inst.state.mutings.values()].filter((m) => m.muterId === user.id)).map((m) => `${acct(inst, m.muteeId)}\n`).join(''),
  },
  {
    // within a list the newest membership comes first, as in exports/export-user-lists.csv
    name: 'user-lists',
    entity: 'userList',
    ext: 'csv',
    build: (inst, user) =>
      byId([...inst.state.lists.values()].filter((l) => l.userId === user.id))
        .flatMap((l) =>
          byId([...inst.state.memberships.values()].filter((m) => m.userListId === l.id))
            .reverse()
            .map((m) => `${l.name},${acct(inst, m.userId)},withReplies=${m.withReplies}\n`),
        )
        .join(''),
  },
  {
    name: 'favorites',
    entity: 'favorite',
    ext: 'json',
    build: (inst, user) =>
      jsonLines(
        byId([...inst.state.favorites.values()].filter((f) => f.userId === user.id)).map((f) => ({
          id: f.id,
          createdAt: idToIso(f.id),
          note: embeddedNote(inst, inst.state.notes.get(f.noteId)!, true),
        })),
      ),
  },
  {
    name: 'clips',
    entity: 'clip',
    ext: 'json',
    build: (inst, user) =>
      `[${byId([...inst.state.clips.values()].filter((c) => c.userId === user.id))
        .map((c) => {
          const notes = byId([...inst.state.clipNotes.values()].filter((cn) => cn.clipId === c.id)).map((cn) =>
            JSON.stringify({ id: cn.id, createdAt: idToIso(cn.id), note: embeddedNote(inst, inst.state.notes.get(cn.noteId)!, false) }),
          )
          const head = JSON.stringify({
            id: c.id,
            name: c.name,
            description: c.description,
            lastClippedAt: c.lastClippedAt == null ? null : new Date(c.lastClippedAt).toISOString(),
          }).slice(0, -1)
          return `${head},"clipNotes":[${notes.join(',\n')}]}`
        })
        .join(',\n')}]`,
  },
  {
    name: 'antennas',
    entity: 'antenna',
    ext: 'json',
    build: (inst, user) =>
      jsonLines(
        byId([...inst.state.antennas.values()].filter((a) => a.userId === user.id)).map((a) => {
          const list = a.userListId == null ? undefined : inst.state.lists.get(a.userListId)
          return {
            name: a.name,
            src: a.src,
            keywords: a.keywords,
            excludeKeywords: a.excludeKeywords,
            users: a.users,
            userListAccts: list == null ? null : listUserIds(inst, list).reverse().map((id) => acct(inst, id)),
            caseSensitive: a.caseSensitive,
            localOnly: a.localOnly,
            excludeBots: a.excludeBots,
            withReplies: a.withReplies,
            withFile: a.withFile,
            excludeNotesInSensitiveChannel: a.excludeNotesInSensitiveChannel,
          }
        }),
        ', ',
      ),
  },
]

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', '-').replaceAll(':', '-')
}

function runExport(ctx: CallContext, kind: ExportKind): undefined {
  const { inst } = ctx
  const user = me(ctx)
  inst.defer(() => {
    const file = createDriveFile(inst, user, {
      name: `${kind.name}-${stamp(inst.state.now())}.${kind.ext}`,
      type: kind.ext === 'json' ? 'application/json' : 'text/csv',
      bytes: kind.build(inst, user),
    })
    const id = inst.state.newId()
    inst.state.notifications.set(id, { id, notifieeId: user.id, type: 'exportCompleted', body: { exportedEntity: kind.entity, fileId: file.id } })
  }, inst.config.exportDelayMs)
  return undefined
}

export const exportEndpoints: EndpointDef[] = KINDS.map((kind) => ({
  name: `i/export-${kind.name}`,
  requireCredential: true,
  secure: true,
  params: { properties: { excludeMuting: { type: 'boolean' }, excludeInactive: { type: 'boolean' } } },
  exec: (ctx: CallContext) => runExport(ctx, kind),
}))
