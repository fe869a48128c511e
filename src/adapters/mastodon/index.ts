// The Mastodon adapter as the commands see it (src/adapters/registry.ts): its Source (`lifeboat export mastodon`),
// its replay target (`lifeboat replay --to mastodon`) and aliases/moves for the three Mastodon-API families
// (`lifeboat alias add --to …`, `lifeboat move --from …`). Tokens come only from the environment variable named by
// --token-env (default LIFEBOAT_MASTODON_TOKEN) or a prompt.
import type { AccountMigration, AdapterContext, MigrationFactory, NetworkAdapter, OpenedSource, SourceFlags, TargetFactory } from '../adapter.js'
import { MASTODON_CAPABILITIES } from './capabilities.js'
import { readSince } from './since.js'
import { openMastodonSource } from './source.js'
import { UnsupportedError } from '../../errors.js'
import { MastodonClient } from './client.js'
import type { Flavor } from './flavor.js'
import { accountRef } from './map.js'
import type { MastodonWebMigration } from './migration-flavors.js'
import { connect, tokenFor } from './session.js'

export const replayTarget: TargetFactory = {
  network: 'mastodon',
  async create(flags, context, env) {
    const { client, info, me } = await connect(flags, context, env)
    // The target and the migrations are loaded when they are used, not at the top: an export never needs them.
    const [{ FollowCap }, { MastodonTarget }] = await Promise.all([import('./follow-cap.js'), import('./target.js')])
    const cap = new FollowCap()
    const target = new MastodonTarget(context, client, cap, me, info)
    if (info.flavor === 'mastodon') {
      context.out.info(`${client.host} (${info.software} ${info.version}) allows 400 new follows a day through its API; a longer follow list is replayed over several days: run the same command again when it says.`)
    }
    return { target, server: client.server, account: `${me.acct}@${info.domain}` }
  },
}

async function migrationFor(flavor: Flavor, ...args: ConstructorParameters<typeof MastodonWebMigration>): Promise<AccountMigration> {
  if (flavor === 'sharkey') {
    throw new UnsupportedError(`${args[0].client.host} runs Sharkey, whose aliases and moves live in its Misskey API.`, { hint: 'Use --to misskey (or --from misskey) for this server.' })
  }
  const { AkkomaMigration, GoToSocialMigration, MastodonWebMigration } = await import('./migration-flavors.js')
  if (flavor === 'gotosocial') return new GoToSocialMigration(...args)
  if (flavor === 'akkoma') return new AkkomaMigration(...args)
  return new MastodonWebMigration(...args)
}

export const migration: MigrationFactory = {
  flavors: ['mastodon', 'gotosocial', 'akkoma', 'pleroma'],
  async create(flags, context, env) {
    const { client, info, me } = await connect(flags, context, env)
    const asked = flags.flavor === 'pleroma' ? 'akkoma' : flags.flavor
    if (asked !== info.flavor) context.out.warn(`${client.host} runs ${info.software}, not ${flags.flavor}: using ${info.software}'s way of doing it.`)
    const m = { context, client, info, env, passwordEnv: flags.passwordEnv }
    return { migration: await migrationFor(info.flavor, m, me), account: accountRef(me, info.domain), server: client.server }
  },
}

async function openSource(flags: SourceFlags, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<OpenedSource> {
  const { server, token } = await tokenFor(flags, env, context.secrets)
  const source = await openMastodonSource(context, new MastodonClient(context, server, token))
  const account = (await source.describe()).account
  const since = flags.sinceFor ? await flags.sinceFor(account) : flags.since ? await readSince(flags.since, server, account) : undefined
  return { source, since, close: async () => {} }
}

export const adapter: NetworkAdapter = {
  capabilities: MASTODON_CAPABILITIES,
  openSource,
  openTarget: replayTarget.create,
  migration,
}
