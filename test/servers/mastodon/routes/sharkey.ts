// The `sharkey` flavour: a Misskey fork that also speaks the Mastodon client API, as a real Sharkey 2025.4.7 was
// observed to answer it (issue 17, the source of every behaviour here; README "Sharkey"). These routes come before
// the shared ones, so they replace them for this flavour only; `following`'s paging, the https account URIs and the
// identicon avatars live beside their Mastodon counterparts (accounts.ts, services.ts, account-entity.ts).

import { accountEntity } from '../account-entity.js'
import { ApiError, authorizeIfGotToken, errors, ok, type Ctx, type Reply } from '../context.js'
import { limitParam } from '../paginate.js'
import { stringParam } from '../params.js'
import type { Route } from '../router.js'
import { addMembers } from './lists.js'
import { searchV2 } from './search.js'

const SHARKEY = ['sharkey' as const]

function absent(): Reply {
  throw errors.noRoute()
}

function serverError(message: string) {
  return (): Reply => {
    throw new ApiError(500, { error: message })
  }
}

/**
 * `/api/v2/search`: an actor URL resolves as on Mastodon; `user@host` finds nothing, local or remote; a bare username
 * finds local accounts only.
 */
function search(ctx: Ctx): Reply {
  const q = stringParam(ctx.params['q'])?.trim() ?? ''
  if (/^https?:\/\//i.test(q)) return searchV2(ctx)
  authorizeIfGotToken(ctx, 'read', 'read:search')
  if (q === '') throw errors.paramMissing('q')
  const type = stringParam(ctx.params['type'])
  const needle = q.replace(/^@/, '').toLowerCase()
  const found = needle.includes('@') || (type !== null && type !== 'accounts')
    ? []
    : [...ctx.state.store.accounts.values()].filter((a) => a.domain === null && a.username.toLowerCase().startsWith(needle)).slice(0, limitParam(ctx.params, 20))
  return ok({ accounts: found.map((a) => accountEntity(ctx.state, a)), statuses: [], hashtags: [] })
}

/** `POST /api/v1/lists/:id/accounts` takes `accounts_id` and refuses Mastodon's `account_ids` with a 400. */
function addListMembers(ctx: Ctx): Reply {
  if (ctx.params['accounts_id'] === undefined) {
    throw new ApiError(400, { error: 'BAD_REQUEST', error_description: 'Missing required payload "accounts_id"' })
  }
  ctx.params = { ...ctx.params, account_ids: ctx.params['accounts_id'] }
  return addMembers(ctx)
}

export function sharkeyRoutes(): Route[] {
  return [
    { method: 'GET', pattern: '/api/v2/instance', handler: absent },
    { method: 'GET', pattern: '/api/v2/filters', handler: absent },
    { method: 'GET', pattern: '/api/v1/filters', handler: serverError('Internal Server Error') },
    { method: 'GET', pattern: '/api/v1/domain_blocks', handler: absent },
    { method: 'POST', pattern: '/api/v1/domain_blocks', handler: absent },
    { method: 'DELETE', pattern: '/api/v1/domain_blocks', handler: absent },
    { method: 'GET', pattern: '/api/v1/bookmarks', handler: serverError('misskey does not support') },
    { method: 'GET', pattern: '/api/v1/accounts/lookup', handler: serverError('Internal Server Error') },
    { method: 'GET', pattern: '/api/v2/search', handler: search },
    { method: 'POST', pattern: '/api/v1/lists/:id/accounts', handler: addListMembers },
  ].map((route) => ({ ...route, flavors: SHARKEY }))
}
