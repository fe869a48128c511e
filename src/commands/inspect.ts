// lifeboat inspect <archive>: what is inside (account and display name, network, when, counts per kind, the posts'
// date range, media bytes, size on disk).
import { stat } from 'node:fs/promises'
import type { Command } from 'commander'
import { formatBytes } from '../files/format-bytes.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { ArchiveReader } from '../archive/reader.js'
import { PROFILE_NAME } from '../archive/format.js'
import type { ProfileRecord } from '../archive/records.js'

export interface InspectResult {
  archive: string
  format: string
  version: number
  tool: string
  network: string
  server: string | null
  account: { id: string; handle?: string }
  /** From profile.json; null when the archive has none. */
  displayName: string | null
  /** The earliest and latest post dates (createdAt), or null without posts. */
  posts: { first: string; last: string } | null
  /** The archive file's size in bytes. */
  sizeOnDisk: number
  createdAt: string
  incremental: boolean
  counts: Record<string, number>
  mediaFiles: number
  mediaBytes: number
  totalBytes: number
  notes: string[]
}

export async function run(archive: string, context: CliContext): Promise<InspectResult> {
  const reader = await ArchiveReader.open(archive)
  try {
    const m = reader.manifest
    let mediaFiles = 0
    let mediaBytes = 0
    let totalBytes = 0
    for (const [name, member] of Object.entries(m.members)) {
      totalBytes += member.size
      if (name.startsWith('media/')) {
        mediaFiles++
        mediaBytes += member.size
      }
    }
    let first: string | null = null
    let last: string | null = null
    for await (const post of reader.records('posts')) {
      // ISO 8601 UTC strings compare in time order; parse to compare offsets other than Z correctly.
      const at = Date.parse(post.createdAt)
      if (Number.isNaN(at)) continue
      if (first === null || at < Date.parse(first)) first = post.createdAt
      if (last === null || at > Date.parse(last)) last = post.createdAt
    }
    const profile = reader.has(PROFILE_NAME) ? await reader.readJson<ProfileRecord>(PROFILE_NAME) : null
    const displayName = typeof profile?.displayName === 'string' && profile.displayName !== '' ? profile.displayName : null
    const sizeOnDisk = (await stat(archive)).size
    const result: InspectResult = {
      archive,
      format: m.format,
      version: m.version,
      tool: `${m.tool.name} ${m.tool.version}`,
      network: m.source.network,
      server: m.source.server,
      account: m.source.account,
      displayName,
      posts: first && last ? { first, last } : null,
      sizeOnDisk,
      createdAt: m.createdAt,
      incremental: m.since !== null,
      counts: m.counts as Record<string, number>,
      mediaFiles,
      mediaBytes,
      totalBytes,
      notes: m.notes ?? [],
    }
    const id = m.source.account.handle ? `${m.source.account.handle} (${m.source.account.id})` : m.source.account.id
    // Output escapes control characters from the archive (src/output.ts).
    const account = displayName ? `${displayName}, ${id}` : id
    const lines = [
      `archive:  ${archive}`,
      `account:  ${account}`,
      `network:  ${m.source.network}${m.source.server ? ` at ${m.source.server}` : ''}`,
      `created:  ${m.createdAt} by ${result.tool}${result.incremental ? ` (incremental since ${m.since?.archive})` : ''}`,
      `contents: ${Object.entries(result.counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing'}`,
      ...(result.posts ? [`posts:    ${result.posts.first} to ${result.posts.last}`] : []),
      `media:    ${mediaFiles} files, ${formatBytes(mediaBytes)}`,
      `size:     ${formatBytes(sizeOnDisk)} (${sizeOnDisk} bytes) on disk`,
      ...result.notes.map((n) => `note:     ${n}`),
    ]
    context.out.result({ ok: true, ...result }, lines.join('\n'))
    return result
  } finally {
    reader.close()
  }
}


export function register(program: Command, context: CliContext): void {
  withExamples(
    program
      .command('inspect')
      .description('show what an archive holds: account, network, date, counts, posts\' date range, media and archive size')
      .argument('<archive>', 'a Lifeboat archive (.zip)')
      .action(async (archive: string) => {
        await run(archive, context)
      }),
    'lifeboat inspect alice-2026-11-22.zip',
    'lifeboat --json inspect alice-2026-11-22.zip',
  )
}
