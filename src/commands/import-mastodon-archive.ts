// `lifeboat import mastodon-archive <archive.zip|.tar.gz> [--csv <files…>] -o <archive.zip>`: Mastodon's own account
// archive (and its CSV exports) as a Lifeboat archive, for accounts whose server is gone (docs/adapters/mastodon.md).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/program.js'
import { importMastodonArchive, readIdentity } from '../adapters/mastodon/archive-import.js'
import { openExportArchive } from '../adapters/mastodon/export-archive.js'
import { ArchiveWriter } from '../archive/writer.js'
import type { Manifest } from '../archive/records.js'
import { PartialFailureError } from '../errors.js'
import { requireOutput } from './export.js'
import { formatBytes } from './inspect.js'

export interface ImportMastodonArchiveOptions {
  output: string
  csv?: string[]
  force?: boolean
}

export interface ImportResult {
  archive: string
  manifest: Manifest
  failures: { kind: string; item: string; reason: string }[]
}

/** The `import` parent command, shared with other networks' importers. */
export function importParent(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'import')
  if (existing) return existing
  return program.command('import').description('turn a network\'s own export into a Lifeboat archive (docs/archive-format.md)')
}

export async function run(archivePath: string, options: ImportMastodonArchiveOptions, cli: CliContext): Promise<ImportResult> {
  const output = requireOutput(options.output)
  // A tar.gz is unpacked beside the output (not in /tmp: it holds private posts and may be large), then removed.
  const archive = await openExportArchive(archivePath, { scratchDir: `${output}.import.d`, signal: cli.signal })
  try {
    const identity = await readIdentity(archive)
    cli.out.info(`Importing the ${archive.kind} archive of ${identity.account.handle} (${identity.server}) …`)
    const writer = await ArchiveWriter.open({ path: output, force: options.force, signal: cli.signal, source: { network: 'mastodon', server: identity.server, account: identity.account } })
    let manifest: Manifest
    let failures: ImportResult['failures']
    try {
      const report = await importMastodonArchive({ archive, identity, writer, csvFiles: options.csv ?? [], out: cli.out, signal: cli.signal })
      failures = report.failures
      for (const failure of failures) writer.note(`failed ${failure.kind} ${failure.item}: ${failure.reason}`)
      manifest = await writer.finish()
    } catch (error) {
      await writer.abort()
      throw error
    }
    const mediaBytes = Object.entries(manifest.members).reduce((n, [name, m]) => (name.startsWith('media/') ? n + m.size : n), 0)
    for (const failure of failures) cli.out.event('item-failed', failure)
    const counts = Object.entries(manifest.counts).map(([k, v]) => `${k} ${v}`).join(', ')
    cli.out.result({ ok: failures.length === 0, archive: output, counts: manifest.counts, mediaBytes, failures }, `Wrote ${output}: ${counts}; media ${formatBytes(mediaBytes)}.`)
    if (failures.length > 0) {
      throw new PartialFailureError(`${failures.length} item${failures.length === 1 ? '' : 's'} of the Mastodon archive could not be read; the new archive holds everything else.`, {
        hint: 'The archive notes list each failure.',
      })
    }
    return { archive: output, manifest, failures }
  } finally {
    await archive.close()
  }
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    importParent(program)
      .command('mastodon-archive')
      .description('turn Mastodon\'s own account archive (zip or tar.gz) and its CSV exports into a Lifeboat archive')
      .argument('<archive>', 'the archive-….zip or archive-….tar.gz from "Request your archive"')
      .requiredOption('-o, --output <archive.zip>', 'Lifeboat archive to write')
      .option('--csv <files...>', 'CSV exports to include: following_accounts.csv, lists.csv, blocked_accounts.csv, muted_accounts.csv, blocked_domains.csv, bookmarks.csv')
      .option('--force', 'replace an existing archive at the output path')
      .action(async (archive: string, options: ImportMastodonArchiveOptions) => {
        await run(archive, options, cli)
      }),
    'lifeboat import mastodon-archive archive-20241205104500-5b0f….zip -o me.zip',
    'lifeboat import mastodon-archive archive-2022….tar.gz --csv following_accounts.csv lists.csv muted_accounts.csv -o me.zip',
  )
}
