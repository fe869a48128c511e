// The Matrix replay target for `lifeboat replay <archive> --to matrix --to-server URL --user @me:server`.
// Its target is a WholeArchiveTarget (target.ts): the replay command hands it the whole archive instead of running
// the generic driver, whose kinds (follows, lists, blocks …) Matrix does not have.
import type { TargetFactory, TargetFlags } from '../adapter.js'
import { readSecret } from '../../cli/secrets.js'
import { UsageError } from '../../errors.js'
import { DEFAULT_TOKEN_ENV, openSession } from './session.js'
import { MatrixTarget } from './target.js'

export const replayTarget: TargetFactory = {
  network: 'matrix',
  async create(flags: TargetFlags, context, env) {
    if (!flags.homeserver) throw new UsageError('--to matrix needs --to-server.', { hint: 'Add --to-server https://your.new.server (and --user @you:new.server).' })
    const label = `access token for ${flags.user ?? 'the new Matrix account'}`
    const password = flags.passwordEnv
      ? await readSecret({ label: `password for ${flags.user ?? 'the new Matrix account'}`, envName: flags.passwordEnv, explicit: true, env, required: true })
      : undefined
    const token = password ? undefined : await readSecret({ label, envName: flags.tokenEnv ?? DEFAULT_TOKEN_ENV, explicit: Boolean(flags.tokenEnv), env, required: true })
    const session = await openSession(context.http, { homeserver: flags.homeserver, user: flags.user, token, password, deviceName: 'Lifeboat replay' })
    return { target: new MatrixTarget(context, session), server: session.baseUrl, account: session.userId }
  },
}
