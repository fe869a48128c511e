// How Mastodon-API answers become Lifeboat errors. Bodies are `{"error": "…"}` on every flavour Lifeboat speaks to
// (mastodon `app/controllers/concerns/api/error_handling.rb`; GoToSocial `apiutil.ErrorHandler`; Akkoma's
// `render_error`). Messages name the host and the server's own words, never the token.
import { AuthError, RemoteError } from '../../errors.js'

/** A non-2xx answer that is not about credentials: callers branch on `status` (404 route absent, 422 validation …). */
export class MastodonHttpError extends RemoteError {
  override name = 'MastodonHttpError'
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly serverMessage: string,
  ) {
    super(message, { status: httpStatus, hint: 'Check the server address, or try again later.', details: { status: httpStatus } })
  }
}

/** The `error` text of a Mastodon error body, or a short excerpt of whatever came instead. */
export function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown }
    if (typeof parsed.error === 'string') return parsed.error + (typeof parsed.error_description === 'string' ? ` (${parsed.error_description})` : '')
  } catch {
    // not JSON
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200)
}

const SCOPE_HINT = 'Create a token under Preferences > Development with the read, write and follow scopes, and pass its variable with --token-env.'

/** Maps a failed call to the error the user should see. `what` names the call, e.g. `GET /api/v1/lists`. */
export function apiError(host: string, what: string, status: number, body: string): AuthError | MastodonHttpError {
  const text = errorText(body)
  if (status === 401) return new AuthError(`${host} refused the access token (${text || '401'}).`, { hint: SCOPE_HINT })
  if (status === 403 && /scope/i.test(text)) return new AuthError(`The access token may not call ${what} on ${host}: ${text}.`, { hint: SCOPE_HINT })
  if (status === 422 && /requires an authenticated user/i.test(text)) {
    return new AuthError(`The token for ${host} is an app token without a user.`, { hint: SCOPE_HINT })
  }
  return new MastodonHttpError(`${host} answered ${status} to ${what}${text ? `: ${text}` : ''}.`, status, text)
}

export function isStatus(error: unknown, ...statuses: number[]): error is MastodonHttpError {
  return error instanceof MastodonHttpError && statuses.includes(error.httpStatus)
}

/** The HTTP status of a failed call: a MastodonHttpError's, or a RemoteError's once the HTTP layer gave up retrying. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof MastodonHttpError) return error.httpStatus
  return error instanceof RemoteError ? error.status : undefined
}

/**
 * Whether a failed call to an optional endpoint means the server does not implement it: 404, 405, 410 or 501 on any
 * server; on Sharkey also a 5xx, which is how its Mastodon API answers endpoints it lacks (`/api/v1/filters`, and
 * bookmarks with "misskey does not support"; issue 17, test server README).
 */
export function isNotImplemented(error: unknown, flavor: string): boolean {
  const status = httpStatusOf(error)
  if (status === undefined) return false
  if ([404, 405, 410, 501].includes(status)) return true
  return flavor === 'sharkey' && status >= 500 && status <= 599
}
