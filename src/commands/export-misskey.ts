// `lifeboat export misskey --server URL -o <archive.zip> [--token-env NAME] [--since <earlier archive>]`
// (docs/adapters/misskey.md): its flags; the adapter opens the Source (src/adapters/misskey/index.ts). The token
// comes from the variable named by --token-env (default LIFEBOAT_MISSKEY_TOKEN) or a prompt. With --since, the
// earlier archive's cursor limits the notes, drive files, favorites and reactions to what is new.
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import type { HttpClientOptions } from '../net/http-client.js'
import { DEFAULT_TOKEN_ENV } from '../adapters/misskey/capabilities.js'
import { networkAdapter } from '../adapters/registry.js'
import { exportParent, exportWith, type ExportResult } from './export.js'

export interface ExportMisskeyOptions {
  server: string
  output: string
  tokenEnv?: string
  since?: string
  force?: boolean
}

/** Knobs for tests and benchmarks; the CLI uses the defaults. */
export interface ExportMisskeySeams {
  http?: Partial<HttpClientOptions>
  downloadConcurrency?: number
}

export async function run(options: ExportMisskeyOptions, cli: CliContext, seams: ExportMisskeySeams = {}): Promise<ExportResult> {
  const adapter = await networkAdapter('misskey')
  const { createSourceOpener } = await import('../adapters/misskey/index.js')
  const tuned = seams.downloadConcurrency === undefined ? adapter : { ...adapter, openSource: createSourceOpener({ downloadConcurrency: seams.downloadConcurrency }) }
  return exportWith(tuned, options, cli, { http: seams.http })
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
