// The Matrix adapter as the commands see it (src/adapters/registry.ts): its Source (`lifeboat export matrix
// --homeserver URL --user @me:server`) and its replay target (`lifeboat replay <archive> --to matrix --to-server URL
// --user @me:server`). The target (target.ts) replays Matrix's own kinds (profile, rooms, direct, account-data) as
// steps of the one replay driver (src/replay/replay.ts).
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { AdapterContext, NetworkAdapter, SecretReader, OpenedSource, SourceFlags, TargetFactory, TargetFlags } from '../adapter.js'
import { DEFAULT_PASSPHRASE_ENV, DEFAULT_TOKEN_ENV, MATRIX_CAPABILITIES } from './capabilities.js'
import { decryptKeyFile, parseSessions, type ExportedSession } from './key-file.js'
import { readSince } from './since.js'
import { MatrixSource, parseRooms, type MatrixCursor } from './source.js'
import { UsageError } from '../../errors.js'
import { checkUserId, openSession } from './session.js'

export const replayTarget: TargetFactory = {
  network: 'matrix',
  async create(flags: TargetFlags, context, env) {
    if (!flags.homeserver) throw new UsageError('--to matrix needs --to-server.', { hint: 'Add --to-server https://your.new.server (and --user @you:new.server).' })
    const secret = await credentials(flags, flags.user ?? 'the new Matrix account', env, context.secrets)
    const session = await openSession(context.http, { homeserver: flags.homeserver, user: flags.user, ...secret, deviceName: 'Lifeboat replay' })
    // Loaded when a replay opens it, not at the top: an export never needs the replay steps.
    const { MatrixTarget } = await import('./target.js')
    return { target: new MatrixTarget(context, session), server: session.baseUrl, account: session.userId }
  },
}

/** A token from --token-env (default LIFEBOAT_MATRIX_TOKEN), or a password when --password-env names one. */
async function credentials(flags: { tokenEnv?: string; passwordEnv?: string }, who: string, env: NodeJS.ProcessEnv, secrets: SecretReader): Promise<{ token?: string; password?: string }> {
  if (flags.passwordEnv) return { password: await secrets.read({ label: `password for ${who}`, envName: flags.passwordEnv, explicit: true, env, required: true }) }
  return { token: await secrets.read({ label: `access token for ${who}`, envName: flags.tokenEnv ?? DEFAULT_TOKEN_ENV, explicit: Boolean(flags.tokenEnv), env, required: true }) }
}

/** `--keys <file>` with its passphrase from `--passphrase-env` (default LIFEBOAT_MATRIX_KEYS_PASSPHRASE) or a prompt. */
async function readKeyFile(options: { keys?: string; passphraseEnv?: string }, env: NodeJS.ProcessEnv, secrets: SecretReader): Promise<ExportedSession[] | undefined> {
  if (!options.keys) {
    if (options.passphraseEnv) throw new UsageError('--passphrase-env is only used with --keys.', { hint: 'Add --keys <file> (an Element key export), or drop --passphrase-env.' })
    return undefined
  }
  const text = await readFile(options.keys, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read the key file ${options.keys}: ${error.code ?? error.message}.`, { hint: 'Check the path given to --keys.' })
  })
  const passphrase = await secrets.read({
    label: `passphrase of ${basename(options.keys)}`,
    envName: options.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV,
    explicit: Boolean(options.passphraseEnv),
    env,
    required: true,
  })
  return parseSessions(await decryptKeyFile(text, passphrase, basename(options.keys)), basename(options.keys))
}

async function openSource(flags: SourceFlags, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<OpenedSource> {
  const user = checkUserId(flags.account ?? '')
  const rooms = parseRooms(flags.rooms)
  const keys = await readKeyFile(flags, env, context.secrets)
  const since = flags.sinceFor
    ? ((await flags.sinceFor({ id: user })) as { createdAt: string; cursor: MatrixCursor } | undefined)
    : flags.since ? await readSince(flags.since, user) : undefined
  const session = await openSession(context.http, { homeserver: flags.server!, user, ...(await credentials(flags, user, env, context.secrets)), deviceName: 'Lifeboat export' })
  const source = new MatrixSource(context, { session, rooms, includeLeft: Boolean(flags.includeLeft), keys, since })
  return { source, since, close: () => session.close() }
}

export const adapter: NetworkAdapter = {
  capabilities: MATRIX_CAPABILITIES,
  openSource,
  openTarget: replayTarget.create,
}
