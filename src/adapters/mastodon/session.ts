// Opening a Mastodon-API account: the server address checked, the token read from the variable named by --token-env
// (default LIFEBOAT_MASTODON_TOKEN) or a prompt, and (for targets and migrations) what the server is and whose token
// this is.
import type { AdapterContext, SecretReader, SourceFlags, TargetFlags } from '../adapter.js'
import type { CredentialAccount } from './api.js'
import { MastodonClient, normalizeServer } from './client.js'
import { detectServer, type ServerInfo } from './flavor.js'
import { whoAmI } from './migration.js'

import { DEFAULT_TOKEN_ENV } from './capabilities.js'

export interface Connection {
  client: MastodonClient
  info: ServerInfo
  me: CredentialAccount
  token: string
}

/** Checks the server address and reads the token. */
export async function tokenFor(flags: TargetFlags | SourceFlags, env: NodeJS.ProcessEnv, secrets: SecretReader): Promise<{ server: string; token: string }> {
  const server = normalizeServer(flags.server)
  const token = await secrets.read({
    label: `access token for ${new URL(server).host}`,
    envName: flags.tokenEnv ?? DEFAULT_TOKEN_ENV,
    explicit: Boolean(flags.tokenEnv),
    env,
    required: true,
  })
  return { server, token }
}

/** Checks the server address, reads the token, and asks the server what it is and whose token this is. */
export async function connect(flags: TargetFlags, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<Connection> {
  const { server, token } = await tokenFor(flags, env, context.secrets)
  const client = new MastodonClient(context, server, token)
  const info = await detectServer(client)
  const me = await whoAmI(client)
  return { client, info, me, token }
}
