// users/show, users/notes, users/following, users/followers, users/reactions. Sources: users_show__*.json
// (404 NO_SUCH_USER, array form with relation flags, username+host), users_notes__*.json (paging, withReplies
// default false, withRenotes, withFiles, visibility per viewer, unknown userId → []), users_following__*.json /
// users_followers__*.json (Following records, username+host form, "#/allOf/1" param paths), users_reactions__*.json;
// upstream endpoints/users/show.ts (FAILED_TO_RESOLVE_REMOTE_USER), users/followers.ts (ids, ffVisibility).
import type { CallContext, EndpointDef } from '../endpoint.js'
import { str } from '../endpoint.js'
import { ApiError } from '../errors.js'
import { isPureRenote, isVisibleFor, packNote } from '../pack-note.js'
import { packFollowing, packReaction } from '../pack-misc.js'
import { packUserDetailed } from '../pack-user.js'
import { pageParams, paginate } from '../paginate.js'
import type { NoteRecord, UserRecord } from '../state.js'
import { pagingProps } from '../validate.js'
import { resolveAcct } from './account.js'

const E = {
  showNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: '4362f8dc-731f-4ad8-a694-be5a88922a24', httpStatusCode: 404 },
  failedToResolve: {
    message: 'Failed to resolve remote user.',
    code: 'FAILED_TO_RESOLVE_REMOTE_USER',
    id: 'ef7b9be4-9cba-4e6f-ab41-90ed171c7d3c',
    kind: 'server' as const,
  },
  bothWithRepliesAndWithFiles: {
    message: 'Specifying both withReplies and withFiles is not supported',
    code: 'BOTH_WITH_REPLIES_AND_WITH_FILES',
    id: '91c8cb9f-36ed-46e7-9ca2-7df96ed6e222',
  },
  followingNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: '63e4aba4-4156-4e53-be25-c9559e42d71b' },
  followingForbidden: { message: 'Forbidden.', code: 'FORBIDDEN', id: 'f6cdb0df-c19f-ec5c-7dbb-0ba84a1f92ba' },
  followersNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: '27fa5435-88ab-43de-9360-387de88727cd' },
  followersForbidden: { message: 'Forbidden.', code: 'FORBIDDEN', id: '3c6a84db-d619-26af-ca14-06232a21df8a' },
  reactionsNotPublic: { message: 'Reactions of the user is not public.', code: 'REACTIONS_NOT_PUBLIC', id: '673a7dd2-6924-1093-e0c0-e68456ceae5c' },
}

function showUser(ctx: CallContext): unknown {
  const { inst, ps } = ctx
  if (Array.isArray(ps.userIds)) {
    const users = (ps.userIds as string[]).map((id) => inst.state.users.get(id)).filter((u) => u != null && !u.isSuspended)
    return users.map((u) => packUserDetailed(inst, u!, ctx.me))
  }
  let user: UserRecord | undefined
  const username = str(ps, 'username')?.trim()
  const host = str(ps, 'host')
  if (host != null && username != null) {
    user = resolveAcct(inst, username, host)
    if (user == null) throw new ApiError(E.failedToResolve)
  } else if (str(ps, 'userId') != null) {
    user = inst.state.users.get(str(ps, 'userId')!)
  } else if (username != null) {
    user = inst.state.findUserByAcct(username, null)
  }
  if (user == null || user.isSuspended) throw new ApiError(E.showNoSuchUser)
  return packUserDetailed(inst, user, ctx.me)
}

/** Which notes of `user` users/notes lists for the viewer (README "users/notes visibility"). */
function userNoteFilter(ctx: CallContext, userId: string): (n: NoteRecord) => boolean {
  const { ps, inst } = ctx
  const withReplies = ps.withReplies === true
  const withRenotes = ps.withRenotes !== false
  const withFiles = ps.withFiles === true
  return (n) => {
    if (n.userId !== userId) return false
    if (!withReplies && n.replyId != null && inst.state.notes.get(n.replyId)?.userId !== n.userId) return false
    if (!withRenotes && isPureRenote(n)) return false
    if (withFiles && n.fileIds.length === 0) return false
    // omitted, not hidden, when the viewer may not see it (users_notes__anonymous-limit100.json)
    if (n.visibility === 'followers' || n.visibility === 'specified') return isVisibleFor(inst, n, ctx.me)
    return true
  }
}

function lookupUser(ctx: CallContext): UserRecord | undefined {
  const userId = str(ctx.ps, 'userId')
  if (userId != null) return ctx.inst.state.users.get(userId)
  const host = str(ctx.ps, 'host') ?? null
  return ctx.inst.state.findUserByAcct(str(ctx.ps, 'username') ?? '', host === ctx.inst.config.host ? null : host)
}

function ffList(side: 'following' | 'followers'): EndpointDef {
  const noSuchUser = side === 'following' ? E.followingNoSuchUser : E.followersNoSuchUser
  const forbidden = side === 'following' ? E.followingForbidden : E.followersForbidden
  return {
    name: `users/${side}`,
    requireCredential: false,
    params: {
      properties: { ...pagingProps(10), userId: { type: 'string' }, username: { type: 'string' }, host: { type: 'string', nullable: true } },
      anyOf: [['userId'], ['username', 'host']],
      propsPath: '#/allOf/1',
      anyOfPath: '#/allOf/0',
      rootPath: '#/allOf/0/anyOf/0',
    },
    exec(ctx) {
      const { inst } = ctx
      const user = lookupUser(ctx)
      if (user == null) throw new ApiError(noSuchUser)
      const visibility = side === 'following' ? user.followingVisibility : user.followersVisibility
      const isMe = ctx.me?.id === user.id
      if (visibility === 'private' && !isMe) throw new ApiError(forbidden)
      if (visibility === 'followers' && !isMe && (ctx.me == null || !inst.state.isFollowing(ctx.me.id, user.id))) {
        throw new ApiError(forbidden)
      }
      const rows = [...inst.state.followings.values()].filter((f) => (side === 'following' ? f.followerId : f.followeeId) === user.id)
      const page = paginate(rows, pageParams(ctx.ps), (f) => f.id)
      return page.map((f) => packFollowing(inst, f, ctx.me, side === 'following' ? 'followee' : 'follower'))
    },
  }
}

export const userEndpoints: EndpointDef[] = [
  {
    name: 'users/show',
    requireCredential: false,
    params: {
      properties: { userId: { type: 'string' }, userIds: { type: 'array', items: { type: 'string' } }, username: { type: 'string' }, host: { type: 'string', nullable: true } },
      anyOf: [['userId'], ['userIds'], ['username']],
      propsPath: '#/allOf/1',
      anyOfPath: '#/allOf/0',
      rootPath: '#/allOf/0/anyOf/0',
    },
    exec: showUser,
  },
  {
    name: 'users/notes',
    requireCredential: false,
    params: {
      properties: {
        userId: { type: 'string' },
        withReplies: { type: 'boolean', default: false },
        withRenotes: { type: 'boolean', default: true },
        withChannelNotes: { type: 'boolean', default: false },
        withFiles: { type: 'boolean', default: false },
        allowPartial: { type: 'boolean', default: false },
        ...pagingProps(10),
      },
      required: ['userId'],
    },
    exec(ctx) {
      if (ctx.ps.withReplies === true && ctx.ps.withFiles === true) throw new ApiError(E.bothWithRepliesAndWithFiles)
      const userId = str(ctx.ps, 'userId')!
      const keep = userNoteFilter(ctx, userId)
      const notes = [...ctx.inst.state.notes.values()].filter(keep)
      return paginate(notes, pageParams(ctx.ps), (n) => n.id).map((n) => packNote(ctx.inst, n, ctx.me))
    },
  },
  ffList('following'),
  ffList('followers'),
  {
    name: 'users/reactions',
    requireCredential: false,
    params: { properties: { userId: { type: 'string' }, ...pagingProps(10) }, required: ['userId'] },
    exec(ctx) {
      const { inst } = ctx
      const user = inst.state.users.get(str(ctx.ps, 'userId')!)
      if (user != null && ctx.me?.id !== user.id && !user.publicReactions) throw new ApiError(E.reactionsNotPublic)
      const rows = [...inst.state.reactions.values()].filter((r) => r.userId === user?.id)
      const visible = rows.filter((r) => isVisibleFor(inst, inst.state.notes.get(r.noteId)!, ctx.me))
      return paginate(visible, pageParams(ctx.ps), (r) => r.id).map((r) => packReaction(inst, r, ctx.me, true))
    },
  },
]
