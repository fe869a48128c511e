// The compat/ files of a Mastodon-family archive (docs/archive-format.md §6): Mastodon's own CSV exports, byte for
// byte as its importer reads them, and Misskey's importer formats, so the graph can be carried by either network's
// own import page as well as by `lifeboat replay`.
import type { ArchiveWriter } from '../../archive/writer.js'
import { compatMember } from '../../archive/format.js'
import { blockedCsv, blockedDomainsCsv, bookmarksCsv, followingCsv, listsCsv, misskeyAcctList, misskeyListsCsv, mutedCsv } from '../../archive/compat.js'
import type { GraphRecords } from './export-collections.js'

export async function writeCompatFiles(writer: ArchiveWriter, graph: GraphRecords): Promise<void> {
  const files: [string, string][] = [
    ['following_accounts.csv', followingCsv(graph.following)],
    ['lists.csv', listsCsv(graph.lists)],
    ['blocked_accounts.csv', blockedCsv(graph.blocks)],
    ['muted_accounts.csv', mutedCsv(graph.mutes)],
    ['blocked_domains.csv', blockedDomainsCsv(graph.domainBlocks)],
    ['bookmarks.csv', bookmarksCsv(graph.bookmarks)],
    ['misskey/following.csv', misskeyAcctList(graph.following)],
    ['misskey/blocking.csv', misskeyAcctList(graph.blocks)],
    ['misskey/mute.csv', misskeyAcctList(graph.mutes)],
    ['misskey/user-lists.csv', misskeyListsCsv(graph.lists)],
  ]
  for (const [name, text] of files) await writer.addFile(compatMember(name), text)
}
