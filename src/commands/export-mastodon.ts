// `lifeboat export mastodon --server URL -o <archive.zip> [--since <earlier archive>]` (docs/adapters/mastodon.md):
// its flags; the adapter opens the Source (src/adapters/mastodon/index.ts).
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import type { AdapterContext } from '../adapters/adapter.js'
import { DEFAULT_TOKEN_ENV } from '../adapters/mastodon/capabilities.js'
import { exportNetwork, exportParent, type ExportResult } from './export.js'

export interface ExportMastodonOptions {
  output: string
  server?: string
  tokenEnv?: string
  since?: string
  force?: boolean
}

export interface ExportMastodonSeams {
  /** Replaces the context built from the CLI (tests route every request through a fault proxy with it). */
  context?: AdapterContext
}

export async function run(options: ExportMastodonOptions, cli: CliContext, seams: ExportMastodonSeams = {}): Promise<ExportResult> {
  return exportNetwork('mastodon', options, cli, { context: seams.context })
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    exportParent(program)
      .command('mastodon')
      .description('export a Mastodon, GoToSocial or Akkoma account: statuses with media, edits and polls, the social graph, bookmarks, favourites, filters, profile')
      .requiredOption('--server <url>', 'the account\'s server, e.g. https://mastodon.social')
      .requiredOption('-o, --output <archive.zip>', 'archive to write')
      .option('--token-env <NAME>', `environment variable holding an access token (default ${DEFAULT_TOKEN_ENV}; asked for on a terminal otherwise)`)
      .option('--since <archive>', 'an earlier archive of the account: export only statuses, media, bookmarks and favourites newer than it')
      .option('--force', 'replace an existing archive at the output path')
      .option('--mkdir', MKDIR_HELP)
      .hook('preAction', checkOutputHook)
      .action(async (options: ExportMastodonOptions) => {
        await run(options, cli)
      }),
    'LIFEBOAT_MASTODON_TOKEN=… lifeboat export mastodon --server https://mastodon.social -o me.zip',
    'lifeboat export mastodon --server https://mastodon.social -o me-2.zip --since me.zip',
  )
}
