// `lifeboat export atproto <handle-or-did> -o <archive.zip>` (docs/adapters/atproto.md).
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { DEFAULT_PASSWORD_ENV } from '../adapters/atproto/capabilities.js'
import { exportNetwork, exportParent, type ExportResult, type ExportSeams } from './export.js'

export interface ExportAtprotoOptions {
  output: string
  pds?: string
  plc?: string
  passwordEnv?: string
  login?: boolean
  force?: boolean
}

export async function run(actor: string, options: ExportAtprotoOptions, cli: CliContext, seams: ExportSeams = {}): Promise<ExportResult> {
  const { pds, ...rest } = options
  return exportNetwork('atproto', { ...rest, account: actor, server: pds }, cli, seams)
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    exportParent(program)
      .command('atproto')
      .description('export an AT Protocol (Bluesky) account: repo CAR, blobs, records, preferences')
      .argument('<handle-or-did>', 'e.g. alice.bsky.social or did:plc:…')
      .requiredOption('-o, --output <archive.zip>', 'archive to write')
      .option('--pds <url>', 'the PDS to read from (skips handle/DID discovery)')
      .option('--plc <url>', 'PLC directory (default https://plc.directory)')
      .option('--password-env <NAME>', `environment variable holding an app password (for preferences; default ${DEFAULT_PASSWORD_ENV} when set)`)
      .option('--login', 'ask for an app password on the terminal (for preferences)')
      .option('--force', 'replace an existing archive at the output path')
      .option('--mkdir', MKDIR_HELP)
      .hook('preAction', checkOutputHook)
      .action(async (actor: string, options: ExportAtprotoOptions) => {
        await run(actor, options, cli)
      }),
    'lifeboat export atproto alice.bsky.social -o alice.zip',
    'LIFEBOAT_ATPROTO_PASSWORD=xxxx-xxxx-xxxx-xxxx lifeboat export atproto alice.bsky.social -o alice.zip --password-env LIFEBOAT_ATPROTO_PASSWORD',
  )
  renameOption(program.commands.find((c) => c.name() === 'export')!.commands.find((c) => c.name() === 'atproto')!, '--pds', '--server <url>', "the account's server (PDS) to read from (skips handle/DID discovery)")
}
