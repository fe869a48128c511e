// `lifeboat export mastodon --server URL -o <archive.zip> [--since <earlier archive>]` (docs/adapters/mastodon.md).
// Like `runExport` in export.ts, plus what an incremental run needs: the earlier archive's cursor handed to the
// source and its date recorded in the new manifest's `since`.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/program.js'
import { adapterContext } from '../cli/adapter-context.js'
import { readSecret } from '../cli/secrets.js'
import type { AdapterContext, SinceState } from '../adapters/adapter.js'
import { MastodonClient, normalizeServer } from '../adapters/mastodon/client.js'
import { DEFAULT_TOKEN_ENV } from '../adapters/mastodon/index.js'
import { CURSOR_MEMBER, openMastodonSource, type MastodonCursor } from '../adapters/mastodon/source.js'
import { ArchiveReader } from '../archive/reader.js'
import { ArchiveWriter } from '../archive/writer.js'
import type { AccountRef, Manifest } from '../archive/records.js'
import { PartialFailureError, UsageError } from '../errors.js'
import { exportParent, requireOutput, type ExportResult } from './export.js'
import { formatBytes } from './inspect.js'

export interface ExportMastodonOptions {
  output: string
  server?: string
  tokenEnv?: string
  since?: string
  force?: boolean
}


/** The cursor and date of an earlier archive of the same account, for `--since`. */
export async function readSince(path: string, server: string, account: AccountRef): Promise<SinceState> {
  const reader = await ArchiveReader.open(path)
  try {
    const { source, createdAt } = reader.manifest
    if (source.network !== 'mastodon' || source.account.id !== account.id) {
      throw new UsageError(`${path} is not an archive of ${account.handle ?? account.id}.`, { hint: '--since needs an earlier archive of the same account.' })
    }
    if (!reader.has(CURSOR_MEMBER)) throw new UsageError(`${path} has no ${CURSOR_MEMBER}.`, { hint: '--since needs an archive written by `lifeboat export mastodon`.' })
    const cursor = await reader.readJson<MastodonCursor>(CURSOR_MEMBER)
    if (cursor.server !== server) throw new UsageError(`${path} was exported from ${cursor.server}, not ${server}.`, { hint: 'Export from the same server, or drop --since.' })
    return { createdAt, cursor }
  } finally {
    reader.close()
  }
}

export interface ExportMastodonDeps {
  /** Replaces the context built from the CLI (tests route every request through a fault proxy with it). */
  context?: AdapterContext
}

export async function run(options: ExportMastodonOptions, cli: CliContext, deps: ExportMastodonDeps = {}): Promise<ExportResult> {
  const output = requireOutput(options.output)
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
  const since = options.since ? await readSince(options.since, server, account) : undefined
  const writer = await ArchiveWriter.open({
    path: output,
    force: options.force,
    signal: cli.signal,
    source: { network: 'mastodon', server, account },
    since: since ? { archive: since.createdAt, cursor: since.cursor } : null,
  })
  if (writer.resumedMedia > 0) cli.out.info(`Resuming: ${writer.resumedMedia} media files were already downloaded by an interrupted run.`)
  let manifest: Manifest
  let failures: ExportResult['failures']
  try {
    const report = await source.exportTo(writer, since ? { since } : {})
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
  cli.out.result(
    { ok: failures.length === 0, archive: output, counts: manifest.counts, mediaBytes, failures, since: manifest.since?.archive ?? null },
    `Wrote ${output}${since ? ` (new since ${since.createdAt})` : ''}: ${counts}; media ${formatBytes(mediaBytes)}.`,
  )
  if (failures.length > 0) {
    throw new PartialFailureError(`${failures.length} item${failures.length === 1 ? '' : 's'} could not be exported; the archive holds everything else.`, {
      hint: 'The archive notes list each failure; run the export again later to try them again.',
      details: { failures: failures.length },
    })
  }
  return { archive: output, manifest, failures }
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
      .action(async (options: ExportMastodonOptions) => {
        await run(options, cli)
      }),
    'LIFEBOAT_MASTODON_TOKEN=… lifeboat export mastodon --server https://mastodon.social -o me.zip',
    'lifeboat export mastodon --server https://mastodon.social -o me-2.zip --since me.zip',
  )
}
