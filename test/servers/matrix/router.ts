/**
 * A small router for the homeserver: path templates under several prefixes, access-token checks,
 * JSON bodies, and the request context handed to each route.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { MatrixError } from './errors.js'
import type { Session, ServerState } from './state.js'

/** Client API prefixes; Synapse 1.67 still serves r0 (fixture 102), so both modes accept it. */
export const CLIENT = ['/_matrix/client/v3', '/_matrix/client/r0']
export const CLIENT_V1 = ['/_matrix/client/v1']
/** Unauthenticated media (spec: `content-repo.yaml`, deprecated since v1.11). */
export const MEDIA = ['/_matrix/media/v3', '/_matrix/media/r0']

export type JsonReply = { status?: number; json: unknown; headers?: Record<string, string> }
export type BytesReply = { status?: number; bytes: Buffer; headers: Record<string, string> }
export type Reply = JsonReply | BytesReply

export interface Ctx {
  state: ServerState
  method: string
  /** Path without the query, as sent (still percent-encoded). */
  path: string
  params: Record<string, string>
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
  /** The caller, set for routes that require a token. */
  session: Session
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>

export type Auth = 'required' | 'none'

interface Route {
  method: string
  regex: RegExp
  keys: string[]
  handler: Handler
  auth: Auth
}

export class Router {
  private readonly routes: Route[] = []

  /**
   * `template` uses `:name` for a non-empty path segment and `:name?` for a segment that may be empty
   * (e.g. the state key in `/state/{type}/` , fixture 120). A trailing slash is always optional.
   */
  add(method: string, prefixes: string[], template: string, handler: Handler, auth: Auth = 'required'): void {
    const keys: string[] = []
    const body = template.replace(/:(\w+)(\?)?/g, (_m, name: string, optional?: string) => {
      keys.push(name)
      return optional ? '([^/]*)' : '([^/]+)'
    })
    const alternatives = prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')
    const regex = new RegExp(`^(?:${alternatives})${body}/?$`)
    this.routes.push({ method, regex, keys, handler, auth })
  }

  /** The route for a request; `null` when no path matches, `'method'` when only the method differs. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | null | 'method' {
    let pathMatched = false
    for (const route of this.routes) {
      const m = route.regex.exec(path)
      if (!m) continue
      pathMatched = true
      if (route.method !== method) continue
      const params: Record<string, string> = {}
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] ?? '')
      })
      return { route, params }
    }
    return pathMatched ? 'method' : null
  }
}

/** Parses a JSON object body (spec: 400 `M_NOT_JSON` for a body that is not JSON). */
export function jsonBody(ctx: Ctx): Record<string, unknown> {
  if (ctx.body.length === 0) return {}
  let value: unknown
  try {
    value = JSON.parse(ctx.body.toString('utf8'))
  } catch {
    throw new MatrixError(400, 'M_NOT_JSON', 'Content not JSON.')
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new MatrixError(400, 'M_BAD_JSON', 'Content must be a JSON object.')
  }
  return value as Record<string, unknown>
}

/**
 * Resolves the caller from `Authorization: Bearer` or the deprecated `access_token` query parameter
 * (spec: "Using access tokens"). Errors as in fixtures 149-150.
 */
export function authenticate(state: ServerState, headers: IncomingHttpHeaders, query: URLSearchParams): Session {
  const header = headers.authorization
  let token: string | null = null
  if (header?.startsWith('Bearer ')) token = header.slice(7).trim()
  else token = query.get('access_token')
  if (!token) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token')
  const session = state.sessions.get(token)
  if (!session) {
    throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false })
  }
  return session
}

export function json(body: unknown, status = 200): JsonReply {
  return { status, json: body }
}
