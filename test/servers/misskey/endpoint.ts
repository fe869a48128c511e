// The shape of one API endpoint, mirroring upstream `meta` + `paramDef` (packages/backend/src/server/api/endpoints/*.ts):
// requireCredential, secure (native session token only), prohibitMoved, kind (app-token permission), allowGet, and the
// handler. A handler returns the response body; undefined/null means 204 No Content, as upstream ApiCallService.send.
import { ApiError } from './errors.js'
import type { ApiErrorDef } from './errors.js'
import type { Instance } from './instance.js'
import type { TokenRecord, UserRecord } from './state.js'
import type { ParamDef } from './validate.js'

export interface CallContext {
  inst: Instance
  me: UserRecord | null
  token: TokenRecord | null
  ps: Record<string, unknown>
}

export interface EndpointDef {
  name: string
  requireCredential: boolean
  secure?: boolean
  prohibitMoved?: boolean
  kind?: string
  allowGet?: boolean
  params: ParamDef
  exec(ctx: CallContext): unknown
}

/** `ctx.me` for endpoints with requireCredential (the pipeline has already refused anonymous calls). */
export function me(ctx: CallContext): UserRecord {
  if (ctx.me == null) throw new Error('requireCredential endpoint called without a user')
  return ctx.me
}

/** Upstream GetterService.getUser: the user or the endpoint's own NO_SUCH_USER. */
export function getUser(ctx: CallContext, userId: unknown, noSuchUser: ApiErrorDef): UserRecord {
  const user = typeof userId === 'string' ? ctx.inst.state.users.get(userId) : undefined
  if (user == null || user.isSuspended) throw new ApiError(noSuchUser)
  return user
}

export function str(ps: Record<string, unknown>, key: string): string | undefined {
  const v = ps[key]
  return typeof v === 'string' ? v : undefined
}

/** Builds the name → definition table the server dispatches on. */
export function endpointTable(...groups: EndpointDef[][]): Map<string, EndpointDef> {
  const table = new Map<string, EndpointDef>()
  for (const group of groups) for (const ep of group) table.set(ep.name, ep)
  return table
}
