// Matrix error answers as LifeboatErrors. The spec's error body is `{errcode, error}`
// (https://spec.matrix.org/v1.11/client-server-api/#standard-error-response); callers that decide per item (a
// room that needs an invite, a missing alias, an endpoint the server does not have) read `status` and `errcode`.
import { AuthError, RemoteError, type LifeboatErrorOptions } from '../../errors.js'
import type { MatrixErrorBody } from './api.js'

/** A Matrix server answered an error that is not about credentials. Exit code 5 when it reaches the user. */
export class MatrixApiError extends RemoteError {
  override name = 'MatrixApiError'
  readonly errcode: string | null

  constructor(message: string, options: LifeboatErrorOptions & { status: number; errcode: string | null }) {
    super(message, options)
    this.errcode = options.errcode
  }
}

/** A 2xx answer that is not JSON: not a Matrix API (a web page, a proxy's placeholder). */
export class NotJsonError extends RemoteError {
  override name = 'NotJsonError'
}

/** Builds the error for a non-2xx answer; `what` names the call ("GET /sync"), never with tokens. */
export function matrixError(what: string, host: string, status: number, body: MatrixErrorBody | null): AuthError | MatrixApiError {
  const errcode = typeof body?.errcode === 'string' ? body.errcode : null
  const text = typeof body?.error === 'string' ? body.error : ''
  const message = `${what} on ${host} answered ${status}${errcode ? ` ${errcode}` : ''}${text ? `: ${text}` : ''}`
  const details = { status, errcode }
  if (status === 401 || errcode === 'M_UNKNOWN_TOKEN' || errcode === 'M_MISSING_TOKEN') {
    return new AuthError(message, { hint: 'The access token is wrong, expired or logged out: get a new one (Element: Settings > Help & About > Access token).', details })
  }
  return new MatrixApiError(message, { status, errcode, details })
}

/** Parses an error body if it is Matrix JSON; anything else (a proxy's HTML page) gives null. */
export function parseErrorBody(text: string): MatrixErrorBody | null {
  try {
    const value = JSON.parse(text) as unknown
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as MatrixErrorBody) : null
  } catch {
    return null
  }
}

export function isMatrixError(error: unknown, status?: number, errcode?: string): error is MatrixApiError {
  if (!(error instanceof MatrixApiError)) return false
  if (status !== undefined && error.status !== status) return false
  if (errcode !== undefined && error.errcode !== errcode) return false
  return true
}

/**
 * "This server has no such endpoint": 404 or 405 `M_UNRECOGNIZED` per the spec, 400 `M_UNRECOGNIZED` from Synapse
 * before authenticated media (fixture matrix/synapse-1.67.0/136), or a bare 404 from a proxy with no Matrix body.
 */
export function isUnrecognized(error: unknown): boolean {
  if (!(error instanceof MatrixApiError)) return false
  if (error.errcode === 'M_UNRECOGNIZED') return true
  return error.errcode === null && (error.status === 404 || error.status === 405)
}
