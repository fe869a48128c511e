// `lifeboat import x-archive <twitter-….zip|folder> -o <archive.zip>`: X's own data archive, of any era, as a Lifeboat
// archive of network `x` (docs/adapters/x.md), so that a suspended account's posts can be kept and carried elsewhere.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { openXArchive } from '../adapters/x/index.js'
import { withExamples } from '../cli/help.js'
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import { exportOpened, type ExportResult } from './export.js'
import { importParent } from './import-mastodon-archive.js'

export interface ImportXArchiveOptions {
  output: string
  force?: boolean
  mkdir?: boolean
}

export async function run(archivePath: string, options: ImportXArchiveOptions, cli: CliContext): Promise<ExportResult> {
  return exportOpened(async (output) => {
    const { source, close } = await openXArchive(archivePath, { scratchDir: `${output}.import.d`, out: cli.out, signal: cli.signal })
    try {
      const { account } = await source.describe()
      cli.out.info(`Importing the X archive of @${account.handle} (${source.layout.era} era) …`)
      return { source, close }
    } catch (error) {
      await close()
      throw error
    }
  }, options, cli)
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    importParent(program)
      .command('x-archive')
      .description('turn the archive X (Twitter) lets you download, of any era, into a Lifeboat archive')
      .argument('<archive>', 'the twitter-….zip from "Download an archive of your data", or the folder it unpacks to')
      .requiredOption('-o, --output <archive.zip>', 'Lifeboat archive to write')
      .option('--force', 'replace an existing archive at the output path')
      .option('--mkdir', MKDIR_HELP)
      // The output path is checked before the X archive is opened (a zip is unpacked beside the output).
      .hook('preAction', checkOutputHook)
      .action(async (archive: string, options: ImportXArchiveOptions) => {
        await run(archive, options, cli)
      }),
    'lifeboat import x-archive twitter-2024-11-16-5f3a….zip -o me.zip',
    'lifeboat import x-archive ~/Downloads/twitter-2020-10-22/ -o me.zip',
  )
}
