// Account search and resolution (mdocs: methods/search.md, methods/accounts.md#search; mastodon
// `app/controllers/api/v2/search_controller.rb`, `app/services/search_service.rb`,
// `app/services/account_search_service.rb`, `app/services/resolve_account_service.rb`).
//
// An exact `user@host` (optionally with a leading @) or an actor URL finds a known account; with
// `resolve=true` an unknown one is looked up in the shared directory (standing in for WebFinger) and stored as
// a remote account. A host outside the directory yields no result, as an unreachable domain does. Anonymous
// `resolve` or `offset` is 401. Statuses and hashtags are not searched (always empty).

import { accountEntity } from '../account-entity.js'
import { ApiError, authorizeIfGotToken, errors, ok, type Ctx, type Reply } from '../context.js'
import { limitParam, rubyToI } from '../paginate.js'
import { stringParam, truthy } from '../params.js'
import type { Route } from '../router.js'
import { accountFromActor } from '../services.js'
import type { AccountRecord } from '../types.js'

function resolveExact(ctx: Ctx, query: string, resolve: boolean): AccountRecord | null | undefined {
  const { store } = ctx.state
  if (/^https?:\/\//i.test(query)) {
    const known = store.findByUri(query) ?? [...store.accounts.values()].find((a) => a.url === query)
    if (known) return known
    const actor = resolve ? ctx.state.directory?.resolveUri(query) : undefined
    return actor ? accountFromActor(ctx.state, actor) : null
  }
  const acct = query.replace(/^@/, '')
  if (!/^[^@\s]+@[^@\s]+$/.test(acct)) return undefined
  const known = store.findByAcct(acct)
  if (known) return known
  const actor = resolve ? ctx.state.directory?.resolveAcct(acct) : undefined
  return actor ? accountFromActor(ctx.state, actor) : null
}

function searchAccounts(ctx: Ctx, query: string, limit: number, offset: number): AccountRecord[] {
  const resolve = truthy(ctx.params['resolve'])
  const exact = resolveExact(ctx, query.trim(), resolve)
  if (exact === null) return []
  if (exact !== undefined) return offset === 0 ? [exact] : []
  const needle = query.trim().replace(/^@/, '').toLowerCase()
  if (needle === '') return []
  const viewer = ctx.viewer
  const following = truthy(ctx.params['following'])
  const found: AccountRecord[] = []
  for (const account of ctx.state.store.accounts.values()) {
    if (following && (viewer === null || !ctx.state.store.isFollowing(viewer.id, account.id))) continue
    if (account.username.toLowerCase().startsWith(needle) || account.displayName.toLowerCase().includes(needle)) found.push(account)
  }
  return found.slice(offset, offset + limit)
}

function checkAnonymous(ctx: Ctx): void {
  if (ctx.viewer !== null) return
  if (ctx.params['offset'] !== undefined && ctx.params['offset'] !== '') {
    throw new ApiError(401, { error: 'Search queries pagination is not supported without authentication' })
  }
  if (truthy(ctx.params['resolve'])) {
    throw new ApiError(401, { error: 'Search queries that resolve remote resources are not supported without authentication' })
  }
}

function queryParam(ctx: Ctx): string {
  const q = stringParam(ctx.params['q'])
  if (q === null || q.trim() === '') throw errors.paramMissing('q')
  return q
}

export function searchV2(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:search')
  const q = queryParam(ctx)
  checkAnonymous(ctx)
  const type = stringParam(ctx.params['type'])
  const limit = limitParam(ctx.params, 20)
  const offset = type === null ? 0 : Math.max(0, rubyToI(ctx.params['offset'] ?? '0'))
  const accounts = type === null || type === 'accounts' ? searchAccounts(ctx, q, limit, offset) : []
  return ok({ accounts: accounts.map((a) => accountEntity(ctx.state, a)), statuses: [], hashtags: [] })
}

function searchV1Accounts(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:accounts')
  const q = queryParam(ctx)
  const limit = limitParam(ctx.params, 40)
  const offset = Math.max(0, rubyToI(ctx.params['offset'] ?? '0'))
  return ok(searchAccounts(ctx, q, limit, offset).map((a) => accountEntity(ctx.state, a)))
}

export function searchRoutes(): Route[] {
  return [
    { method: 'GET', pattern: '/api/v2/search', handler: searchV2 },
    { method: 'GET', pattern: '/api/v1/accounts/search', handler: searchV1Accounts },
  ]
}
