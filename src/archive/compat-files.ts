// Writes the compat/ files (docs/archive-format.md §6) of an archive being written, from the records of their kinds
// read back from staging (ArchiveWriter.staged): an adapter writes the graph's records and then calls this, and nobody
// keeps the graph in memory to feed the files. The files are thereby a function of the archive's own records (what
// its <kind>.jsonl holds, in that order), so the same records give the same bytes.
import { compatMember, type RecordKind } from './format.js'
import type { RecordsByKind } from './records.js'
import type { ArchiveWriter } from './writer.js'
import { blockedCsv, blockedDomainsCsv, bookmarksCsv, followingCsv, listsCsv, misskeyAcctList, misskeyListsCsv, mutedCsv, type RecordStream } from './compat.js'

/** The record kinds compat files are made from. */
export type CompatKind = Extract<RecordKind, 'following' | 'blocks' | 'mutes' | 'lists' | 'domain-blocks' | 'bookmarks'>

type Render<K extends CompatKind> = (records: RecordStream<RecordsByKind[K]>) => AsyncIterable<string>

/** Each kind's files (names under compat/): Mastodon's CSV exports first, then Misskey's importer formats. */
export const COMPAT_FILES: { readonly [K in CompatKind]: readonly (readonly [string, Render<K>])[] } = {
  following: [
    ['following_accounts.csv', followingCsv],
    ['misskey/following.csv', misskeyAcctList],
  ],
  lists: [
    ['lists.csv', listsCsv],
    ['misskey/user-lists.csv', misskeyListsCsv],
  ],
  blocks: [
    ['blocked_accounts.csv', blockedCsv],
    ['misskey/blocking.csv', misskeyAcctList],
  ],
  mutes: [
    ['muted_accounts.csv', mutedCsv],
    ['misskey/mute.csv', misskeyAcctList],
  ],
  'domain-blocks': [['blocked_domains.csv', blockedDomainsCsv]],
  bookmarks: [['bookmarks.csv', bookmarksCsv]],
}

/** Every kind that has compat files. */
export const COMPAT_KINDS = Object.keys(COMPAT_FILES) as CompatKind[]

/** Text chunks as the bytes ArchiveWriter.addFile takes. */
export async function* utf8(chunks: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) yield Buffer.from(chunk, 'utf8')
}

/**
 * Writes the files of each of `kinds` from the records of that kind staged so far; call it once those records are
 * all written. A kind with no records (or never written) still gets its files, holding only their header if any; a
 * kind not named gets none.
 */
export async function writeCompatFiles(writer: ArchiveWriter, kinds: Iterable<CompatKind>): Promise<void> {
  for (const kind of kinds) await writeKind(writer, kind)
}

async function writeKind<K extends CompatKind>(writer: ArchiveWriter, kind: K): Promise<void> {
  const files = COMPAT_FILES[kind] as readonly (readonly [string, Render<K>])[]
  for (const [name, render] of files) await writer.addFile(compatMember(name), utf8(render(writer.staged(kind))))
}
