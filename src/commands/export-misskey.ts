// `lifeboat export misskey --server URL -o <archive.zip> [--token-env NAME] [--since <earlier archive>]`
// (docs/adapters/misskey.md). The token comes from the variable named by --token-env (default
// LIFEBOAT_MISSKEY_TOKEN) or a prompt. With --since, the earlier archive's cursor (native/misskey/cursor.json, or
// the newest ids of its records) limits the notes, drive files, favorites and reactions to what is new.
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../cli/adapter-context.js'
import { readSecret } from '../cli/secrets.js'
import type { SinceState } from '../adapters/adapter.js'
import type { HttpClientOptions } from '../net/http-client.js'
import { ArchiveReader } from '../archive/reader.js'
import { UsageError } from '../errors.js'
import { accountOf } from '../adapters/misskey/accounts.js'
import { DEFAULT_TOKEN_ENV, type MisskeyCursor } from '../adapters/misskey/api.js'
import { laterId } from '../adapters/misskey/paging.js'
import { probeServer, signIn, type MisskeySession } from '../adapters/misskey/server.js'
import { MisskeySource } from '../adapters/misskey/source.js'
import { exportParent, readEarlierArchive, requireOutput, runExport, type ExportResult } from './export.js'

export interface ExportMisskeyOptions {
  server: string
  output: string
  tokenEnv?: string
  since?: string
  force?: boolean
}

/** Knobs for tests and benchmarks; the CLI uses the defaults. */
export interface ExportMisskeyDeps {
  http?: Partial<HttpClientOptions>
  downloadConcurrency?: number
}

/** Newest `native.id` (Misskey's own id) among the records of one kind of an earlier archive. */
async function newestNativeId(reader: ArchiveReader, kind: 'posts' | 'bookmarks' | 'likes'): Promise<string | undefined> {
  let newest: string | undefined
  for await (const record of reader.records(kind)) {
    const id = (record.native as { id?: unknown } | undefined)?.id
    if (typeof id === 'string') newest = laterId(newest, id)
  }
  return newest
}

/**
 * Where the earlier archive of this account ended: its cursor file, or for an archive without one the newest ids of
 * its records. Archives of other networks or accounts are refused (readEarlierArchive).
 */
export async function readSince(path: string, session: MisskeySession): Promise<SinceState & { cursor: MisskeyCursor }> {
  const base: MisskeyCursor = { userId: session.me.id, server: session.server.uri }
  const earlier = await readEarlierArchive<MisskeyCursor>(path, { network: 'misskey', account: accountOf(session.server, session.me) }, async (reader) => {
    let files: string | undefined
    for await (const media of reader.records('media')) files = laterId(files, media.source.id ?? undefined)
    return { ...base, notes: await newestNativeId(reader, 'posts'), files, favorites: await newestNativeId(reader, 'bookmarks'), reactions: await newestNativeId(reader, 'likes') }
  })
  return { createdAt: earlier.createdAt, cursor: { ...earlier.cursor, ...base } }
}

/** Probes the server, reads the token and signs in: the Source of `export misskey` and `backup misskey`. */
export async function openSource(options: Pick<ExportMisskeyOptions, 'server' | 'tokenEnv'>, cli: CliContext, deps: ExportMisskeyDeps = {}): Promise<{ source: MisskeySource; session: MisskeySession }> {
  if (!options.server) throw new UsageError('Name the Misskey server with --server URL.', { hint: 'For example --server https://misskey.io.' })
  // the notes chain must never wait behind downloads for one of the host's slots: downloads take at most 5 of 8
  const context = adapterContext(cli, { concurrencyPerHost: 8, ...deps.http })
  const server = await probeServer(context, options.server)
  const envName = options.tokenEnv ?? DEFAULT_TOKEN_ENV
  const token = await readSecret({ label: `Misskey access token for ${server.host}`, envName, explicit: Boolean(options.tokenEnv), env: cli.env, required: true })
  const session = await signIn(context, server, token, envName)
  return { source: new MisskeySource(session, context, { downloadConcurrency: deps.downloadConcurrency }), session }
}

export async function run(options: ExportMisskeyOptions, cli: CliContext, deps: ExportMisskeyDeps = {}): Promise<ExportResult> {
  if (!options.server) throw new UsageError('Name the Misskey server with --server URL.', { hint: 'For example --server https://misskey.io.' })
  requireOutput(options.output)
  const { source, session } = await openSource(options, cli, deps)
  const since = options.since ? await readSince(options.since, session) : undefined
  return runExport(source, { output: options.output, force: options.force, since }, cli)
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    exportParent(program)
      .command('misskey')
      .description('export a Misskey account: every note, drive file, follow, list, mute, block, clip, favorite and the profile')
      .requiredOption('--server <url>', 'the Misskey server, e.g. https://misskey.io')
      .requiredOption('-o, --output <archive.zip>', 'archive to write')
      .option('--token-env <NAME>', `environment variable holding an access token (default ${DEFAULT_TOKEN_ENV})`)
      .option('--since <archive>', 'an earlier archive of this account: export only what is new since then')
      .option('--force', 'replace an existing archive at the output path')
      .option('--mkdir', MKDIR_HELP)
      .hook('preAction', checkOutputHook)
      .action(async (options: ExportMisskeyOptions) => {
        await run(options, cli)
      }),
    'LIFEBOAT_MISSKEY_TOKEN=… lifeboat export misskey --server https://misskey.io -o me.zip',
    'lifeboat export misskey --server https://misskey.io -o me-2.zip --since me.zip',
  )
}
