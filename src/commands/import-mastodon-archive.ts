// `lifeboat import mastodon-archive <archive.zip|.tar.gz> [--csv <files…>] -o <archive.zip>`: Mastodon's own account
// archive (and its CSV exports) as a Lifeboat archive, for accounts whose server is gone (docs/adapters/mastodon.md).
import type { Command } from 'commander'
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { CliContext } from '../cli/main.js'
import { importMastodonArchive, readIdentity } from '../adapters/mastodon/archive-import.js'
import { openExportArchive } from '../adapters/mastodon/export-archive.js'
import { MASTODON_CAPABILITIES } from '../adapters/mastodon/capabilities.js'
import type { Source } from '../adapters/adapter.js'
import { parentCommand, withExamples } from '../cli/help.js'
import { exportOpened, type ExportResult } from './export.js'

export interface ImportMastodonArchiveOptions {
  output: string
  csv?: string[]
  force?: boolean
}

/** The `import` parent command, shared with other networks' importers. */
export function importParent(program: Command): Command {
  return parentCommand(program, 'import', 'turn a network\'s own export into a Lifeboat archive (docs/archive-format.md)')
}

export async function run(archivePath: string, options: ImportMastodonArchiveOptions, cli: CliContext): Promise<ExportResult> {
  return exportOpened(async (output) => {
    // A tar.gz is unpacked beside the output (not in /tmp: it holds private posts and may be large), then removed.
    const archive = await openExportArchive(archivePath, { scratchDir: `${output}.import.d`, signal: cli.signal })
    try {
      const identity = await readIdentity(archive)
      cli.out.info(`Importing the ${archive.kind} archive of ${identity.account.handle} (${identity.server}) …`)
      // Mastodon's own archive is one more Source: the export run writes, verifies and reports it like any other.
      const source: Source = {
        capabilities: MASTODON_CAPABILITIES,
        describe: async () => ({ server: identity.server, account: identity.account }),
        exportTo: async (writer) => ({ counts: {}, ...(await importMastodonArchive({ archive, identity, writer, csvFiles: options.csv ?? [], out: cli.out, signal: cli.signal })) }),
      }
      return { source, close: () => archive.close() }
    } catch (error) {
      await archive.close()
      throw error
    }
  }, options, cli)
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
      .option('--mkdir', MKDIR_HELP)
      .hook('preAction', checkOutputHook)
      .action(async (archive: string, options: ImportMastodonArchiveOptions) => {
        await run(archive, options, cli)
      }),
    'lifeboat import mastodon-archive archive-20241205104500-5b0f….zip -o me.zip',
    'lifeboat import mastodon-archive archive-2022….tar.gz --csv following_accounts.csv lists.csv muted_accounts.csv -o me.zip',
  )
}
