// Logging in to a PDS through @atproto/api, with its fetch routed through the shared HTTP client.
// Every token the session holds is registered for redaction the moment it exists.
import type { AtpAgent } from '@atproto/api'
import type { HttpClient } from '../../net/http-client.js'
import { registerSecret } from '../../net/redact.js'
import { AuthError, RemoteError } from '../../errors.js'

export interface LoggedIn {
  agent: AtpAgent
  did: string
  accessJwt: string
}

export async function login(http: HttpClient, pds: string, identifier: string, password: string): Promise<LoggedIn> {
  registerSecret(password)
  // Loaded on demand: @atproto/api's lexicons cost ~35 MB of memory, which a public export never needs.
  const { AtpAgent } = await import('@atproto/api')
  const agent = new AtpAgent({ service: pds, fetch: http.fetch })
  try {
    await agent.login({ identifier, password })
  } catch (error) {
    const status = (error as { status?: number }).status
    const name = (error as { error?: string }).error
    if (status === 401 || name === 'AuthenticationRequired' || name === 'AuthFactorTokenRequired') {
      throw new AuthError(`${new URL(pds).host} refused the login for ${identifier}${name ? ` (${name})` : ''}.`, {
        hint: name === 'AuthFactorTokenRequired' ? 'The account has email 2FA; this step is not supported yet: use an app password.' : 'Check the password in the environment variable you named.',
      })
    }
    throw new RemoteError(`Login to ${new URL(pds).host} failed: ${(error as Error).message}`, { cause: error })
  }
  const session = agent.session!
  registerSecret(session.accessJwt)
  registerSecret(session.refreshJwt)
  return { agent, did: session.did, accessJwt: session.accessJwt }
}
