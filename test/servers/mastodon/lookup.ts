// Record lookups that render Mastodon's 404 (`ActiveRecord::RecordNotFound` → `{"error":"Record not found"}`).

import { errors, type Ctx } from './context.js'
import { parseId } from './ids.js'
import type { AccountRecord, StatusRecord } from './types.js'

export function findAccount(ctx: Ctx, id: string | undefined): AccountRecord {
  const parsed = parseId(id)
  const account = parsed === null ? undefined : ctx.state.store.accounts.get(parsed)
  if (!account) throw errors.notFound()
  return account
}

/** A status the viewer may see; hidden ones are 404 too (`StatusPolicy#show?` failures render not_found). */
export function findVisibleStatus(ctx: Ctx, id: string | undefined): StatusRecord {
  const parsed = parseId(id)
  const status = parsed === null ? undefined : ctx.state.store.statuses.get(parsed)
  if (!status || !ctx.state.store.canSee(ctx.viewer?.id ?? null, status)) throw errors.notFound()
  return status
}
