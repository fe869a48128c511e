// Single statuses and their edit history (mdocs: methods/statuses.md#get, #history; mastodon
// `app/controllers/api/v1/statuses_controller.rb`, `statuses/histories_controller.rb`). A status the viewer may
// not see is 404, not 403.

import { authorizeIfGotToken, ok, type Ctx, type Reply } from '../context.js'
import { findVisibleStatus } from '../lookup.js'
import type { Route } from '../router.js'
import { historyEntities, statusEntity } from '../status-entity.js'

function show(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:statuses')
  return ok(statusEntity(ctx.state, ctx.viewer, findVisibleStatus(ctx, ctx.path['id'])))
}

/** Oldest version first; an unedited status answers one snapshot of itself. */
function history(ctx: Ctx): Reply {
  authorizeIfGotToken(ctx, 'read', 'read:statuses')
  return ok(historyEntities(ctx.state, findVisibleStatus(ctx, ctx.path['id'])))
}

export function statusRoutes(): Route[] {
  return [
    { method: 'GET', pattern: '/api/v1/statuses/:id', handler: show },
    { method: 'GET', pattern: '/api/v1/statuses/:id/history', handler: history },
  ]
}
