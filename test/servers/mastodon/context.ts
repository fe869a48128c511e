// What a route handler gets and gives back, plus the error bodies Mastodon renders.
// Error texts: mastodon `app/controllers/api/base_controller.rb`, `app/controllers/concerns/api/error_handling.rb`,
// Doorkeeper's unauthorized/forbidden render options, and the 401/403/404/422 examples in mdocs methods/*.md.

import type { IncomingMessage } from 'node:http'
import type { FediDirectory } from './directory.js'
import type { Params } from './params.js'
import type { FollowLimiter, RackAttack, RateLimitHeaders } from './rate-limits.js'
import type { MastodonStore } from './store.js'
import type { AccountRecord, Flavor, TokenRecord } from './types.js'

export interface ServerState {
  store: MastodonStore
  flavor: Flavor
  version: string
  title: string
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  domain: string
  now: () => number
  rack: RackAttack | null
  followLimiter: FollowLimiter | null
  directory: FediDirectory | null
}

export interface Ctx {
  req: IncomingMessage
  url: URL
  params: Params
  path: Record<string, string>
  state: ServerState
  /** Resolved bearer token; `tokenInvalid` when a header was sent that matches no token. */
  token: TokenRecord | null
  tokenInvalid: boolean
  viewer: AccountRecord | null
  /** Extra response headers set by the handler (Link, X-RateLimit-* overrides). */
  headers: Record<string, string>
  /** Set by the follow endpoint: the follows family's headers, merged as `override_rate_limit_headers` does. */
  followHeaders?: RateLimitHeaders
}

export type Reply =
  | { status: number; json: unknown }
  | { status: number; bytes: Uint8Array; contentType: string }

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body['error'] ?? status))
  }
}

export function ok(json: unknown, status = 200): Reply {
  return { status, json }
}

export const errors = {
  invalidToken: () => new ApiError(401, { error: 'The access token is invalid' }),
  outsideScopes: () => new ApiError(403, { error: 'This action is outside the authorized scopes' }),
  userRequired: () => new ApiError(422, { error: 'This method requires an authenticated user' }),
  notFound: () => new ApiError(404, { error: 'Record not found' }),
  notAllowed: () => new ApiError(403, { error: 'This action is not allowed' }),
  validation: (message: string) => new ApiError(422, { error: `Validation failed: ${message}` }),
  tooManyRequests: () => new ApiError(429, { error: 'Too many requests' }),
  /** `ActionController::ParameterMissing#to_s`. */
  paramMissing: (name: string) => new ApiError(400, { error: `param is missing or the value is empty: ${name}` }),
  /** Unmatched route: `respond_with_error(404)` renders `Rack::Utils::HTTP_STATUS_CODES[404]` for JSON. */
  noRoute: () => new ApiError(404, { error: 'Not Found' }),
}

/** Legacy `follow` scope grants these (mdocs: api/oauth-scopes.md). */
const FOLLOW_SCOPE_GRANTS = new Set(['read:follows', 'write:follows', 'read:blocks', 'write:blocks', 'read:mutes', 'write:mutes'])

function grants(held: string, wanted: string): boolean {
  if (held === wanted) return true
  if ((held === 'read' || held === 'write' || held === 'admin:read' || held === 'admin:write') && wanted.startsWith(`${held}:`)) return true
  return held === 'follow' && FOLLOW_SCOPE_GRANTS.has(wanted)
}

function hasAnyScope(token: TokenRecord, wanted: readonly string[]): boolean {
  return wanted.some((w) => token.scopes.some((h) => grants(h, w)))
}

/** `doorkeeper_authorize!(*scopes)`: a valid token holding one of `scopes` is required. */
export function doorkeeperAuthorize(ctx: Ctx, ...scopes: string[]): void {
  if (ctx.token === null) throw errors.invalidToken()
  if (!hasAnyScope(ctx.token, scopes)) throw errors.outsideScopes()
}

/** `authorize_if_got_token!(*scopes)`: anonymous is fine; a sent token must be valid and scoped. */
export function authorizeIfGotToken(ctx: Ctx, ...scopes: string[]): void {
  if (ctx.tokenInvalid) throw errors.invalidToken()
  if (ctx.token !== null && !hasAnyScope(ctx.token, scopes)) throw errors.outsideScopes()
}

/** `require_user!`: the token must belong to a user (app tokens get 422). */
export function requireUser(ctx: Ctx): AccountRecord {
  if (ctx.viewer === null) throw errors.userRequired()
  return ctx.viewer
}

export function bearer(req: IncomingMessage): string | null {
  const header = req.headers['authorization']
  if (typeof header !== 'string') return null
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  return match ? match[1]!.trim() : header.trim()
}
