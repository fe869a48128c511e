// The viewer's own collections (mdocs: methods/favourites.md, bookmarks.md, blocks.md, mutes.md,
// domain_blocks.md, endorsements.md, followed_tags.md, featured_tags.md, filters.md; controllers under
// mastodon `app/controllers/api/v1/` and `api/v2/filters_controller.rb`). All but featured tags and filters are
// paged by internal row ids that only the `Link` header reveals.

import { accountEntity } from '../account-entity.js'
import { doorkeeperAuthorize, ok, requireUser, type Ctx, type Reply } from '../context.js'
import { carried, linkHeader, pageWindow, selectPage } from '../paginate.js'
import type { Route } from '../router.js'
import { statusEntity } from '../status-entity.js'
import type { StatusRefRow } from '../store.js'
import type { OwnedRow } from '../tables.js'
import { featuredTagEntity } from './accounts.js'

interface PagedList<T extends OwnedRow> {
  path: string
  scopes: string[]
  defaultLimit: number
  /** `to_a_paginated_by_id` honours min_id; `paginate_by_max_id` does not. */
  honourMinId: boolean
  prevKey: 'min_id' | 'since_id'
  rows: (ctx: Ctx, ownerId: bigint) => readonly T[]
  keep?: (ctx: Ctx, row: T) => boolean
  render: (ctx: Ctx, row: T) => unknown
}

function pagedList<T extends OwnedRow>(spec: PagedList<T>): Route {
  const handler = (ctx: Ctx): Reply => {
    doorkeeperAuthorize(ctx, ...spec.scopes)
    const viewer = requireUser(ctx)
    const window = pageWindow(ctx.params, spec.defaultLimit, spec.honourMinId)
    const keep = spec.keep
    const page = selectPage(spec.rows(ctx, viewer.id), window, keep ? (row) => keep(ctx, row) : undefined)
    const link = linkHeader({
      baseUrl: ctx.state.url,
      path: spec.path,
      carry: carried(ctx.params, ['limit']),
      nextMaxId: page.length === window.limit && page.length > 0 ? page[page.length - 1]!.id : null,
      prev: page.length > 0 ? { key: spec.prevKey, id: page[0]!.id } : null,
    })
    if (link) ctx.headers['Link'] = link
    return ok(page.map((row) => spec.render(ctx, row)))
  }
  return { method: 'GET', pattern: spec.path, handler }
}

function statusRef(ctx: Ctx, row: { statusId: bigint }): unknown {
  return statusEntity(ctx.state, ctx.viewer, ctx.state.store.statuses.get(row.statusId)!)
}

function statusVisible(ctx: Ctx, row: { statusId: bigint }): boolean {
  const status = ctx.state.store.statuses.get(row.statusId)
  return status !== undefined && ctx.state.store.canSee(ctx.viewer?.id ?? null, status)
}

function accountOf(ctx: Ctx, id: bigint): unknown {
  return accountEntity(ctx.state, ctx.state.store.accounts.get(id)!)
}

function featuredTags(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:accounts')
  const viewer = requireUser(ctx)
  return ok(ctx.state.store.featuredTags.list(viewer.id).map((t) => featuredTagEntity(ctx, viewer, t)))
}

/** `GET /api/v2/filters` (mdocs: methods/filters.md; entities/Filter.md, FilterKeyword.md, FilterStatus.md). */
function filters(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:filters')
  const viewer = requireUser(ctx)
  return ok(
    ctx.state.store.filters.list(viewer.id).map((row) => ({
      id: row.id.toString(),
      title: row.input.title,
      context: row.input.context ?? ['home'],
      expires_at: row.input.expiresAt ?? null,
      filter_action: row.input.filterAction ?? 'warn',
      keywords: (row.input.keywords ?? []).map((k, i) => ({ id: `${row.id}${i + 1}`, keyword: k.keyword, whole_word: k.wholeWord ?? true })),
      statuses: (row.input.statusIds ?? []).map((statusId, i) => ({ id: `${row.id}${i + 1}`, status_id: statusId })),
    })),
  )
}

export function collectionRoutes(): Route[] {
  return [
    pagedList<StatusRefRow>({
      path: '/api/v1/favourites', scopes: ['read', 'read:favourites'], defaultLimit: 20, honourMinId: true, prevKey: 'min_id',
      rows: (ctx, owner) => ctx.state.store.favourites.list(owner), keep: statusVisible, render: statusRef,
    }),
    pagedList<StatusRefRow>({
      path: '/api/v1/bookmarks', scopes: ['read', 'read:bookmarks'], defaultLimit: 20, honourMinId: true, prevKey: 'min_id',
      rows: (ctx, owner) => ctx.state.store.bookmarks.list(owner), keep: statusVisible, render: statusRef,
    }),
    pagedList({
      path: '/api/v1/blocks', scopes: ['follow', 'read', 'read:blocks'], defaultLimit: 40, honourMinId: false, prevKey: 'since_id',
      rows: (ctx, owner) => ctx.state.store.blocks.list(owner), render: (ctx, row) => accountOf(ctx, row.targetId),
    }),
    pagedList({
      path: '/api/v1/mutes', scopes: ['follow', 'read', 'read:mutes'], defaultLimit: 40, honourMinId: false, prevKey: 'since_id',
      rows: (ctx, owner) => ctx.state.store.mutes.list(owner),
      // MutedAccount (4.3): the Account plus `mute_expires_at`.
      render: (ctx, row) => ({ ...(accountOf(ctx, row.targetId) as object), mute_expires_at: row.expiresAt }),
    }),
    pagedList({
      path: '/api/v1/domain_blocks', scopes: ['follow', 'read', 'read:blocks'], defaultLimit: 100, honourMinId: false, prevKey: 'since_id',
      rows: (ctx, owner) => ctx.state.store.domainBlocks.list(owner), render: (_ctx, row) => row.domain,
    }),
    pagedList({
      path: '/api/v1/endorsements', scopes: ['read', 'read:accounts'], defaultLimit: 40, honourMinId: false, prevKey: 'since_id',
      rows: (ctx, owner) => ctx.state.store.endorsements.list(owner), render: (ctx, row) => accountOf(ctx, row.targetId),
    }),
    pagedList({
      path: '/api/v1/followed_tags', scopes: ['read', 'read:follows'], defaultLimit: 100, honourMinId: true, prevKey: 'since_id',
      rows: (ctx, owner) => ctx.state.store.followedTags.list(owner),
      render: (ctx, row) => ({ id: row.id.toString(), name: row.name, url: `${ctx.state.url}/tags/${encodeURIComponent(row.name)}`, history: [], following: true }),
    }),
    { method: 'GET', pattern: '/api/v1/featured_tags', handler: featuredTags },
    { method: 'GET', pattern: '/api/v2/filters', handler: filters },
  ]
}
