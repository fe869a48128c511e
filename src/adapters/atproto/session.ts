// The one AT Protocol login: a session on one PDS that outlives its access token, for every command that logs in
// (export, backup, restore, migration, replay). Every call names its PDS explicitly: the SDK agent would send calls
// to the PDS named in the DID document, which during a migration is the OTHER server (Airport #6: records written
// into the wrong account).
//
// Access tokens live 120 min (pds account-manager/helpers/auth.ts createAccessToken), refresh tokens 90 days. A call
// answered ExpiredToken/InvalidToken (400 from the PDS's verifyBearerJwt, 401 from some proxies) refreshes the session
// once with com.atproto.server.refreshSession and is repeated once. Concurrent calls that meet the same expired token
// share one refresh; a call that used a token already replaced just repeats with the new one. When the refresh
// token is refused too, the session logs in again with the password it holds in memory.
import type { AdapterContext } from '../adapter.js'
import { AuthError, RemoteError } from '../../errors.js'
import { registerSecret } from '../../net/redact.js'
import { xrpcCall, xrpcInit, xrpcUrl, type XrpcOptions } from './xrpc.js'
import type { Session } from './api.js'

/** Access-token scopes (pds auth-scope.ts): only `com.atproto.access` is a full session. */
export const FULL_SCOPE = 'com.atproto.access'

export type CallOptions = Omit<XrpcOptions, 'accessJwt'>

function jwtScope(jwt: string): string | null {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: unknown }
    return typeof payload.scope === 'string' ? payload.scope : null
  } catch {
    return null
  }
}

interface Tokens {
  did: string
  handle: string | null
  accessJwt: string
  refreshJwt: string
}

/** Every token is registered for redaction the moment it exists. */
function tokens(session: Session): Tokens {
  registerSecret(session.accessJwt)
  registerSecret(session.refreshJwt)
  return { did: session.did, handle: session.handle ?? null, accessJwt: session.accessJwt, refreshJwt: session.refreshJwt }
}

/** com.atproto.server.createSession, with the one wording for a refused login and for email 2FA. */
async function createSession(context: AdapterContext, pds: string, identifier: string, password: string): Promise<Tokens> {
  registerSecret(password)
  const host = new URL(pds).host
  try {
    return tokens(await xrpcCall<Session>(context, pds, 'com.atproto.server.createSession', { method: 'POST', body: JSON.stringify({ identifier, password }) }))
  } catch (error) {
    const name = error instanceof AuthError || error instanceof RemoteError ? String(error.details?.error ?? '') : ''
    if (name === 'AuthFactorTokenRequired') {
      throw new AuthError(`${host} asks for an emailed sign-in code for ${identifier} (email two-factor authentication).`, {
        hint: 'Export, backup and replay work with an app password (no code asked); restore and migrate need the account password, so turn email 2FA off for the duration of the run.',
      })
    }
    if (error instanceof AuthError || (error instanceof RemoteError && error.status === 401)) {
      throw new AuthError(`${host} refused the login for ${identifier}${name ? ` (${name})` : ''}.`, { hint: 'Check the password in the environment variable you named.' })
    }
    throw error
  }
}

export function isExpiredToken(error: unknown): boolean {
  return error instanceof AuthError && ['ExpiredToken', 'InvalidToken'].includes(String(error.details?.error ?? ''))
}

export class PdsSession {
  #current: Tokens
  #refreshing: Promise<void> | undefined

  private constructor(
    readonly context: AdapterContext,
    readonly pds: string,
    readonly identifier: string,
    readonly password: string,
    current: Tokens,
  ) {
    this.#current = current
  }

  /** Logs in; with `expectDid`, refuses a session for any other account. */
  static async open(context: AdapterContext, pds: string, identifier: string, password: string, expectDid?: string): Promise<PdsSession> {
    const current = await createSession(context, pds, identifier, password)
    if (expectDid && current.did !== expectDid) {
      throw new AuthError(`The login on ${new URL(pds).host} is for ${current.did}, not ${expectDid}.`, { hint: 'Check the account name and password you gave for this server.' })
    }
    return new PdsSession(context, pds, identifier, password, current)
  }

  get did(): string {
    return this.#current.did
  }

  get handle(): string | null {
    return this.#current.handle
  }

  get accessJwt(): string {
    return this.#current.accessJwt
  }

  /** `com.atproto.access` for a password login, `com.atproto.appPass…` for an app password. */
  get scope(): string | null {
    return jwtScope(this.#current.accessJwt)
  }

  get isFull(): boolean {
    return this.scope === FULL_SCOPE
  }

  /** Replaces the tokens once for everyone who used `stale`; a caller with an already replaced token only waits. */
  async refresh(stale: string = this.#current.accessJwt): Promise<void> {
    if (this.#refreshing) return this.#refreshing
    if (stale !== this.#current.accessJwt) return
    this.#refreshing = (async () => {
      try {
        this.#current = tokens(await xrpcCall<Session>(this.context, this.pds, 'com.atproto.server.refreshSession', { method: 'POST', accessJwt: this.#current.refreshJwt }))
      } catch (error) {
        if (!(error instanceof AuthError)) throw error
        this.context.out.debug(`refreshSession on ${new URL(this.pds).host} was refused (${error.message}); logging in again`)
        this.#current = await createSession(this.context, this.pds, this.identifier, this.password)
      }
    })().finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  /** Runs `call` with the current access token; on an expired token, refreshes (once, shared) and runs it once more. */
  async #authorized<T>(call: (accessJwt: string) => Promise<T>): Promise<T> {
    await this.#refreshing
    const used = this.#current.accessJwt
    try {
      return await call(used)
    } catch (error) {
      if (!isExpiredToken(error)) throw error
      this.context.out.debug(`access token on ${new URL(this.pds).host} expired; refreshing the session`)
      await this.refresh(used)
      return call(this.#current.accessJwt)
    }
  }

  /** An authenticated XRPC call returning JSON. */
  async json<T>(nsid: string, options: CallOptions = {}): Promise<T> {
    return this.#authorized((accessJwt) => xrpcCall<T>(this.context, this.pds, nsid, { ...options, accessJwt }))
  }

  /**
   * An authenticated call that is never repeated after a refresh: for calls whose own token errors share names with
   * an expired session's (identity.signPlcOperation answers InvalidToken/ExpiredToken for the emailed token).
   * Refreshes first, so the session cannot expire in between.
   */
  async jsonOnce<T>(nsid: string, options: CallOptions = {}): Promise<T> {
    await this.refresh()
    return xrpcCall<T>(this.context, this.pds, nsid, { ...options, accessJwt: this.accessJwt })
  }

  /** An authenticated XRPC call whose response `consume` reads (streams, headers); its body must be replayable. */
  async request<T>(nsid: string, options: CallOptions, consume: (res: Response) => Promise<T>): Promise<T> {
    return this.#authorized((accessJwt) => this.context.http.request(xrpcUrl(this.pds, nsid, options.params), xrpcInit({ ...options, accessJwt }), consume))
  }
}
