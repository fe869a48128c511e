// The compat/ files of a Mastodon-family archive (docs/archive-format.md §6): Mastodon's own CSV exports, byte for
// byte as its importer reads them, and Misskey's importer formats, so the graph can be carried by either network's
// own import page as well as by `lifeboat replay`.
import type { ArchiveWriter } from '../../archive/writer.js'
import { compatMember } from '../../archive/format.js'
import { blockedCsv, blockedDomainsCsv, bookmarksCsv, followingCsv, listsCsv, misskeyAcctList, misskeyListsCsv, mutedCsv } from '../../archive/compat.js'
import type { GraphRecords } from './export-collections.js'

/** Writes the files of every part of the graph that is known; a part left undefined (not in the source) gets none. */
export async function writeCompatFiles(writer: ArchiveWriter, graph: Partial<GraphRecords>): Promise<void> {
  const files: [string, string | undefined][] = [
    ['following_accounts.csv', graph.following && followingCsv(graph.following)],
    ['lists.csv', graph.lists && listsCsv(graph.lists)],
    ['blocked_accounts.csv', graph.blocks && blockedCsv(graph.blocks)],
    ['muted_accounts.csv', graph.mutes && mutedCsv(graph.mutes)],
    ['blocked_domains.csv', graph.domainBlocks && blockedDomainsCsv(graph.domainBlocks)],
    ['bookmarks.csv', graph.bookmarks && bookmarksCsv(graph.bookmarks)],
    ['misskey/following.csv', graph.following && misskeyAcctList(graph.following)],
    ['misskey/blocking.csv', graph.blocks && misskeyAcctList(graph.blocks)],
    ['misskey/mute.csv', graph.mutes && misskeyAcctList(graph.mutes)],
    ['misskey/user-lists.csv', graph.lists && misskeyListsCsv(graph.lists)],
  ]
  for (const [name, text] of files) if (text !== undefined) await writer.addFile(compatMember(name), text)
}
