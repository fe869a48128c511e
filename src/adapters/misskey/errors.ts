// Misskey's error answers as one error class, and their translation into Lifeboat's vocabulary (src/errors.ts).
// Sources: fixture README "Error bodies and status codes" and "Requests and authentication": 401
// AUTHENTICATION_FAILED / CREDENTIAL_REQUIRED, 403 PERMISSION_DENIED for an app token without the endpoint's kind,
// 400 ACCESS_DENIED (id 56f35758-…) for an app token on a `secure` endpoint, 429 RATE_LIMIT_EXCEEDED.
import { AuthError, RemoteError, UnsupportedError } from '../../errors.js'
import { ENDPOINT_KINDS, EXPORT_PERMISSIONS, REPLAY_PERMISSIONS, SECURE_ACCESS_DENIED_ID, type ApiErrorBody } from './api.js'

/** A Misskey API error answer (or a non-Misskey answer to an API call), with the HTTP status it came with. */
export class MisskeyApiError extends Error {
  override name = 'MisskeyApiError'
  constructor(
    readonly endpoint: string,
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(`${endpoint}: ${body.code}${body.message ? ` (${body.message})` : ''}`)
  }

  get code(): string {
    return this.body.code
  }

  get id(): string {
    return this.body.id
  }

  /** True for the `secure` endpoints' refusal of app tokens (not the drive's ACCESS_DENIED, which has another id). */
  get isSecureRefusal(): boolean {
    return this.body.code === 'ACCESS_DENIED' && this.body.id === SECURE_ACCESS_DENIED_ID
  }
}

/**
 * 5xx answers that describe a state, not a passing failure, so retrying cannot help: `FAILED_TO_RESOLVE_REMOTE_USER`
 * (users/show, a 500 with kind "server" for a remote account the server cannot fetch, e.g. deleted or on a dead host;
 * upstream endpoints/users/show.ts).
 */
const PERMANENT_5XX = new Set(['FAILED_TO_RESOLVE_REMOTE_USER'])

export function isPermanentFailure(status: number, code: string): boolean {
  return status >= 500 && PERMANENT_5XX.has(code)
}

/** Where the web-session token lives, for the messages of `secure` endpoints (i/move, i/export-*). */
export function nativeTokenInstructions(server: string, envName: string): string {
  return (
    `i/move accepts only the web-session token of ${server} (16 characters), not an access token from Settings > API or MiAuth. ` +
    `Sign in to ${server} in a browser, open the developer console (F12) and run JSON.parse(localStorage.getItem('account')).token; ` +
    `put that value in ${envName} (it is as powerful as your password: use it for the move only and sign out of every session afterwards).`
  )
}

/**
 * Turns a failure of `endpoint` into the LifeboatError a command reports (exit codes of docs/cli.md). Errors that
 * are already LifeboatErrors (network trouble from net/) pass through unchanged.
 */
export function toLifeboatError(error: unknown, server: string, envName = 'LIFEBOAT_MISSKEY_TOKEN'): unknown {
  if (!(error instanceof MisskeyApiError)) return error
  const { endpoint, code } = error
  const host = hostOf(server)
  if (code === 'AUTHENTICATION_FAILED' || code === 'CREDENTIAL_REQUIRED') {
    return new AuthError(`${host} refused the token (${code}).`, {
      hint: `Check that ${envName} holds an access token of this account on ${host} (Settings > API > Generate access token).`,
      cause: error,
    })
  }
  if (code === 'PERMISSION_DENIED') {
    const kind = ENDPOINT_KINDS[endpoint]
    const needed = kind?.startsWith('write:') ? REPLAY_PERMISSIONS : EXPORT_PERMISSIONS
    return new AuthError(`The token may not call ${endpoint}${kind ? `: it lacks the permission ${kind}` : ''}.`, {
      hint: `Generate an access token (Settings > API > Generate access token) with ${needed.join(', ')}.`,
      cause: error,
    })
  }
  if (error.isSecureRefusal) {
    return new AuthError(`${host} refused ${endpoint} with this kind of token (ACCESS_DENIED).`, { hint: nativeTokenInstructions(server, envName), cause: error })
  }
  if (code === 'YOUR_ACCOUNT_MOVED') {
    return new UnsupportedError(`The account on ${host} has moved away; ${endpoint} is refused.`, { hint: 'Use the account it moved to.', cause: error })
  }
  if (code.startsWith('HTTP_') || code === 'NOT_JSON') {
    return new RemoteError(`${host} answered ${endpoint} with something that is not a Misskey API answer (${error.body.message}).`, {
      status: error.status,
      hint: 'Check the server address; a proxy or another kind of server may be answering.',
      cause: error,
    })
  }
  return new RemoteError(`${host} refused ${endpoint}: ${code}${error.body.message ? ` (${error.body.message})` : ''}.`, {
    status: error.status,
    hint: 'See docs/adapters/misskey.md for what this error means; run again with --verbose for details.',
    cause: error,
    details: { endpoint, code, id: error.id },
  })
}

export function hostOf(server: string): string {
  try {
    return new URL(server).host
  } catch {
    return server
  }
}
