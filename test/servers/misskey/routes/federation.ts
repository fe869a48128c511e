// ap/show, i/move and meta. Sources: ap_show__local-*.json ({type:'User'|'Note', object}; unknown local URI →
// NO_SUCH_OBJECT), i_move__*.json (secure; NO_SUCH_USER; a LOCAL destination fails with the recorded 500 because this
// server, like the recorded ones, runs on plain http with a port), meta__anonymous.json; upstream
// endpoints/ap/show.ts (REQUEST_FAILED when the remote cannot be fetched), endpoints/i/move.ts and
// core/AccountMoveService.ts for the successful move to a REMOTE account (which the recordings could not capture):
// the destination must list the source's URI in alsoKnownAs; the source gets movedTo and the destination appended to
// its alsoKnownAs; local followers of the source follow the destination; the response is MeDetailed.
import { randomUUID } from 'node:crypto'
import type { CallContext, EndpointDef } from '../endpoint.js'
import { me, str } from '../endpoint.js'
import { ApiError, CALL_ERRORS } from '../errors.js'
import type { Instance } from '../instance.js'
import { localUserUri, parseAcct } from '../instance.js'
import { follow } from '../ops.js'
import { packNote } from '../pack-note.js'
import { packUserDetailed } from '../pack-user.js'
import type { NoteRecord, UserRecord } from '../state.js'
import { metaBody } from '../templates.js'
import { resolveAcct } from './account.js'

const E = {
  noSuchObject: { message: 'No such object.', code: 'NO_SUCH_OBJECT', id: 'dc94d745-1262-4e63-a17d-fecaa57efc82' },
  requestFailed: { message: 'Request failed.', code: 'REQUEST_FAILED', id: '81b539cf-4f57-4b29-bc98-032c33c0792e' },
  moveNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: 'fcd2eef9-a9b2-4c4f-8624-038099e90aa5' },
  destinationAccountForbids: {
    message: "Destination account doesn't have proper 'Known As' alias, or has already moved.",
    code: 'DESTINATION_ACCOUNT_FORBIDS',
    id: 'b5c90186-4ab0-49c8-9bba-a1f766282ba4',
  },
  rootForbidden: { message: "The root can't migrate.", code: 'NOT_ROOT_FORBIDDEN', id: '4362e8dc-731f-4ad8-a694-be2a88922a24' },
  alreadyMoved: { message: 'Account was already moved to another account.', code: 'ALREADY_MOVED', id: 'b234a14e-9ebe-4581-8000-074b3c215962' },
}

/** Objects this instance holds under `uri`: its own /users/:id, /@name, /notes/:id, or a mirrored remote object. */
function lookupLocal(inst: Instance, uri: string): { user?: UserRecord; note?: NoteRecord } | undefined {
  const { state, config } = inst
  if (uri.startsWith(`${config.url}/`)) {
    const path = uri.slice(config.url.length)
    const m = /^\/(users|notes)\/([0-9a-z]+)$/.exec(path)
    if (m?.[1] === 'users') return { user: state.users.get(m[2]!) }
    if (m?.[1] === 'notes') return { note: state.notes.get(m[2]!) }
    const at = /^\/@([A-Za-z0-9_]+)$/.exec(path)
    if (at != null) return { user: state.findUserByAcct(at[1]!, null) }
    return {}
  }
  const user = state.findUserByUri(uri)
  if (user != null) return { user }
  for (const note of state.notes.values()) if (note.uri === uri) return { note }
  return undefined
}

function apShow(ctx: CallContext): unknown {
  const { inst } = ctx
  const uri = str(ctx.ps, 'uri')!
  let found = lookupLocal(inst, uri)
  if (found == null) {
    const remote = inst.federation.resolveUri(uri)
    if (remote == null) throw new ApiError(E.requestFailed)
    found = remote.type === 'User' ? { user: remote.user } : { note: inst.state.notes.get(remote.noteId) }
  }
  if (found.user != null) return { type: 'User', object: packUserDetailed(inst, found.user, ctx.me) }
  if (found.note != null) return { type: 'Note', object: packNote(inst, found.note, ctx.me) }
  throw new ApiError(E.noSuchObject)
}

function move(ctx: CallContext): unknown {
  const { inst } = ctx
  const src = me(ctx)
  const target = str(ctx.ps, 'moveToAccount')
  if (!target) throw new ApiError(E.moveNoSuchUser)
  if (src.isRoot) throw new ApiError(E.rootForbidden)
  if (src.movedToUri != null) throw new ApiError(E.alreadyMoved)
  const { username, host } = parseAcct(target)
  const dst = resolveAcct(inst, username, host)
  if (dst == null) throw new ApiError(E.moveNoSuchUser)
  if (dst.host == null) {
    // the recorded failure of ApPersonService on an http://host:port profile URL (i_move__native-local-move.json)
    throw new ApiError(CALL_ERRORS.internalError, {
      e: { message: `unexpected schema of person url: ${inst.config.url}/@${dst.username}`, code: 'Error', id: randomUUID() },
    })
  }
  const fromUri = localUserUri(inst, src)
  if (!(dst.alsoKnownAs ?? []).some((uri) => uri.includes(fromUri)) || dst.movedToUri != null) {
    throw new ApiError(E.destinationAccountForbids)
  }
  src.movedToUri = dst.uri
  src.movedAt = inst.state.now()
  src.alsoKnownAs = [...(src.alsoKnownAs ?? []), dst.uri!]
  for (const f of [...inst.state.followings.values()]) {
    const follower = inst.state.users.get(f.followerId)!
    if (f.followeeId === src.id && follower.host == null && !inst.state.isFollowing(follower.id, dst.id)) follow(inst, follower, dst)
  }
  inst.federation.deliverMove(src, dst)
  return packUserDetailed(inst, src, src, { includeSecrets: true })
}

export const federationEndpoints: EndpointDef[] = [
  {
    name: 'ap/show',
    requireCredential: true,
    kind: 'read:account',
    params: { properties: { uri: { type: 'string' } }, required: ['uri'] },
    exec: apShow,
  },
  {
    name: 'i/move',
    requireCredential: true,
    secure: true,
    prohibitMoved: true,
    params: { properties: { moveToAccount: { type: 'string' } }, required: ['moveToAccount'] },
    exec: move,
  },
  {
    name: 'meta',
    requireCredential: false,
    allowGet: true,
    params: { properties: { detail: { type: 'boolean', default: true } } },
    exec: (ctx) => metaBody(ctx.inst.config),
  },
]
