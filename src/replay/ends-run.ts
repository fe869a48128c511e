import { AuthError } from '../errors.js'

/**
 * Whether an error ends the whole run instead of failing one item: the run was interrupted, or the server refused the
 * credentials (a token revoked or expired mid-run fails every later item alike, so the run stops with one AuthError,
 * exit 4; what was done is journaled and a rerun with a good token continues).
 */
export function endsTheRun(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || error instanceof AuthError
}
