// `lifeboat export matrix --homeserver URL --user @me:server -o <archive.zip>` (docs/adapters/matrix.md):
// its flags; the adapter opens the Source (src/adapters/matrix/index.ts).
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { DEFAULT_PASSPHRASE_ENV, DEFAULT_TOKEN_ENV } from '../adapters/matrix/capabilities.js'
import { exportNetwork, exportParent, type ExportResult, type ExportSeams } from './export.js'

export interface ExportMatrixOptions {
  output: string
  homeserver: string
  user: string
  rooms?: string
  includeLeft?: boolean
  keys?: string
  passphraseEnv?: string
  since?: string
  tokenEnv?: string
  passwordEnv?: string
  force?: boolean
}

export async function run(options: ExportMatrixOptions, cli: CliContext, seams: ExportSeams = {}): Promise<ExportResult> {
  const { homeserver, user, ...rest } = options
  return exportNetwork('matrix', { ...rest, server: homeserver, account: user }, cli, seams)
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    exportParent(program)
      .command('matrix')
      .description('export a Matrix account: every room\'s state and whole history, media, account data, profile')
      .requiredOption('--homeserver <url>', 'the homeserver, e.g. https://matrix.example.org')
      .requiredOption('--user <mxid>', 'the account, e.g. @me:example.org')
      .requiredOption('-o, --output <archive.zip>', 'archive to write')
      .option('--rooms <which>', 'all (default: joined and invited), joined, or comma-separated room IDs / aliases')
      .option('--include-left', 'with --rooms all: also rooms the account has left (history up to the leave)')
      .option('--keys <file>', 'an Element room key export, to decrypt encrypted rooms')
      .option('--passphrase-env <NAME>', `environment variable holding the key file's passphrase (default ${DEFAULT_PASSPHRASE_ENV})`)
      .option('--since <archive>', 'an earlier Matrix archive of the account: only newer events are exported')
      .option('--token-env <NAME>', `environment variable holding an access token (default ${DEFAULT_TOKEN_ENV})`)
      .option('--password-env <NAME>', 'environment variable holding the password (logs in instead of a token)')
      .option('--force', 'replace an existing archive at the output path')
      .option('--mkdir', MKDIR_HELP)
      .hook('preAction', checkOutputHook)
      .action(async (options: ExportMatrixOptions) => {
        await run(options, cli)
      }),
    'LIFEBOAT_MATRIX_TOKEN=syt_… lifeboat export matrix --homeserver https://matrix.example.org --user @me:example.org -o me.zip',
    'lifeboat export matrix --homeserver example.org --user @me:example.org -o me.zip --keys element-keys.txt --passphrase-env KEYS_PW --include-left',
    'lifeboat export matrix --homeserver example.org --user @me:example.org -o me-2.zip --since me.zip',
  )
  renameOption(program.commands.find((c) => c.name() === 'export')!.commands.find((c) => c.name() === 'matrix')!, '--homeserver', '--server <url>', "the account's homeserver, e.g. https://matrix.example.org")
}
