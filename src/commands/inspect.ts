// lifeboat inspect <archive>: what is inside (account, network, when, counts per kind, media bytes).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { ArchiveReader } from '../archive/reader.js'

export interface InspectResult {
  archive: string
  format: string
  version: number
  tool: string
  network: string
  server: string | null
  account: { id: string; handle?: string }
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
    const result: InspectResult = {
      archive,
      format: m.format,
      version: m.version,
      tool: `${m.tool.name} ${m.tool.version}`,
      network: m.source.network,
      server: m.source.server,
      account: m.source.account,
      createdAt: m.createdAt,
      incremental: m.since !== null,
      counts: m.counts as Record<string, number>,
      mediaFiles,
      mediaBytes,
      totalBytes,
      notes: m.notes ?? [],
    }
    const account = m.source.account.handle ? `${m.source.account.handle} (${m.source.account.id})` : m.source.account.id
    const lines = [
      `archive:  ${archive}`,
      `account:  ${account}`,
      `network:  ${m.source.network}${m.source.server ? ` at ${m.source.server}` : ''}`,
      `created:  ${m.createdAt} by ${result.tool}${result.incremental ? ` (incremental since ${m.since?.archive})` : ''}`,
      `contents: ${Object.entries(result.counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing'}`,
      `media:    ${mediaFiles} files, ${formatBytes(mediaBytes)}`,
      ...result.notes.map((n) => `note:     ${n}`),
    ]
    context.out.result({ ok: true, ...result }, lines.join('\n'))
    return result
  } finally {
    reader.close()
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

export function register(program: Command, context: CliContext): void {
  withExamples(
    program
      .command('inspect')
      .description('show what an archive holds: account, network, date, counts, media size')
      .argument('<archive>', 'a Lifeboat archive (.zip)')
      .action(async (archive: string) => {
        await run(archive, context)
      }),
    'lifeboat inspect alice-2026-11-22.zip',
    'lifeboat --json inspect alice-2026-11-22.zip',
  )
}
