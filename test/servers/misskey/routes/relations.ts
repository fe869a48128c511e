// following/create, following/delete, blocking/create, blocking/list, mute/create, mute/list, renote-mute/create,
// renote-mute/list. Sources: following_create__*.json (UserLite response, ALREADY_FOLLOWING / BLOCKING / BLOCKED /
// FOLLOWEE_IS_YOURSELF / NO_SUCH_USER), following_delete__*.json, setup/033_blocking_create (UserDetailed response),
// blocking_create__error-*.json, mute_create__error-*.json (204 on success per setup/034), renote-mute_*.json,
// blocking_list__*.json / mute_list__*.json (default limit 30); upstream endpoints/blocking/create.ts,
// mute/create.ts and renote-mute/create.ts for errors not recorded.
import type { CallContext, EndpointDef } from '../endpoint.js'
import { getUser, me, str } from '../endpoint.js'
import type { ApiErrorDef } from '../errors.js'
import { ApiError } from '../errors.js'
import { block, follow, unfollow } from '../ops.js'
import { packBlocking, packMuting, packRenoteMuting } from '../pack-misc.js'
import { packUserDetailed, packUserLite } from '../pack-user.js'
import { pageParams, paginate } from '../paginate.js'
import { pagingProps } from '../validate.js'

const E = {
  followNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: 'fcd2eef9-a9b2-4c4f-8624-038099e90aa5' },
  followeeIsYourself: { message: 'Followee is yourself.', code: 'FOLLOWEE_IS_YOURSELF', id: '26fbe7bb-a331-4857-af17-205b426669a9' },
  alreadyFollowing: { message: 'You are already following that user.', code: 'ALREADY_FOLLOWING', id: '35387507-38c7-4cb9-9197-300b93783fa0' },
  blocking: { message: 'You are blocking that user.', code: 'BLOCKING', id: '4e2206ec-aa4f-4960-b865-6c23ac38e2d9' },
  blocked: { message: 'You are blocked by that user.', code: 'BLOCKED', id: 'c4ab57cc-4e41-45e9-bfd9-584f61e35ce0' },
  unfollowNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: '5b12c78d-2b28-4dca-99d2-f56139b42ff8' },
  unfolloweeIsYourself: { message: 'Followee is yourself.', code: 'FOLLOWEE_IS_YOURSELF', id: 'd9e400b9-36b0-4808-b1d8-79e707f1296c' },
  notFollowing: { message: 'You are not following that user.', code: 'NOT_FOLLOWING', id: '5dbf82f5-c92b-40b1-87d1-6c8c0741fd09' },
  blockNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: '7cc4f851-e2f1-4621-9633-ec9e1d00c01e' },
  blockeeIsYourself: { message: 'Blockee is yourself.', code: 'BLOCKEE_IS_YOURSELF', id: '88b19138-f28d-42c0-8499-6a31bbd0fdc6' },
  alreadyBlocking: { message: 'You are already blocking that user.', code: 'ALREADY_BLOCKING', id: '787fed64-acb9-464a-82eb-afbd745b9614' },
  muteNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: '6fef56f3-e765-4957-88e5-c6f65329b8a5' },
  muteeIsYourself: { message: 'Mutee is yourself.', code: 'MUTEE_IS_YOURSELF', id: 'a4619cb2-5f23-484b-9301-94c903074e10' },
  alreadyMuting: { message: 'You are already muting that user.', code: 'ALREADY_MUTING', id: '7e7359cb-160c-4956-b08f-4d1c653cd007' },
  renoteMuteNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: '5e0a5dff-1e94-4202-87ae-4d9c89eb2271' },
  renoteMuteeIsYourself: { message: 'Mutee is yourself.', code: 'MUTEE_IS_YOURSELF', id: '37285718-52f7-4aef-b7de-c38b8e8a8420' },
  alreadyRenoteMuting: { message: 'You are already muting that user.', code: 'ALREADY_MUTING', id: 'ccfecbe4-1f1c-4fc2-8a3d-c3ffee61cb7b' },
} satisfies Record<string, ApiErrorDef>

const userIdParam = { properties: { userId: { type: 'string' as const } }, required: ['userId'] }

/** The common prologue of the *\/create endpoints: not yourself, then the user must exist (upstream order). */
function target(ctx: CallContext, yourself: ApiErrorDef, noSuchUser: ApiErrorDef) {
  const user = me(ctx)
  const userId = str(ctx.ps, 'userId')
  if (userId === user.id) throw new ApiError(yourself)
  return { user, other: getUser(ctx, userId, noSuchUser) }
}

function listOf<T extends { id: string }>(
  name: string,
  kind: string,
  rows: (ctx: CallContext) => T[],
  pack: (ctx: CallContext, row: T) => unknown,
): EndpointDef {
  return {
    name,
    requireCredential: true,
    kind,
    params: { properties: pagingProps(30) },
    exec: (ctx) => paginate(rows(ctx), pageParams(ctx.ps), (r) => r.id).map((r) => pack(ctx, r)),
  }
}

export const relationEndpoints: EndpointDef[] = [
  {
    name: 'following/create',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:following',
    params: { properties: { userId: { type: 'string' }, withReplies: { type: 'boolean' } }, required: ['userId'] },
    exec(ctx) {
      const { user, other } = target(ctx, E.followeeIsYourself, E.followNoSuchUser)
      const { state } = ctx.inst
      if (state.isFollowing(user.id, other.id)) throw new ApiError(E.alreadyFollowing)
      if (state.isBlocking(other.id, user.id)) throw new ApiError(E.blocked)
      if (state.isBlocking(user.id, other.id)) throw new ApiError(E.blocking)
      follow(ctx.inst, user, other, ctx.ps.withReplies === true)
      return packUserLite(ctx.inst, other)
    },
  },
  {
    name: 'following/delete',
    requireCredential: true,
    kind: 'write:following',
    params: userIdParam,
    exec(ctx) {
      const { user, other } = target(ctx, E.unfolloweeIsYourself, E.unfollowNoSuchUser)
      if (!unfollow(ctx.inst, user, other)) throw new ApiError(E.notFollowing)
      return packUserLite(ctx.inst, other)
    },
  },
  {
    name: 'blocking/create',
    requireCredential: true,
    kind: 'write:blocks',
    params: userIdParam,
    exec(ctx) {
      const { user, other } = target(ctx, E.blockeeIsYourself, E.blockNoSuchUser)
      if (ctx.inst.state.isBlocking(user.id, other.id)) throw new ApiError(E.alreadyBlocking)
      block(ctx.inst, user, other)
      return packUserDetailed(ctx.inst, other, user)
    },
  },
  {
    name: 'mute/create',
    requireCredential: true,
    kind: 'write:mutes',
    params: { properties: { userId: { type: 'string' }, expiresAt: { type: 'integer', nullable: true } }, required: ['userId'] },
    exec(ctx) {
      const { user, other } = target(ctx, E.muteeIsYourself, E.muteNoSuchUser)
      const { state } = ctx.inst
      if (state.isMuting(user.id, other.id)) throw new ApiError(E.alreadyMuting)
      const expiresAt = typeof ctx.ps.expiresAt === 'number' ? ctx.ps.expiresAt : null
      if (expiresAt != null && expiresAt <= state.now()) return undefined
      state.addMuting({ id: state.newId(), muterId: user.id, muteeId: other.id, expiresAt })
      return undefined
    },
  },
  {
    name: 'renote-mute/create',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:mutes',
    params: userIdParam,
    exec(ctx) {
      const { user, other } = target(ctx, E.renoteMuteeIsYourself, E.renoteMuteNoSuchUser)
      const { state } = ctx.inst
      if (state.isRenoteMuting(user.id, other.id)) throw new ApiError(E.alreadyRenoteMuting)
      state.addRenoteMuting({ id: state.newId(), muterId: user.id, muteeId: other.id })
      return undefined
    },
  },
  listOf(
    'blocking/list',
    'read:blocks',
    (ctx) => [...ctx.inst.state.blockings.values()].filter((b) => b.blockerId === me(ctx).id),
    (ctx, b) => packBlocking(ctx.inst, b, ctx.me),
  ),
  listOf(
    'mute/list',
    'read:mutes',
    (ctx) => [...ctx.inst.state.mutings.values()].filter((m) => m.muterId === me(ctx).id && ctx.inst.state.isMuting(m.muterId, m.muteeId)),
    (ctx, m) => packMuting(ctx.inst, m, ctx.me),
  ),
  listOf(
    'renote-mute/list',
    'read:mutes',
    (ctx) => [...ctx.inst.state.renoteMutings.values()].filter((m) => m.muterId === me(ctx).id),
    (ctx, m) => packRenoteMuting(ctx.inst, m, ctx.me),
  ),
]
