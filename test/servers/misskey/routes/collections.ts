// User lists, antennas and clips. Sources: users_lists_*.json (userIds inside each list, forPublic on a private
// list → NO_SUCH_LIST, other users see only public lists, push errors), setup/036 lists/create, setup/037 push (204),
// antennas_list__all.json (not paged), antennas_show__keyword.json, clips_list__*.json (paged on 2025.11.1, all clips
// on 2025.7.0), clips_show__public.json, clips_notes__*.json (private clip → NO_SUCH_CLIP for others; cursor = note id);
// upstream endpoints/users/lists/push.ts and antennas/show.ts for errors not recorded.
import type { CallContext, EndpointDef } from '../endpoint.js'
import { getUser, me, str } from '../endpoint.js'
import { ApiError } from '../errors.js'
import { packNote } from '../pack-note.js'
import { packAntenna, packClip, packMembership, packUserList } from '../pack-misc.js'
import { pageParams, paginate } from '../paginate.js'
import type { ClipRecord, UserListRecord } from '../state.js'
import { pagingProps } from '../validate.js'

const E = {
  showNoSuchList: { message: 'No such list.', code: 'NO_SUCH_LIST', id: '7bc05c21-1d7a-41ae-88f1-66820f4dc686' },
  pushNoSuchList: { message: 'No such list.', code: 'NO_SUCH_LIST', id: '2214501d-ac96-4049-b717-91e42272a711' },
  pushNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: 'a89abd3d-f0bc-4cce-beb1-2f446f4f1e6a' },
  alreadyAdded: { message: 'That user has already been added to that list.', code: 'ALREADY_ADDED', id: '1de7c884-1595-49e9-857e-61f12f4d4fc5' },
  youHaveBeenBlocked: {
    message: 'You cannot push this user because you have been blocked by this user.',
    code: 'YOU_HAVE_BEEN_BLOCKED',
    id: '990232c5-3f9d-4d83-9f3f-ef27b6332a4b',
  },
  noSuchAntenna: { message: 'No such antenna.', code: 'NO_SUCH_ANTENNA', id: 'c06569fb-b025-4f23-b22d-1fcd20d2816b' },
  showNoSuchClip: { message: 'No such clip.', code: 'NO_SUCH_CLIP', id: 'c3c5fe33-d62c-44d2-9ea5-d997703f5c20' },
  notesNoSuchClip: { message: 'No such clip.', code: 'NO_SUCH_CLIP', id: '1d7645e6-2b6d-4635-b0fe-fe22b0e72e00' },
}

/** A list the caller may read: its own, or any public one when forPublic (users_lists_show__friends-forPublic.json). */
function readableList(ctx: CallContext, err = E.showNoSuchList): UserListRecord {
  const list = ctx.inst.state.lists.get(str(ctx.ps, 'listId') ?? '')
  const ok = list != null && (ctx.ps.forPublic === true ? list.isPublic : list.userId === ctx.me?.id)
  if (!ok) throw new ApiError(err)
  return list
}

function readableClip(ctx: CallContext, err: typeof E.showNoSuchClip): ClipRecord {
  const clip = ctx.inst.state.clips.get(str(ctx.ps, 'clipId') ?? '')
  if (clip == null || (!clip.isPublic && clip.userId !== ctx.me?.id)) throw new ApiError(err)
  return clip
}

const listIdParams = { properties: { listId: { type: 'string' as const }, forPublic: { type: 'boolean' as const, default: false } }, required: ['listId'] }

export const collectionEndpoints: EndpointDef[] = [
  {
    name: 'users/lists/list',
    requireCredential: true,
    kind: 'read:account',
    params: { properties: { userId: { type: 'string' } } },
    exec(ctx) {
      const userId = str(ctx.ps, 'userId')
      const lists = [...ctx.inst.state.lists.values()].filter((l) =>
        userId == null || userId === me(ctx).id ? l.userId === me(ctx).id : l.userId === userId && l.isPublic,
      )
      return lists.map((l) => packUserList(ctx.inst, l))
    },
  },
  {
    name: 'users/lists/show',
    requireCredential: false,
    kind: 'read:account',
    params: listIdParams,
    exec: (ctx) => packUserList(ctx.inst, readableList(ctx)),
  },
  {
    name: 'users/lists/create',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:account',
    params: { properties: { name: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['name'] },
    exec(ctx) {
      const list = { id: ctx.inst.state.newId(), userId: me(ctx).id, name: str(ctx.ps, 'name')!, isPublic: false }
      ctx.inst.state.lists.set(list.id, list)
      return packUserList(ctx.inst, list)
    },
  },
  {
    name: 'users/lists/push',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:account',
    params: { properties: { listId: { type: 'string' }, userId: { type: 'string' } }, required: ['listId', 'userId'] },
    exec(ctx) {
      const { state } = ctx.inst
      const list = state.lists.get(str(ctx.ps, 'listId')!)
      if (list == null || list.userId !== me(ctx).id) throw new ApiError(E.pushNoSuchList)
      const user = getUser(ctx, ctx.ps.userId, E.pushNoSuchUser)
      if (user.id !== me(ctx).id && state.isBlocking(user.id, me(ctx).id)) throw new ApiError(E.youHaveBeenBlocked)
      if ([...state.memberships.values()].some((m) => m.userListId === list.id && m.userId === user.id)) throw new ApiError(E.alreadyAdded)
      const id = state.newId()
      state.memberships.set(id, { id, userListId: list.id, userId: user.id, withReplies: false })
      return undefined
    },
  },
  {
    name: 'users/lists/get-memberships',
    requireCredential: false,
    kind: 'read:account',
    params: { properties: { ...listIdParams.properties, ...pagingProps(30) }, required: ['listId'] },
    exec(ctx) {
      const list = readableList(ctx)
      const rows = [...ctx.inst.state.memberships.values()].filter((m) => m.userListId === list.id)
      return paginate(rows, pageParams(ctx.ps), (m) => m.id).map((m) => packMembership(ctx.inst, m))
    },
  },
  {
    name: 'antennas/list',
    requireCredential: true,
    kind: 'read:account',
    params: { properties: {} },
    exec: (ctx) => [...ctx.inst.state.antennas.values()].filter((a) => a.userId === me(ctx).id).map(packAntenna),
  },
  {
    name: 'antennas/show',
    requireCredential: true,
    kind: 'read:account',
    params: { properties: { antennaId: { type: 'string' } }, required: ['antennaId'] },
    exec(ctx) {
      const antenna = ctx.inst.state.antennas.get(str(ctx.ps, 'antennaId')!)
      if (antenna == null || antenna.userId !== me(ctx).id) throw new ApiError(E.noSuchAntenna)
      return packAntenna(antenna)
    },
  },
  {
    name: 'clips/list',
    requireCredential: true,
    kind: 'read:account',
    params: { properties: pagingProps(10) },
    exec(ctx) {
      const mine = [...ctx.inst.state.clips.values()].filter((c) => c.userId === me(ctx).id)
      // 2025.7.0 ignores limit and cursors and returns every clip (clips_list__limit1.json of that version)
      const params = ctx.inst.config.version === '2025.7.0' ? { limit: Number.MAX_SAFE_INTEGER } : pageParams(ctx.ps)
      return paginate(mine, params, (c) => c.id).map((c) => packClip(ctx.inst, c, ctx.me))
    },
  },
  {
    name: 'clips/show',
    requireCredential: false,
    kind: 'read:account',
    params: { properties: { clipId: { type: 'string' } }, required: ['clipId'] },
    exec: (ctx) => packClip(ctx.inst, readableClip(ctx, E.showNoSuchClip), ctx.me),
  },
  {
    name: 'clips/notes',
    requireCredential: false,
    kind: 'read:account',
    params: { properties: { clipId: { type: 'string' }, search: { type: 'string', nullable: true }, ...pagingProps(10) }, required: ['clipId'] },
    exec(ctx) {
      const clip = readableClip(ctx, E.notesNoSuchClip)
      const { state } = ctx.inst
      const notes = [...state.clipNotes.values()].filter((c) => c.clipId === clip.id).map((c) => state.notes.get(c.noteId)!)
      return paginate(notes, pageParams(ctx.ps), (n) => n.id).map((n) => packNote(ctx.inst, n, ctx.me))
    },
  },
]
