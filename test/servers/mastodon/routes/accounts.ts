// Account reads (mdocs: methods/accounts.md; mastodon `app/controllers/api/v1/accounts_controller.rb`,
// `accounts/credentials_controller.rb`, `accounts/statuses_controller.rb`, `accounts/follower_accounts_controller.rb`,
// `accounts/following_accounts_controller.rb`, `accounts/lookup_controller.rb`, `accounts/relationships_controller.rb`,
// `app/models/account_statuses_filter.rb`).

import { accountEntity, credentialAccountEntity, relationshipEntity } from '../account-entity.js'
import { authorizeIfGotToken, doorkeeperAuthorize, errors, ok, requireUser, type Ctx, type Reply } from '../context.js'
import { findAccount } from '../lookup.js'
import { carried, linkHeader, pageWindow, selectPage } from '../paginate.js'
import { stringList, stringParam, truthy } from '../params.js'
import type { Route } from '../router.js'
import { statusEntity } from '../status-entity.js'
import type { AccountRecord, FollowRecord, StatusRecord } from '../types.js'

const DEFAULT_STATUSES_LIMIT = 20
const DEFAULT_ACCOUNTS_LIMIT = 40
const STATUS_FILTER_KEYS = ['limit', 'only_media', 'exclude_replies', 'exclude_reblogs', 'pinned', 'tagged'] as const

function verifyCredentials(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:accounts')
  return ok(credentialAccountEntity(ctx.state, requireUser(ctx)))
}

function show(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:accounts')
  return ok(accountEntity(ctx.state, findAccount(ctx, ctx.path['id'])))
}

/** `GET /api/v1/accounts/lookup?acct=`: known accounts only, no WebFinger (mdocs: methods/accounts.md#lookup). */
function lookup(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:accounts')
  const acct = stringParam(ctx.params['acct'])
  if (acct === null || acct === '') throw errors.paramMissing('acct')
  const account = ctx.state.store.findByAcct(acct)
  if (!account) throw errors.notFound()
  return ok(accountEntity(ctx.state, account))
}

function relationships(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:follows')
  const viewer = requireUser(ctx)
  const ids = stringList(ctx.params['id'])
  const seen = new Set<string>()
  const out: unknown[] = []
  for (const id of ids) {
    if (seen.has(id)) continue
    seen.add(id)
    try {
      out.push(relationshipEntity(ctx.state, viewer, findAccount(ctx, id)))
    } catch {
      // Unknown ids are left out, as `Account.where(id:)` does.
    }
  }
  return ok(out)
}

function statusFilter(ctx: Ctx, account: AccountRecord): (s: StatusRecord) => boolean {
  const { store } = ctx.state
  const viewerId = ctx.viewer?.id ?? null
  const excludeReplies = truthy(ctx.params['exclude_replies'])
  const excludeReblogs = truthy(ctx.params['exclude_reblogs'])
  const onlyMedia = truthy(ctx.params['only_media'])
  const pinned = truthy(ctx.params['pinned'])
  const tagged = stringParam(ctx.params['tagged'])?.toLowerCase() ?? null
  return (s) => {
    if (!store.canSee(viewerId, s)) return false
    // Replies to one's own statuses (threads) stay: `where(in_reply_to_id: nil).or(where(in_reply_to_account_id: account.id))`.
    if (excludeReplies && s.inReplyToId !== null && s.inReplyToAccountId !== account.id) return false
    if ((excludeReblogs || pinned || onlyMedia || tagged !== null) && s.reblogOfId !== null) return false
    if (onlyMedia && s.mediaIds.length === 0) return false
    if (pinned && !s.pinned) return false
    if (tagged !== null && !s.tags.some((t) => t.toLowerCase() === tagged)) return false
    return true
  }
}

function accountStatuses(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:statuses')
  const account = findAccount(ctx, ctx.path['id'])
  const { store } = ctx.state
  const window = pageWindow(ctx.params, DEFAULT_STATUSES_LIMIT, true)
  const blocked = ctx.viewer !== null && store.isBlocking(account.id, ctx.viewer.id)
  const page = blocked ? [] : selectPage(store.statusesOf(account.id), window, statusFilter(ctx, account))
  const link = linkHeader({
    baseUrl: ctx.state.url,
    path: `/api/v1/accounts/${account.id}/statuses`,
    carry: carried(ctx.params, STATUS_FILTER_KEYS),
    nextMaxId: page.length === window.limit && page.length > 0 ? page[page.length - 1]!.id : null,
    prev: page.length > 0 ? { key: 'min_id', id: page[0]!.id } : null,
  })
  if (link) ctx.headers['Link'] = link
  return ok(page.map((s) => statusEntity(ctx.state, ctx.viewer, s)))
}

/**
 * Follow lists page by internal Follow ids with max_id/since_id only; `hide_results?` returns [] when the owner
 * hides their network from others or blocks the viewer, and other viewers do not see accounts they block or mute.
 */
function followList(direction: 'following' | 'followers') {
  return (ctx: Ctx): Reply => {
    authorizeIfGotToken(ctx, 'read', 'read:accounts')
    const account = findAccount(ctx, ctx.path['id'])
    const { store } = ctx.state
    const viewer = ctx.viewer
    // Sharkey 2025.4.7 (issue 17): `following` ignores `max_id` and links "next" with `max_id=<last account id>`
    // whenever the page is not empty, so following that link serves the same page again.
    const sharkey = ctx.state.flavor === 'sharkey' && direction === 'following'
    const window = pageWindow(sharkey ? { ...ctx.params, max_id: undefined } : ctx.params, DEFAULT_ACCOUNTS_LIMIT, false)
    const hidden = (account.hideCollections && viewer?.id !== account.id) || (viewer !== null && store.isBlocking(account.id, viewer.id))
    const rows = direction === 'following' ? store.follows.from(account.id) : store.follows.to(account.id)
    const other = (f: FollowRecord) => (direction === 'following' ? f.targetId : f.accountId)
    const excluded = (f: FollowRecord) => {
      if (viewer === null || viewer.id === account.id) return false
      const id = other(f)
      return store.isBlocking(viewer.id, id) || store.mutes.get(viewer.id, String(id)) !== undefined || store.isBlocking(id, viewer.id)
    }
    const page = hidden ? [] : selectPage(rows, window, (f) => !excluded(f))
    const link = linkHeader({
      baseUrl: ctx.state.url,
      path: `/api/v1/accounts/${account.id}/${direction}`,
      carry: carried(ctx.params, ['limit']),
      nextMaxId: sharkey ? (page.length > 0 ? other(page[page.length - 1]!) : null) : page.length === window.limit && page.length > 0 ? page[page.length - 1]!.id : null,
      prev: page.length > 0 ? { key: 'since_id', id: page[0]!.id } : null,
    })
    if (link) ctx.headers['Link'] = link
    return ok(page.map((f) => accountEntity(ctx.state, store.accounts.get(other(f))!)))
  }
}

function accountFeaturedTags(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:accounts')
  const account = findAccount(ctx, ctx.path['id'])
  return ok(ctx.state.store.featuredTags.list(account.id).map((t) => featuredTagEntity(ctx, account, t)))
}

export function featuredTagEntity(ctx: Ctx, account: AccountRecord, t: { id: bigint; name: string; statusesCount: number; lastStatusAt: string | null }): Record<string, unknown> {
  return { id: t.id.toString(), name: t.name, url: `${account.url}/tagged/${encodeURIComponent(t.name)}`, statuses_count: String(t.statusesCount), last_status_at: t.lastStatusAt }
}

export function accountRoutes(): Route[] {
  return [
    { method: 'GET', pattern: '/api/v1/accounts/verify_credentials', handler: verifyCredentials },
    { method: 'GET', pattern: '/api/v1/accounts/relationships', handler: relationships },
    { method: 'GET', pattern: '/api/v1/accounts/lookup', handler: lookup },
    { method: 'GET', pattern: '/api/v1/accounts/:id', handler: show },
    { method: 'GET', pattern: '/api/v1/accounts/:id/statuses', handler: accountStatuses },
    { method: 'GET', pattern: '/api/v1/accounts/:id/following', handler: followList('following') },
    { method: 'GET', pattern: '/api/v1/accounts/:id/followers', handler: followList('followers') },
    { method: 'GET', pattern: '/api/v1/accounts/:id/featured_tags', handler: accountFeaturedTags },
  ]
}
