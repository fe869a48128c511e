// The call pipeline of misskey packages/backend/src/server/api/ApiCallService.ts, in its order:
// 1. token from `Authorization: Bearer` or body `i` (i__alice-bearer-header.json); other schemes are ignored
//    (i__error-wrong-auth-scheme.json); a non-string `i` gets no answer at all (i__error-non-string-token.json);
//    an unknown token is 401 AUTHENTICATION_FAILED even on endpoints that need none;
// 2. secure endpoints need a native token: otherwise 400 ACCESS_DENIED, also without a token (i_move__anonymous.json);
// 3. the rate limiter (before the credential check, per the README);
// 4. requireCredential → 401 CREDENTIAL_REQUIRED; prohibitMoved → 403 YOUR_ACCOUNT_MOVED;
// 5. app token without the endpoint's kind → 403 PERMISSION_DENIED (drive_files__limited-token-permission-denied.json);
// 6. parameter validation → 400 INVALID_PARAM; 7. the endpoint; a thrown non-API error → 500 INTERNAL_ERROR.
import { randomUUID } from 'node:crypto'
import type { EndpointDef } from './endpoint.js'
import { ApiError, CALL_ERRORS, wwwAuthenticate } from './errors.js'
import type { Instance } from './instance.js'
import type { RateLimiter } from './rate-limit.js'
import { UPSTREAM_LIMITS } from './rate-limit.js'
import type { TokenRecord, UserRecord } from './state.js'
import { validateParams } from './validate.js'

export interface ApiRequest {
  body: unknown
  authorization: string | undefined
  ip: string
}

export interface ApiOutcome {
  /** true: leave the request unanswered, as upstream does for a non-string token. */
  hang?: boolean
  status: number
  body?: unknown
  headers?: Record<string, string>
  user?: UserRecord | null
  token?: TokenRecord | null
}

function tokenOf(req: ApiRequest): { token?: string; hang?: boolean } {
  if (req.authorization?.startsWith('Bearer ')) return { token: req.authorization.slice('Bearer '.length) }
  const body = req.body
  if (body == null || typeof body !== 'object' || Array.isArray(body)) return {}
  const i = (body as Record<string, unknown>).i
  if (i == null) return {}
  if (typeof i !== 'string') return { hang: true }
  return { token: i }
}

function failure(err: ApiError, extra: Partial<ApiOutcome> = {}): ApiOutcome {
  const auth = wwwAuthenticate(err)
  const headers = { ...extra.headers, ...(auth != null ? { 'www-authenticate': auth } : {}) }
  return { ...extra, status: err.status, body: err.toBody(), headers }
}

export async function callEndpoint(inst: Instance, limiter: RateLimiter, ep: EndpointDef, req: ApiRequest): Promise<ApiOutcome> {
  const { token: raw, hang } = tokenOf(req)
  if (hang) return { hang: true, status: 0 }
  let user: UserRecord | null = null
  let token: TokenRecord | null = null
  if (raw != null) {
    token = inst.state.tokens.get(raw) ?? null
    user = token == null ? null : (inst.state.users.get(token.userId) ?? null)
    if (token == null || user == null) return failure(new ApiError(CALL_ERRORS.authenticationFailed))
  }
  const who = { user, token }
  if (ep.secure && !(user != null && token?.kind === 'native')) return failure(new ApiError(CALL_ERRORS.accessDenied), who)

  const limited = limiter.hit(ep.name, UPSTREAM_LIMITS[ep.name], user?.id ?? `ip:${req.ip}`, user != null)
  if (!limited.ok) {
    const err = new ApiError(CALL_ERRORS.rateLimitExceeded, { ...limited.info })
    return failure(err, { ...who, headers: { 'retry-after': String(limited.retryAfterSeconds) } })
  }

  if (ep.requireCredential && user == null) return failure(new ApiError(CALL_ERRORS.credentialRequired), who)
  if (ep.prohibitMoved && user?.movedToUri != null) return failure(new ApiError(CALL_ERRORS.yourAccountMoved), who)
  if (token?.kind === 'app' && ep.kind != null && !token.permissions.includes(ep.kind)) {
    return failure(new ApiError(CALL_ERRORS.permissionDenied), who)
  }

  try {
    const ps = validateParams(req.body, ep.params)
    const result = await ep.exec({ inst, me: user, token, ps })
    if (result == null) return { status: 204, ...who }
    return { status: 200, body: result, ...who }
  } catch (e) {
    if (e instanceof ApiError) return failure(e, who)
    const err = e instanceof Error ? e : new Error(String(e))
    const internal = new ApiError(CALL_ERRORS.internalError, { e: { message: err.message, code: err.name, id: randomUUID() } })
    return failure(internal, who)
  }
}
