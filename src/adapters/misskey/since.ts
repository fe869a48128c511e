// `--since <earlier archive>` for Misskey: where the earlier archive of this account ended (its cursor file, or for
// an archive without one the newest ids of its records), so that notes, drive files, favorites and reactions already
// exported are not exported again. Archives of other networks or accounts are refused (readEarlierArchive).
import type { SinceState } from '../adapter.js'
import type { ArchiveReader } from '../../archive/reader.js'
import { readEarlierArchive } from '../../archive/since.js'
import { accountOf } from './accounts.js'
import type { MisskeyCursor } from './api.js'
import { laterId } from './paging.js'
import type { MisskeySession } from './session.js'

/** Newest `native.id` (Misskey's own id) among the records of one kind of an earlier archive. */
async function newestNativeId(reader: ArchiveReader, kind: 'posts' | 'bookmarks' | 'likes'): Promise<string | undefined> {
  let newest: string | undefined
  for await (const record of reader.records(kind)) {
    const id = (record.native as { id?: unknown } | undefined)?.id
    if (typeof id === 'string') newest = laterId(newest, id)
  }
  return newest
}

export async function readSince(path: string, session: MisskeySession): Promise<SinceState & { cursor: MisskeyCursor }> {
  const base: MisskeyCursor = { userId: session.me.id, server: session.server.uri }
  const earlier = await readEarlierArchive<MisskeyCursor>(path, { network: 'misskey', account: accountOf(session.server, session.me) }, async (reader) => {
    let files: string | undefined
    for await (const media of reader.records('media')) files = laterId(files, media.source.id ?? undefined)
    return { ...base, notes: await newestNativeId(reader, 'posts'), files, favorites: await newestNativeId(reader, 'bookmarks'), reactions: await newestNativeId(reader, 'likes') }
  })
  return { createdAt: earlier.createdAt, cursor: { ...earlier.cursor, ...base } }
}
