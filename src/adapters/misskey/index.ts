// The Misskey adapter as the commands see it (src/adapters/registry.ts): its Source (`lifeboat export misskey`), its
// replay Target (`lifeboat replay --to misskey`) and its AccountMigration (`lifeboat alias add --to misskey`,
// `lifeboat move --from misskey`). Tokens come from the variable named by --token-env (default
// LIFEBOAT_MISSKEY_TOKEN) or a prompt.
import type { AdapterContext, MigrationFactory, NetworkAdapter, OpenedSource, SourceFlags, TargetFactory, TargetFlags } from '../adapter.js'
import { DEFAULT_TOKEN_ENV, MISSKEY_CAPABILITIES } from './capabilities.js'
import { readSince } from './since.js'
import { MisskeySource } from './source.js'
import { createHttpClient, type HttpClientOptions } from '../../net/http-client.js'
import { UsageError } from '../../errors.js'
import { accountOf } from './accounts.js'
import { Pacer, type PacerOptions } from './pacing.js'
import { probeServer, signIn, type MisskeySession } from './session.js'

/**
 * Knobs for tests and benchmarks: `timeScale`/`overrides` match a fake server's scaled limits; `http` replaces the
 * command's HTTP client by one with these options (e.g. short backoffs), keeping its abort signal and output.
 */
export type MisskeyTuning = Pick<PacerOptions, 'timeScale' | 'overrides' | 'now' | 'sleep'> & { http?: Partial<HttpClientOptions> }

function tuned(context: AdapterContext, tuning: MisskeyTuning): AdapterContext {
  return tuning.http ? { ...context, http: createHttpClient({ signal: context.signal, ...tuning.http }) } : context
}

async function open(flags: TargetFlags, context: AdapterContext, env: NodeJS.ProcessEnv, what: string): Promise<{ session: MisskeySession; tokenLength: number; envName: string }> {
  if (!flags.server) throw new UsageError(`Name the ${what} server with --server URL.`, { hint: 'For example --server https://misskey.example.' })
  const server = await probeServer(context, flags.server)
  const envName = flags.tokenEnv ?? DEFAULT_TOKEN_ENV
  const token = await context.secrets.read({ label: `Misskey token for ${server.host}`, envName, explicit: Boolean(flags.tokenEnv), env, required: true })
  return { session: await signIn(context, server, token, envName), tokenLength: token.length, envName }
}

function pacerFor(session: MisskeySession, context: AdapterContext, tuning: MisskeyTuning): Pacer {
  const factor = (session.me.policies as { rateLimitFactor?: number } | undefined)?.rateLimitFactor ?? 1
  const { http: _http, ...pacing } = tuning
  return new Pacer({
    ...pacing,
    factor,
    signal: context.signal,
    onWait(endpoint, waitMs, limit) {
      const url = `${session.server.origin}/api/${endpoint}`
      context.out.event('paced', { url, waitMs })
      if (waitMs >= 2000) {
        const minutes = Math.round(limit.duration / 60_000)
        context.out.info(`${endpoint} is limited to ${limit.max} per ${minutes >= 1 ? `${minutes} min` : `${limit.duration} ms`} on ${session.server.host}; waiting ${Math.ceil(waitMs / 1000)} s`)
      }
    },
  })
}

export function createTargetFactory(tuning: MisskeyTuning = {}): TargetFactory {
  return {
    network: 'misskey',
    async create(flags, given, env) {
      const context = tuned(given, tuning)
      const { session } = await open(flags, context, env, 'new account\'s')
      // The target and the migration are loaded when they are used, not at the top: an export never needs them.
      const { MisskeyTarget } = await import('./target.js')
      const target = new MisskeyTarget(session, context, pacerFor(session, context, tuning))
      return { target, server: session.server.uri, account: accountOf(session.server, session.me).handle! }
    },
  }
}

export function createMigrationFactory(tuning: MisskeyTuning = {}): MigrationFactory {
  return {
    flavors: ['misskey', 'sharkey', 'cherrypick'],
    async create(flags, given, env) {
      const context = tuned(given, tuning)
      const { session, tokenLength, envName } = await open(flags, context, env, 'account\'s')
      const { MisskeyMigration } = await import('./migration.js')
      const migration = new MisskeyMigration(session, context, pacerFor(session, context, tuning), { length: tokenLength, envName })
      return { migration, account: accountOf(session.server, session.me), server: session.server.uri }
    },
  }
}

/** The Source; `downloadConcurrency` is a knob for tests (how many drive files download at once). */
export function createSourceOpener(tuning: { downloadConcurrency?: number } = {}): NonNullable<NetworkAdapter['openSource']> {
  return async (flags: SourceFlags, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<OpenedSource> => {
    if (!flags.server) throw new UsageError('Name the Misskey server with --server URL.', { hint: 'For example --server https://misskey.io.' })
    const server = await probeServer(context, flags.server)
    const envName = flags.tokenEnv ?? DEFAULT_TOKEN_ENV
    const token = await context.secrets.read({ label: `Misskey access token for ${server.host}`, envName, explicit: Boolean(flags.tokenEnv), env, required: true })
    const session = await signIn(context, server, token, envName)
    const source = new MisskeySource(session, context, { downloadConcurrency: tuning.downloadConcurrency })
    const since = flags.sinceFor ? await flags.sinceFor((await source.describe()).account) : flags.since ? await readSince(flags.since, session) : undefined
    return { source, since, close: async () => {} }
  }
}

export const replayTarget: TargetFactory = createTargetFactory()

export const migration: MigrationFactory = createMigrationFactory()

export const adapter: NetworkAdapter = {
  capabilities: MISSKEY_CAPABILITIES,
  openSource: createSourceOpener(),
  // the notes chain must never wait behind downloads for one of the host's slots: downloads take at most 5 of 8
  sourceHttp: { concurrencyPerHost: 8 },
  openTarget: replayTarget.create,
  migration,
}
