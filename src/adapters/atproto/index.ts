// The AT Protocol replay factory, looked up by `lifeboat replay --to atproto` (src/commands/replay.ts).
// `--handle` names the new account, `--to-server` its PDS (else found from the handle), `--password-env` an app password.
import type { AdapterContext, TargetFactory, TargetFlags } from '../adapter.js'
import { readSecret } from '../../cli/secrets.js'
import { UsageError } from '../../errors.js'
import { DEFAULT_PLC, resolveIdentity } from './identity.js'
import { PdsSession } from './session.js'
import { AtprotoTarget } from './target.js'

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

export const replayTarget: TargetFactory = {
  network: 'atproto',
  async create(flags: TargetFlags, context: AdapterContext, env: NodeJS.ProcessEnv) {
    if (!flags.handle) {
      throw new UsageError('Name the new AT Protocol account with --handle.', { hint: 'lifeboat replay old.zip --to atproto --handle me.new-pds.example --to-server https://new-pds.example' })
    }
    const plc = (flags.plc ?? DEFAULT_PLC).replace(/\/+$/, '')
    const identity = await resolveIdentity(flags.handle, { http: context.http, pds: flags.pds, plc: flags.plc })
    const password = await readSecret({
      label: `app password for ${identity.handle ?? identity.did}`,
      envName: flags.passwordEnv ?? 'LIFEBOAT_ATPROTO_PASSWORD',
      explicit: Boolean(flags.passwordEnv),
      env,
      required: true,
    })
    const session = await PdsSession.open(context, identity.pds, identity.did, password, identity.did)
    const target = new AtprotoTarget(context, { session, handle: identity.handle, plc, likes: likesAsked(flags), posts: postsAsked(flags) })
    return { target, server: identity.pds, account: identity.did }
  },
}
