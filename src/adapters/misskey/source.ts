// Misskey Source: everything an account holds, through the regular API (an ordinary access token is enough; the
// server's own i/export-* need the web-session token, export no file bytes and run once a day).
//
// Three strands run at once: the note chain (`users/notes` pages are a sequential cursor chain, so the next page is
// requested while the current one is written), the drive (listing and parallel downloads), and the small
// collections. Posts carry the sha256 of their attachments, so a page waits for its own files, which jump the
// download queue. `--since` continues the append-only histories (notes, drive files, favorites, reactions) from the
// earlier archive's cursor with `sinceId`; the rest (relations, lists, antennas, clips, profile) is small and is
// exported whole, so an incremental archive still holds the complete current social graph.
import type { AdapterContext, ExportOptions, ExportReport, ItemFailure, Source } from '../adapter.js'
import { MISSKEY_CAPABILITIES } from './capabilities.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import { nativeMember } from '../../archive/format.js'
import type { AccountRef, MediaRef } from '../../archive/records.js'
import { AccountDirectory, accountOf } from './accounts.js'
import type { MisskeyCursor } from './api.js'
import { CollectionsExporter } from './collections.js'
import { DriveExporter, type StagedFile } from './drive.js'
import { toLifeboatError } from './errors.js'
import { mapNote, mapProfile } from './map.js'
import { laterId, paged } from './paging.js'
import type { MisskeySession } from './session.js'

export interface MisskeySourceOptions {
  /** Parallel drive downloads; keep below the HTTP client's per-host concurrency (default 5). */
  downloadConcurrency?: number
}

function refOf({ size: _size, ...ref }: StagedFile): MediaRef {
  return ref
}

/** The cursor an earlier archive recorded, if it is one of ours for this account. */
export function sinceCursor(value: unknown, session: MisskeySession): MisskeyCursor | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const cursor = value as MisskeyCursor
  return cursor.userId === session.me.id && cursor.server === session.server.uri ? cursor : undefined
}

export class MisskeySource implements Source {
  readonly capabilities = MISSKEY_CAPABILITIES
  readonly directory: AccountDirectory

  constructor(
    readonly session: MisskeySession,
    readonly context: AdapterContext,
    readonly options: MisskeySourceOptions = {},
  ) {
    this.directory = new AccountDirectory(session.client, session.server)
  }

  get account(): AccountRef {
    return accountOf(this.session.server, this.session.me)
  }

  async describe() {
    return { server: this.session.server.uri, account: this.account }
  }

  async exportTo(writer: ArchiveWriter, options: ExportOptions = {}): Promise<ExportReport> {
    const { out } = this.context
    const since = sinceCursor(options.since?.cursor, this.session)
    const { server, me } = this.session
    out.info(`Exporting ${this.account.handle} from ${server.uri} (${server.software} ${server.version})${since ? ' (only what is new since the earlier archive)' : ''} …`)
    for (const kind of ['posts', 'media'] as const) writer.declare(kind)
    // the strands stop together: a refusal in one (say, a token without read:drive) ends the others at their next
    // page instead of after the whole note chain, and queued downloads are dropped
    const stop = new AbortController()
    const context: AdapterContext = { ...this.context, signal: AbortSignal.any([this.context.signal, stop.signal]) }
    const drive = new DriveExporter(this.session, context, writer, { concurrency: this.options.downloadConcurrency ?? 5 })
    const collections = new CollectionsExporter(this.session, this.directory, context, writer)
    let newestNote: string | undefined
    let collectionsCursor: MisskeyCursor | undefined
    let first: { error: unknown } | undefined
    const strand = (work: Promise<unknown>) =>
      work.catch((error: unknown) => {
        if (!first) {
          first = { error }
          stop.abort()
        }
      })
    try {
      await drive.loadFolders()
      await Promise.all([
        strand(this.#notes(writer, drive, since?.notes, context.signal).then((newest) => (newestNote = newest))),
        strand(drive.listAll(since?.files)),
        strand(collections.run(since).then((r) => (collectionsCursor = { ...this.#base(), ...r.cursor }))),
      ])
      if (first) throw first.error
      await this.#profile(writer, drive)
      await drive.finish()
    } catch (error) {
      throw toLifeboatError(error, server.origin)
    }
    out.info(`drive: ${drive.listed} files listed, ${drive.stored} downloaded${drive.reused ? `, ${drive.reused} reused from an interrupted run` : ''}${drive.failures.length ? `, ${drive.failures.length} failed` : ''}`)
    const cursor: MisskeyCursor = {
      ...this.#base(),
      notes: laterId(since?.notes, newestNote),
      files: laterId(since?.files, drive.newestId),
      favorites: collectionsCursor?.favorites,
      reactions: collectionsCursor?.reactions,
    }
    await writer.addFile(nativeMember('misskey', 'cursor.json'), JSON.stringify(cursor, null, 2) + '\n')
    await writer.addFile(nativeMember('misskey', 'server.json'), JSON.stringify({ uri: server.uri, software: server.software, version: server.version, notesCount: me.notesCount }, null, 2) + '\n')
    if (since) writer.note(`incremental: notes, drive files, favorites and reactions newer than the earlier archive; everything else complete`)
    const failures: ItemFailure[] = [...collections.failures, ...drive.failures]
    return { counts: {}, failures, cursor }
  }

  #base(): MisskeyCursor {
    return { userId: this.session.me.id, server: this.session.server.uri }
  }

  /** The note chain, newest first (or oldest first after `sinceId`); returns the newest note id seen. */
  async #notes(writer: ArchiveWriter, drive: DriveExporter, sinceId: string | undefined, signal: AbortSignal): Promise<string | undefined> {
    const { client, server, me } = this.session
    const pinned = new Set(me.pinnedNoteIds)
    const progress = this.context.out.progress('notes', sinceId ? 0 : me.notesCount)
    let newest: string | undefined
    let count = 0
    const fetchPage = (cursor: { untilId?: string; sinceId?: string }) =>
      client.call('users/notes', { userId: me.id, withReplies: true, withRenotes: true, withChannelNotes: true, limit: 100, ...cursor })
    for await (const page of paged(fetchPage, { sinceId, prefetch: 4, signal })) {
      const mentions = await this.directory.resolve(page.flatMap((n) => n.mentions ?? []))
      const files = page.flatMap((n) => n.files ?? [])
      const records = await Promise.all(files.map((f) => drive.ensure(f)))
      const media = new Map<string, MediaRef>()
      records.forEach((r, i) => r && media.set(files[i]!.id, refOf(r)))
      for (const note of page) {
        newest = laterId(newest, note.id)
        await writer.write('posts', mapNote(server, note, { mentions, media, pinned }))
      }
      count += page.length
      progress.tick(page.length)
    }
    progress.done(`notes: ${count}`)
    return newest
  }

  async #profile(writer: ArchiveWriter, drive: DriveExporter): Promise<void> {
    const { me } = this.session
    const image = async (id: string | null | undefined) => {
      const record = id ? await drive.byId(id) : null
      return record ? refOf(record) : null
    }
    const aliasIds = me.alsoKnownAs ?? []
    const aliases = await this.directory.resolve(aliasIds)
    await writer.setProfile(
      mapProfile(this.account, me, {
        avatar: await image(me.avatarId),
        banner: await image(me.bannerId),
        aliases: aliasIds.map((id) => aliases.get(id)?.id).filter((uri): uri is string => uri !== undefined),
      }),
    )
  }
}
