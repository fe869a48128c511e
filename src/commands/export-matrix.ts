// `lifeboat export matrix --homeserver URL --user @me:server -o <archive.zip>` (docs/adapters/matrix.md).
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../cli/adapter-context.js'
import { readSecret } from '../cli/secrets.js'
import { UsageError } from '../errors.js'
import type { AdapterContext } from '../adapters/adapter.js'
import { decryptKeyFile, parseSessions, type ExportedSession } from '../adapters/matrix/key-file.js'
import { checkUserId, DEFAULT_TOKEN_ENV, openSession } from '../adapters/matrix/session.js'
import { MatrixSource, type MatrixCursor, type RoomSelection } from '../adapters/matrix/source.js'
import { exportParent, readEarlierArchive, runExport, type ExportResult } from './export.js'

export const DEFAULT_PASSPHRASE_ENV = 'LIFEBOAT_MATRIX_KEYS_PASSPHRASE'

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

export function parseRooms(value: string | undefined): RoomSelection {
  if (value === undefined || value === 'all') return 'all'
  if (value === 'joined') return 'joined'
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = ids.find((id) => !/^[!#][^:\s]+(:[^\s]+)?$/.test(id))
  if (ids.length === 0 || bad !== undefined) {
    throw new UsageError(`--rooms ${bad ?? value} is not all, joined, or a list of room IDs and aliases.`, { hint: 'e.g. --rooms joined, or --rooms !abc:example.org,#general:example.org' })
  }
  return ids
}

async function readKeys(options: Pick<ExportMatrixOptions, 'keys' | 'passphraseEnv'>, cli: CliContext): Promise<ExportedSession[] | undefined> {
  if (!options.keys) {
    if (options.passphraseEnv) throw new UsageError('--passphrase-env is only used with --keys.', { hint: 'Add --keys <file> (an Element key export), or drop --passphrase-env.' })
    return undefined
  }
  const text = await readFile(options.keys, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read the key file ${options.keys}: ${error.code ?? error.message}.`, { hint: 'Check the path given to --keys.' })
  })
  const passphrase = await readSecret({
    label: `passphrase of ${basename(options.keys)}`,
    envName: options.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV,
    explicit: Boolean(options.passphraseEnv),
    env: cli.env,
    required: true,
  })
  return parseSessions(await decryptKeyFile(text, passphrase, basename(options.keys)), basename(options.keys))
}

async function readSince(path: string, user: string): Promise<{ createdAt: string; cursor: MatrixCursor }> {
  const since = await readEarlierArchive<MatrixCursor>(path, { network: 'matrix', account: { id: user } })
  return { createdAt: since.createdAt, cursor: { rooms: { ...(since.cursor.rooms ?? {}) } } }
}

/**
 * Reads the keys and the secret and opens the session: the Source of `export matrix` and `backup matrix`. `close`
 * ends the session (a password login's device is logged out).
 */
export async function openSource(
  options: Omit<ExportMatrixOptions, 'output' | 'force' | 'since'>,
  cli: CliContext,
  since: { createdAt: string; cursor: MatrixCursor } | undefined,
  context: AdapterContext = adapterContext(cli),
): Promise<{ source: MatrixSource; close(): Promise<void> }> {
  const user = checkUserId(options.user)
  const rooms = parseRooms(options.rooms)
  const keys = await readKeys(options, cli)
  const password = options.passwordEnv
    ? await readSecret({ label: `password for ${user}`, envName: options.passwordEnv, explicit: true, env: cli.env, required: true })
    : undefined
  const token = password
    ? undefined
    : await readSecret({ label: `access token for ${user}`, envName: options.tokenEnv ?? DEFAULT_TOKEN_ENV, explicit: Boolean(options.tokenEnv), env: cli.env, required: true })
  const session = await openSession(context.http, { homeserver: options.homeserver, user, token, password, deviceName: 'Lifeboat export' })
  return { source: new MatrixSource(context, { session, rooms, includeLeft: Boolean(options.includeLeft), keys, since }), close: () => session.close() }
}

export async function run(options: ExportMatrixOptions, cli: CliContext, context: AdapterContext = adapterContext(cli)): Promise<ExportResult> {
  const user = checkUserId(options.user)
  parseRooms(options.rooms)
  const since = options.since ? await readSince(options.since, user) : undefined
  const { source, close } = await openSource(options, cli, since, context)
  try {
    return await runExport(source, { output: options.output, force: options.force, since }, cli)
  } finally {
    await close()
  }
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
