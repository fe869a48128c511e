// The AT Protocol adapter as the commands see it (src/adapters/registry.ts): its Source for `lifeboat export atproto`
// (a handle or DID; `--server` its PDS, else found from the DID; an app password only adds preferences) and its
// replay target (`--handle` the new account, `--to-server` its PDS, else found from the handle, `--password-env` an
// app password). Its migration is `lifeboat migrate atproto` (migration.ts and migration-*.ts), which moves a whole account.
import type { AdapterContext, NetworkAdapter, OpenedSource, SourceFlags, TargetFactory, TargetFlags } from '../adapter.js'
import { ATPROTO_CAPABILITIES, DEFAULT_PASSWORD_ENV } from './capabilities.js'
import { AtprotoSource } from './source.js'
import { UsageError } from '../../errors.js'
import { DEFAULT_PLC, resolveIdentity } from './identity.js'
import { PdsSession } from './session.js'

/** Whether `--only` asks for likes: they are replayed only when asked (the replay command passes its flags through). */
function likesAsked(flags: TargetFlags): boolean {
  const only = (flags as TargetFlags & { only?: unknown }).only
  return typeof only === 'string' && only.split(',').some((kind) => kind.trim() === 'likes')
}

/** Whether posts are asked for (`--posts`, or `posts` in `--only`). */
function postsAsked(flags: TargetFlags): boolean {
  const { only, posts } = flags as TargetFlags & { only?: unknown; posts?: unknown }
  return posts === true || (typeof only === 'string' && only.split(',').some((kind) => kind.trim() === 'posts'))
}

async function openSource(flags: SourceFlags, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<OpenedSource> {
  if (!flags.account) throw new UsageError('Name the AT Protocol account by its handle or DID.', { hint: 'lifeboat export atproto alice.bsky.social -o alice.zip' })
  const identity = await resolveIdentity(flags.account, { http: context.http, pds: flags.server, plc: flags.plc })
  context.out.debug(`${flags.account} is ${identity.did} on ${identity.pds}`)
  // Like the other networks' default variables, LIFEBOAT_ATPROTO_PASSWORD is used whenever it is set.
  const fromDefault = !flags.passwordEnv && Boolean(env[DEFAULT_PASSWORD_ENV])
  if (fromDefault) context.out.info(`Using the app password in ${DEFAULT_PASSWORD_ENV} (adds preferences).`)
  const password = flags.passwordEnv || flags.login || fromDefault
    ? await context.secrets.read({ label: `app password for ${identity.handle ?? identity.did}`, envName: flags.passwordEnv ?? DEFAULT_PASSWORD_ENV, explicit: Boolean(flags.passwordEnv), env, required: true })
    : undefined
  const session = password ? await PdsSession.open(context, identity.pds, identity.did, password, identity.did) : undefined
  return { source: new AtprotoSource(context, { identity, session, plc: flags.plc }), close: async () => {} }
}

export const replayTarget: TargetFactory = {
  network: 'atproto',
  async create(flags: TargetFlags, context: AdapterContext, env: NodeJS.ProcessEnv) {
    if (!flags.handle) {
      throw new UsageError('Name the new AT Protocol account with --handle.', { hint: 'lifeboat replay old.zip --to atproto --handle me.new-pds.example --to-server https://new-pds.example' })
    }
    const plc = (flags.plc ?? DEFAULT_PLC).replace(/\/+$/, '')
    const identity = await resolveIdentity(flags.handle, { http: context.http, pds: flags.pds, plc: flags.plc })
    const password = await context.secrets.read({
      label: `app password for ${identity.handle ?? identity.did}`,
      envName: flags.passwordEnv ?? DEFAULT_PASSWORD_ENV,
      explicit: Boolean(flags.passwordEnv),
      env,
      required: true,
    })
    const session = await PdsSession.open(context, identity.pds, identity.did, password, identity.did)
    // Loaded here, not at the top: the target brings the posts path (@atproto/api's RichText, sharp's native image
    // library), which an export never uses and would pay for at every start.
    const { AtprotoTarget } = await import('./target.js')
    const target = new AtprotoTarget(context, { session, handle: identity.handle, plc, likes: likesAsked(flags), posts: postsAsked(flags) })
    return { target, server: identity.pds, account: identity.did }
  },
}

export const adapter: NetworkAdapter = {
  capabilities: ATPROTO_CAPABILITIES,
  openSource,
  // Blob downloads take at most BLOB_CONCURRENCY (14) of the 16: the repo CAR and the blob list never wait for a slot.
  sourceHttp: { concurrencyPerHost: 16 },
  openTarget: replayTarget.create,
}
