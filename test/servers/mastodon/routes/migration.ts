// Alias and move endpoints. Mastodon has no REST API for either (web routes `settings/aliases`,
// `settings/migration` only), so on the mastodon flavor these paths fall through to the 404 of an unmatched
// route; a move made in the web UI is seeded instead and shows in the account's `moved` and the actor's `movedTo`.
//
// GoToSocial (superseriousbusiness/gotosocial `internal/api/client/accounts/accountalias.go`, `accountmove.go`,
// `internal/processing/account/alias.go`, `move.go`): errors are `{"error":"<Status Text>: <help>"}` as
// `apiutil.ErrorHandler` renders `gtserror` values (the Go caller prefix of the help text is left out here).
//
// Akkoma / Pleroma (`lib/pleroma/web/twitter_api/controllers/util_controller.ex`): `/api/pleroma/aliases` and
// `/api/pleroma/move_account`. A wrong password or an unaliased target answers 200 with `{"error": …}`, as the
// controller calls `json/2` without a status.

import { credentialAccountEntity } from '../account-entity.js'
import { ApiError, doorkeeperAuthorize, ok, requireUser, type Ctx, type Reply } from '../context.js'
import { stringList, stringParam } from '../params.js'
import type { Route } from '../router.js'
import { accountFromActor, resolveUri } from '../services.js'
import type { AccountRecord } from '../types.js'

function gts(status: 400 | 422, help: string): ApiError {
  return new ApiError(status, { error: `${status === 400 ? 'Bad Request' : 'Unprocessable Entity'}: ${help}` })
}

function httpUri(raw: string): string | null {
  try {
    const url = new URL(raw)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null
  } catch {
    return null
  }
}

/** `POST /api/v1/accounts/alias` (`also_known_as_uris[]`; empty clears): answers the CredentialAccount. */
function gtsAlias(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:accounts')
  const account = requireUser(ctx)
  const uris: string[] = []
  for (const raw of stringList(ctx.params['also_known_as_uris'])) {
    const uri = httpUri(raw)
    if (uri === null) throw gts(400, `invalid also_known_as_uri (${raw}) provided in account alias request: uri must not be empty and scheme must be http or https`)
    if (uris.includes(uri) || uri === account.uri) continue
    if (!resolveUri(ctx.state, uri)) throw gts(422, `error dereferencing also_known_as_uri (${raw}) account: not found`)
    uris.push(uri)
  }
  account.alsoKnownAs = uris
  return ok(credentialAccountEntity(ctx.state, account))
}

/** `POST /api/v1/accounts/move` (`password`, `moved_to_uri`): 202 `{"message":"accepted"}`. */
function gtsMove(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:accounts')
  const account = requireUser(ctx)
  const movedToUri = stringParam(ctx.params['moved_to_uri']) ?? ''
  if (movedToUri === '') throw gts(400, 'no moved_to_uri provided in account Move request')
  if (httpUri(movedToUri) === null) throw gts(400, 'invalid moved_to_uri provided in account Move request: uri scheme must be http or https')
  const password = stringParam(ctx.params['password']) ?? ''
  if (password === '') throw gts(400, 'no password provided in account Move request')
  if (password !== account.password) throw gts(400, 'invalid password provided in account Move request')
  const current = account.movedToId === null ? undefined : ctx.state.store.accounts.get(account.movedToId)
  if (current && current.uri !== movedToUri) {
    throw gts(422, `account ${account.uri} is already Moved to ${current.uri}, cannot also Move to ${movedToUri}`)
  }
  const target = resolveUri(ctx.state, movedToUri)
  if (!target) throw gts(422, 'error dereferencing moved_to_uri account: not found')
  if (!target.alsoKnownAs.includes(account.uri)) {
    throw gts(422, `target account ${target.uri} is not aliased to this account via alsoKnownAs; to Move to the target account from this one, you must log in to the target account and set alsoKnownAs to ${account.uri}; if you only just changed it, please wait five minutes and try this action again`)
  }
  const targetMoved = target.movedToId === null ? undefined : ctx.state.store.accounts.get(target.movedToId)
  if (targetMoved) throw gts(422, `target account ${target.uri} has already Moved somewhere else (${targetMoved.uri}); you will not be able to Move to that account`)
  account.movedToId = target.id
  return ok({ message: 'accepted' }, 202)
}

/** Pleroma's `find_user_by_nickname`: known accounts only, local ones by bare nickname or nick@localdomain. */
function knownByNickname(ctx: Ctx, nickname: string): AccountRecord | undefined {
  return ctx.state.store.findByAcct(nickname)
}

function akkomaListAliases(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'read', 'read:accounts')
  const account = requireUser(ctx)
  const aliases = account.alsoKnownAs
    .map((uri) => ctx.state.store.findByUri(uri))
    .filter((a) => a !== undefined)
    .map((a) => ctx.state.store.fullAcct(a))
  return ok({ aliases })
}

function akkomaAddAlias(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:accounts')
  const account = requireUser(ctx)
  const target = knownByNickname(ctx, stringParam(ctx.params['alias']) ?? '')
  if (!target) throw new ApiError(404, { error: 'Target account does not exist.' })
  if (!account.alsoKnownAs.includes(target.uri)) account.alsoKnownAs.push(target.uri)
  return ok({ status: 'success' })
}

function akkomaDeleteAlias(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:accounts')
  const account = requireUser(ctx)
  const target = knownByNickname(ctx, stringParam(ctx.params['alias']) ?? '')
  if (!target || !account.alsoKnownAs.includes(target.uri)) throw new ApiError(404, { error: 'Account has no such alias.' })
  account.alsoKnownAs = account.alsoKnownAs.filter((uri) => uri !== target.uri)
  return ok({ status: 'success' })
}

/** `find_or_fetch_user_by_nickname`: a local user, or a remote one fetched (here: from the directory). */
function akkomaMove(ctx: Ctx): Reply {
  doorkeeperAuthorize(ctx, 'write', 'write:accounts')
  const account = requireUser(ctx)
  if ((stringParam(ctx.params['password']) ?? '') !== account.password) return ok({ error: 'Invalid password.' })
  const nickname = (stringParam(ctx.params['target_account']) ?? '').replace(/^@/, '')
  const known = knownByNickname(ctx, nickname)
  const actor = known && known.domain === null ? undefined : ctx.state.directory?.resolveAcct(nickname)
  const target = actor ? accountFromActor(ctx.state, actor) : known
  if (!target) throw new ApiError(404, { error: 'Target account not found.' })
  if (!target.alsoKnownAs.includes(account.uri)) return ok({ error: 'Target account must have the origin in `alsoKnownAs`' })
  account.movedToId = target.id
  return ok({ status: 'success' })
}

export function migrationRoutes(): Route[] {
  return [
    { method: 'POST', pattern: '/api/v1/accounts/alias', handler: gtsAlias, flavors: ['gotosocial'] },
    { method: 'POST', pattern: '/api/v1/accounts/move', handler: gtsMove, flavors: ['gotosocial'] },
    { method: 'GET', pattern: '/api/pleroma/aliases', handler: akkomaListAliases, flavors: ['akkoma'] },
    { method: 'PUT', pattern: '/api/pleroma/aliases', handler: akkomaAddAlias, flavors: ['akkoma'] },
    { method: 'DELETE', pattern: '/api/pleroma/aliases', handler: akkomaDeleteAlias, flavors: ['akkoma'] },
    { method: 'POST', pattern: '/api/pleroma/move_account', handler: akkomaMove, flavors: ['akkoma'] },
  ]
}
