// `lifeboat export mastodon --server URL -o <archive.zip> [--since <earlier archive>]` (docs/adapters/mastodon.md).
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../cli/adapter-context.js'
import { readSecret } from '../cli/secrets.js'
import type { AdapterContext, SinceState, Source } from '../adapters/adapter.js'
import { MastodonClient, normalizeServer } from '../adapters/mastodon/client.js'
import { DEFAULT_TOKEN_ENV } from '../adapters/mastodon/index.js'
import { openMastodonSource, type MastodonCursor } from '../adapters/mastodon/source.js'
import type { AccountRef } from '../archive/records.js'
import { UsageError } from '../errors.js'
import { exportParent, readEarlierArchive, requireOutput, runExport, type ExportResult } from './export.js'

export interface ExportMastodonOptions {
  output: string
  server?: string
  tokenEnv?: string
  since?: string
  force?: boolean
}


/** The cursor and date of an earlier archive of the same account on the same server, for `--since`. */
export async function readSince(path: string, server: string, account: AccountRef): Promise<SinceState> {
  const since = await readEarlierArchive<MastodonCursor>(path, { network: 'mastodon', account })
  if (since.cursor.server !== server) throw new UsageError(`${path} was exported from ${since.cursor.server}, not ${server}.`, { hint: 'Export from the same server, or drop --since.' })
  return since
}

export interface ExportMastodonDeps {
  /** Replaces the context built from the CLI (tests route every request through a fault proxy with it). */
  context?: AdapterContext
}

/** Reads the token and opens the account: the Source of `export mastodon` and `backup mastodon`. */
export async function openSource(options: Pick<ExportMastodonOptions, 'server' | 'tokenEnv'>, cli: CliContext, deps: ExportMastodonDeps = {}): Promise<{ source: Source; server: string; account: AccountRef }> {
  const server = normalizeServer(options.server)
  const token = await readSecret({
    label: `access token for ${new URL(server).host}`,
    envName: options.tokenEnv ?? DEFAULT_TOKEN_ENV,
    explicit: Boolean(options.tokenEnv),
    env: cli.env,
    required: true,
  })
  const context = deps.context ?? adapterContext(cli)
  const source = await openMastodonSource(context, new MastodonClient(context, server, token))
  const { account } = await source.describe()
  return { source, server, account }
}

export async function run(options: ExportMastodonOptions, cli: CliContext, deps: ExportMastodonDeps = {}): Promise<ExportResult> {
  const output = requireOutput(options.output)
  const { source, server, account } = await openSource(options, cli, deps)
  const since = options.since ? await readSince(options.since, server, account) : undefined
  return runExport(source, { output, force: options.force, since }, cli)
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
