// Relationship writes (mdocs: methods/accounts.md#follow … #unpin, methods/domain_blocks.md; mastodon
// `app/controllers/api/v1/accounts_controller.rb`, `accounts/pins_controller.rb`, `domain_blocks_controller.rb`).
// Each answers a Relationship, and each is idempotent as documented ("Successfully followed, or account was
// already followed"); a repeated follow updates reblogs/notify/languages.

import { relationshipEntity } from '../account-entity.js'
import { ApiError, doorkeeperAuthorize, errors, ok, requireUser, type Ctx, type Reply } from '../context.js'
import { findAccount } from '../lookup.js'
import { rubyToI } from '../paginate.js'
import { stringList, stringParam, truthy } from '../params.js'
import type { Route } from '../router.js'
import { block, blockDomain, follow, mute, unfollow } from '../services.js'

function relationshipReply(ctx: Ctx, targetId: string | undefined): Reply {
  return ok(relationshipEntity(ctx.state, requireUser(ctx), findAccount(ctx, targetId)))
}

/**
 * `POST /api/v1/accounts/:id/follow`. Self-follow is 403 `accounts.self_follow_error`. The response carries
 * the `follows` family's X-RateLimit-* headers whether the follow succeeded or hit the cap (429).
 */
function followAccount(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:follows')
  const viewer = requireUser(ctx)
  const target = findAccount(ctx, ctx.path['id'])
  try {
    if (target.id === viewer.id) throw new ApiError(403, { error: 'Following your own account is not allowed' })
    const has = (key: string) => ctx.params[key] !== undefined
    follow(
      ctx.state,
      viewer,
      target,
      {
        reblogs: has('reblogs') ? truthy(ctx.params['reblogs']) : null,
        notify: has('notify') ? truthy(ctx.params['notify']) : null,
        languages: has('languages') ? stringList(ctx.params['languages']) : undefined,
      },
      true,
    )
    return relationshipReply(ctx, ctx.path['id'])
  } finally {
    if (ctx.state.followLimiter) ctx.followHeaders = ctx.state.followLimiter.headers(viewer.id)
  }
}

function unfollowAccount(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:follows')
  unfollow(ctx.state, requireUser(ctx), findAccount(ctx, ctx.path['id']))
  return relationshipReply(ctx, ctx.path['id'])
}

function blockAccount(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:blocks')
  const viewer = requireUser(ctx)
  const target = findAccount(ctx, ctx.path['id'])
  if (target.id !== viewer.id) block(ctx.state, viewer, target)
  return relationshipReply(ctx, ctx.path['id'])
}

function unblockAccount(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:blocks')
  ctx.state.store.blocks.remove(requireUser(ctx).id, String(findAccount(ctx, ctx.path['id']).id))
  return relationshipReply(ctx, ctx.path['id'])
}

/** `notifications` defaults to true when absent (`Account#mute!` turns nil into true); `duration` in seconds. */
function muteAccount(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:mutes')
  const viewer = requireUser(ctx)
  const target = findAccount(ctx, ctx.path['id'])
  const raw = ctx.params['notifications']
  const notifications = raw === undefined || raw === null || raw === '' ? true : truthy(raw)
  if (target.id !== viewer.id) mute(ctx.state, viewer, target, notifications, rubyToI(ctx.params['duration'] ?? '0'))
  return relationshipReply(ctx, ctx.path['id'])
}

function unmuteAccount(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:mutes')
  ctx.state.store.mutes.remove(requireUser(ctx).id, String(findAccount(ctx, ctx.path['id']).id))
  return relationshipReply(ctx, ctx.path['id'])
}

/** `POST /api/v1/accounts/:id/pin`: endorsing needs a follow (422, mdocs: methods/accounts.md#pin). */
function endorse(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:accounts')
  const viewer = requireUser(ctx)
  const target = findAccount(ctx, ctx.path['id'])
  const { store } = ctx.state
  if (!store.isFollowing(viewer.id, target.id)) throw errors.validation('You must be already following the person you want to endorse')
  store.endorsements.add({ id: store.endorsements.nextId(), accountId: viewer.id, targetId: target.id })
  return relationshipReply(ctx, ctx.path['id'])
}

function unendorse(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:accounts')
  ctx.state.store.endorsements.remove(requireUser(ctx).id, String(findAccount(ctx, ctx.path['id']).id))
  return relationshipReply(ctx, ctx.path['id'])
}

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}(:\d+)?$/i

function domainParam(ctx: Ctx): string {
  const domain = stringParam(ctx.params['domain'])?.trim().toLowerCase() ?? ''
  if (domain === '') throw errors.paramMissing('domain')
  if (!DOMAIN_RE.test(domain)) throw errors.validation('Domain is not a valid domain name')
  return domain
}

/** `POST /api/v1/domain_blocks` → `{}`; the block severs follows with that domain. */
function createDomainBlock(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:blocks')
  blockDomain(ctx.state, requireUser(ctx), domainParam(ctx))
  return ok({})
}

function deleteDomainBlock(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'follow', 'write', 'write:blocks')
  ctx.state.store.domainBlocks.remove(requireUser(ctx).id, domainParam(ctx))
  return ok({})
}

export function relationRoutes(): Route[] {
  return [
    { method: 'POST', pattern: '/api/v1/accounts/:id/follow', handler: followAccount },
    { method: 'POST', pattern: '/api/v1/accounts/:id/unfollow', handler: unfollowAccount },
    { method: 'POST', pattern: '/api/v1/accounts/:id/block', handler: blockAccount },
    { method: 'POST', pattern: '/api/v1/accounts/:id/unblock', handler: unblockAccount },
    { method: 'POST', pattern: '/api/v1/accounts/:id/mute', handler: muteAccount },
    { method: 'POST', pattern: '/api/v1/accounts/:id/unmute', handler: unmuteAccount },
    { method: 'POST', pattern: '/api/v1/accounts/:id/pin', handler: endorse },
    { method: 'POST', pattern: '/api/v1/accounts/:id/unpin', handler: unendorse },
    { method: 'POST', pattern: '/api/v1/domain_blocks', handler: createDomainBlock },
    { method: 'DELETE', pattern: '/api/v1/domain_blocks', handler: deleteDomainBlock },
  ]
}
