// Lists (mdocs: methods/lists.md; mastodon `app/controllers/api/v1/lists_controller.rb`,
// `lists/accounts_controller.rb`, `app/models/list_account.rb`, `config/locales/activerecord.en.yml`).
// A member must be followed (or requested) by the list owner, except the owner themself: otherwise the
// ListAccount validation fails with 422 "Account must be a followed account". Adding is all-or-nothing, as the
// controller wraps it in one transaction; unknown account ids are 404.

import { accountEntity } from '../account-entity.js'
import { ApiError, doorkeeperAuthorize, errors, ok, requireUser, type Ctx, type Reply } from '../context.js'
import { parseId } from '../ids.js'
import { findAccount } from '../lookup.js'
import { carried, linkHeader, pageWindow, selectPage } from '../paginate.js'
import { stringList, stringParam, truthy } from '../params.js'
import type { Route } from '../router.js'
import type { ListRow } from '../store.js'

const REPLIES_POLICIES = ['followed', 'list', 'none'] as const

export function listEntity(list: ListRow): Record<string, unknown> {
  return { id: list.id.toString(), title: list.title, replies_policy: list.repliesPolicy, exclusive: list.exclusive }
}

function findList(ctx: Ctx): ListRow {
  const viewer = requireUser(ctx)
  const id = parseId(ctx.path['id'])
  const list = id === null ? undefined : ctx.state.store.lists.get(viewer.id, String(id))
  if (!list) throw errors.notFound()
  return list
}

function index(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:lists')
  return ok(ctx.state.store.lists.list(requireUser(ctx).id).map(listEntity))
}

function show(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:lists')
  return ok(listEntity(findList(ctx)))
}

function create(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:lists')
  const viewer = requireUser(ctx)
  const title = stringParam(ctx.params['title'])?.trim() ?? ''
  if (title === '') throw errors.validation("Title can't be blank")
  const policy = stringParam(ctx.params['replies_policy']) ?? 'list'
  if (!(REPLIES_POLICIES as readonly string[]).includes(policy)) throw new ApiError(422, { error: `'${policy}' is not a valid replies_policy` })
  const { store } = ctx.state
  const list = store.lists.add({
    id: store.lists.nextId(),
    accountId: viewer.id,
    title,
    repliesPolicy: policy as ListRow['repliesPolicy'],
    exclusive: truthy(ctx.params['exclusive']),
  })
  return ok(listEntity(list))
}

/** Members paged by account id; `limit=0` returns all without paging. */
function members(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:lists')
  const list = findList(ctx)
  const { store } = ctx.state
  const rows = store.listMembersOf(list.id)
  if (ctx.params['limit'] === '0') return ok(rows.map((m) => accountEntity(ctx.state, store.accounts.get(m.id)!)))
  const window = pageWindow(ctx.params, 40, false)
  const page = selectPage(rows, window)
  const link = linkHeader({
    baseUrl: ctx.state.url,
    path: `/api/v1/lists/${list.id}/accounts`,
    carry: carried(ctx.params, ['limit']),
    nextMaxId: page.length === window.limit && page.length > 0 ? page[page.length - 1]!.id : null,
    prev: page.length > 0 ? { key: 'since_id', id: page[0]!.id } : null,
  })
  if (link) ctx.headers['Link'] = link
  return ok(page.map((m) => accountEntity(ctx.state, store.accounts.get(m.id)!)))
}

export function addMembers(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:lists')
  const viewer = requireUser(ctx)
  const list = findList(ctx)
  const { store } = ctx.state
  const accounts = stringList(ctx.params['account_ids']).map((id) => findAccount(ctx, id))
  const rows = store.listMembersOf(list.id)
  for (const account of accounts) {
    if (rows.some((m) => m.id === account.id)) throw errors.validation('Account is already on the list')
    const related = store.isFollowing(viewer.id, account.id) || store.followRequests.get(viewer.id, account.id) !== undefined
    if (account.id !== viewer.id && !related) throw errors.validation('Account must be a followed account')
  }
  for (const account of accounts) addMember(rows, account.id, list.id)
  return ok({})
}

export function addMember(rows: Array<{ id: bigint; listId: bigint }>, accountId: bigint, listId: bigint): void {
  if (rows.some((m) => m.id === accountId)) return
  rows.push({ id: accountId, listId })
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

function removeMembers(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:lists')
  const list = findList(ctx)
  const ids = new Set(stringList(ctx.params['account_ids']))
  const rows = ctx.state.store.listMembersOf(list.id)
  for (let i = rows.length - 1; i >= 0; i--) if (ids.has(rows[i]!.id.toString())) rows.splice(i, 1)
  return ok({})
}

export function listRoutes(): Route[] {
  return [
    { method: 'GET', pattern: '/api/v1/lists', handler: index },
    { method: 'POST', pattern: '/api/v1/lists', handler: create },
    { method: 'GET', pattern: '/api/v1/lists/:id', handler: show },
    { method: 'GET', pattern: '/api/v1/lists/:id/accounts', handler: members },
    { method: 'POST', pattern: '/api/v1/lists/:id/accounts', handler: addMembers },
    { method: 'DELETE', pattern: '/api/v1/lists/:id/accounts', handler: removeMembers },
  ]
}
