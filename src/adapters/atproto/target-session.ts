// A logged-in account on one PDS, for runs that write and may outlast an access token (a paced replay waits hours;
// a migration copies blobs for as long as it takes). Every call names its PDS explicitly: the SDK agent would send
// calls to the PDS named in the DID document, which during a migration is the OTHER server (Airport #6: records
// written into the wrong account). Access tokens live 120 min (pds account-manager/helpers/auth.ts); on ExpiredToken
// the session logs in again with the password it holds in memory and repeats the call once.
import type { AdapterContext } from '../adapter.js'
import { AuthError, RemoteError } from '../../errors.js'
import { registerSecret } from '../../net/redact.js'
import { xrpcError, xrpcInit, xrpcUrl, type XrpcOptions } from './xrpc.js'
import type { Session } from './api.js'

/** Access-token scopes (pds auth-scope.ts): only `com.atproto.access` is a full session. */
export const FULL_SCOPE = 'com.atproto.access'

function jwtScope(jwt: string): string | null {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: unknown }
    return typeof payload.scope === 'string' ? payload.scope : null
  } catch {
    return null
  }
}

/**
 * The LifeboatError for a non-2xx answer. The body is read in full first, so that a body cut off in transit fails the
 * consume step and the HTTP layer repeats the request, instead of turning into an error without the server's name.
 */
export async function responseError(nsid: string, pds: string, res: Response): Promise<Error> {
  const text = await res.text()
  return xrpcError(nsid, pds, new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers }))
}

/** xrpcJson with `responseError`: JSON out, errors with the server's own error name. */
export async function xrpcCall<T>(context: AdapterContext, pds: string, nsid: string, options: XrpcOptions = {}): Promise<T> {
  const init = xrpcInit(options)
  if (typeof options.body === 'string') (init.headers as Record<string, string>)['content-type'] ??= 'application/json'
  return context.http.request(xrpcUrl(pds, nsid, options.params), init, async (res) => {
    if (!res.ok) throw await responseError(nsid, pds, res)
    const text = await res.text()
    return (text ? JSON.parse(text) : {}) as T
  })
}

interface LoggedIn {
  did: string
  handle: string | null
  accessJwt: string
}

/** com.atproto.server.createSession; every token is registered for redaction the moment it exists. */
async function createSession(context: AdapterContext, pds: string, identifier: string, password: string): Promise<LoggedIn> {
  registerSecret(password)
  const host = new URL(pds).host
  let session: Session
  try {
    session = await xrpcCall<Session>(context, pds, 'com.atproto.server.createSession', { method: 'POST', body: JSON.stringify({ identifier, password }) })
  } catch (error) {
    const name = error instanceof AuthError || error instanceof RemoteError ? String(error.details?.error ?? '') : ''
    if (name === 'AuthFactorTokenRequired') {
      throw new AuthError(`${host} asks for an emailed sign-in code for ${identifier} (email two-factor authentication).`, {
        hint: 'Turn email 2FA off in the account settings for the duration of this run, then turn it on again.',
      })
    }
    if (error instanceof AuthError || (error instanceof RemoteError && error.status === 401)) {
      throw new AuthError(`${host} refused the login for ${identifier}${name ? ` (${name})` : ''}.`, { hint: 'Check the password in the environment variable you named.' })
    }
    throw error
  }
  registerSecret(session.accessJwt)
  registerSecret(session.refreshJwt)
  return { did: session.did, handle: session.handle ?? null, accessJwt: session.accessJwt }
}

function isExpired(error: unknown): boolean {
  return error instanceof AuthError && ['ExpiredToken', 'InvalidToken'].includes(String(error.details?.error ?? ''))
}

export class PdsSession {
  #current: LoggedIn

  private constructor(
    readonly context: AdapterContext,
    readonly pds: string,
    readonly identifier: string,
    readonly password: string,
    current: LoggedIn,
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

  async #relogin(): Promise<void> {
    this.#current = await createSession(this.context, this.pds, this.identifier, this.password)
  }

  async #again<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      if (!isExpired(error)) throw error
      await this.#relogin()
      return call()
    }
  }

  /** An authenticated XRPC call returning JSON. */
  async json<T>(nsid: string, options: Omit<XrpcOptions, 'accessJwt'> = {}): Promise<T> {
    return this.#again(() => xrpcCall<T>(this.context, this.pds, nsid, { ...options, accessJwt: this.accessJwt }))
  }

  /**
   * An authenticated call that is never repeated after a fresh login: for calls whose own token errors share names
   * with an expired session's (identity.signPlcOperation answers InvalidToken/ExpiredToken for the emailed token).
   * Logs in anew first, so the session cannot expire in between.
   */
  async jsonOnce<T>(nsid: string, options: Omit<XrpcOptions, 'accessJwt'> = {}): Promise<T> {
    await this.#relogin()
    return xrpcCall<T>(this.context, this.pds, nsid, { ...options, accessJwt: this.accessJwt })
  }

  /** An authenticated XRPC call whose response `consume` reads (streams, headers); its body must be replayable. */
  async request<T>(nsid: string, options: Omit<XrpcOptions, 'accessJwt'>, consume: (res: Response) => Promise<T>): Promise<T> {
    return this.#again(() => this.context.http.request(xrpcUrl(this.pds, nsid, options.params), xrpcInit({ ...options, accessJwt: this.accessJwt }), consume))
  }
}
