// Endpoints about the caller's own account: i, i/update (profile and alsoKnownAs), i/pin, i/favorites,
// i/notifications, miauth/gen-token. Sources: i__alice.json (MeDetailed with secrets only for the native token,
// i__app-token.json without), i_update__alsoKnownAs-*.json, setup/029_i_pin__pin.json, i_favorites__*.json,
// i_notifications__export-completed.json, miauth_gen-token__all-permissions.json; upstream endpoints/i/update.ts.
import { randomBytes } from 'node:crypto'
import type { CallContext, EndpointDef } from '../endpoint.js'
import { me, str } from '../endpoint.js'
import { ApiError } from '../errors.js'
import type { Instance } from '../instance.js'
import { localUserUri, parseAcct } from '../instance.js'
import { idToIso } from '../ids.js'
import { packFavorite } from '../pack-misc.js'
import { packUserDetailed } from '../pack-user.js'
import { pageParams, paginate } from '../paginate.js'
import type { UserRecord } from '../state.js'
import { pagingProps } from '../validate.js'

const E = {
  // i_update__error-alsoKnownAs-nonexistent.json
  updateNoSuchUser: { message: 'No such user.', code: 'NO_SUCH_USER', id: 'fcd2eef9-a9b2-4c4f-8624-038099e90aa5' },
  // i_update__error-alsoKnownAs-self.json
  forbiddenToSetYourself: {
    message: "You can't set yourself as your own alias.",
    code: 'FORBIDDEN_TO_SET_YOURSELF',
    id: '25c90186-4ab0-49c8-9bba-a1fa6c202ba4',
  },
  // upstream endpoints/i/update.ts
  yourAccountMoved: { message: 'You have moved your account.', code: 'YOUR_ACCOUNT_MOVED', id: '56f20ec9-fd06-4fa5-841b-edd6d7d4fa31', httpStatusCode: 403 },
  noSuchAvatar: { message: 'No such avatar file.', code: 'NO_SUCH_AVATAR', id: '539f3a45-f215-4f81-a9a8-31293640207f' },
  noSuchBanner: { message: 'No such banner file.', code: 'NO_SUCH_BANNER', id: '0d8f5629-f210-41c2-9433-735831a58595' },
  // upstream endpoints/i/pin.ts
  pinNoSuchNote: { message: 'No such note.', code: 'NO_SUCH_NOTE', id: '56734f8b-3928-431e-bf80-6ff87df40cb3' },
}

/** Upstream RemoteUserResolveService.resolveUser: local lookup for no/own host, else federation (directory.ts). */
export function resolveAcct(inst: Instance, username: string, host: string | null): UserRecord | undefined {
  if (host == null || host === inst.config.host) return inst.state.findUserByAcct(username, null)
  return inst.federation.resolveRemoteUser(username, host)
}

/** i/update's alsoKnownAs: each acct resolved (remote ones through the directory) and stored as its AP URI. */
function aliasesOf(ctx: CallContext, user: UserRecord, lines: string[]): string[] | null {
  if (user.movedToUri != null) throw new ApiError(E.yourAccountMoved)
  const uris = new Set<string>()
  for (const line of lines) {
    if (!line) throw new ApiError(E.updateNoSuchUser)
    const { username, host } = parseAcct(line)
    const target = resolveAcct(ctx.inst, username, host)
    if (target == null) throw new ApiError(E.updateNoSuchUser)
    if (target.id === user.id) throw new ApiError(E.forbiddenToSetYourself)
    uris.add(localUserUri(ctx.inst, target))
  }
  return uris.size > 0 ? [...uris] : null
}

const PROFILE_STRINGS = ['name', 'description', 'location', 'birthday', 'lang', 'followedMessage'] as const

function updateProfile(ctx: CallContext): Record<string, unknown> {
  const user = me(ctx)
  const { ps, inst } = ctx
  const aliases = Array.isArray(ps.alsoKnownAs) ? aliasesOf(ctx, user, ps.alsoKnownAs as string[]) : undefined
  for (const key of ['avatarId', 'bannerId'] as const) {
    const id = ps[key]
    if (typeof id !== 'string') continue
    const file = inst.state.files.get(id)
    if (file == null || file.userId !== user.id) throw new ApiError(key === 'avatarId' ? E.noSuchAvatar : E.noSuchBanner)
  }
  for (const key of PROFILE_STRINGS) {
    const v = ps[key]
    if (v === null || typeof v === 'string') user[key] = key === 'name' && typeof v === 'string' ? v.trim() || null : v
  }
  if (ps.avatarId !== undefined) user.avatarId = ps.avatarId as string | null
  if (ps.bannerId !== undefined) user.bannerId = ps.bannerId as string | null
  if (Array.isArray(ps.fields)) {
    user.fields = (ps.fields as { name: string; value: string }[])
      .filter((f) => f.name.trim() !== '' && f.value.trim() !== '')
      .map((f) => ({ name: f.name.trim(), value: f.value.trim() }))
  }
  for (const key of ['isBot', 'isCat', 'isLocked', 'publicReactions'] as const) {
    if (typeof ps[key] === 'boolean') user[key] = ps[key] as boolean
  }
  for (const key of ['followingVisibility', 'followersVisibility'] as const) {
    if (typeof ps[key] === 'string') user[key] = ps[key] as UserRecord[typeof key]
  }
  if (aliases !== undefined) user.alsoKnownAs = aliases
  user.updatedAt = inst.state.now()
  return packUserDetailed(inst, user, user, { includeSecrets: ctx.token == null || ctx.token.kind === 'native' })
}

const nullableString = { type: 'string', nullable: true } as const

export const accountEndpoints: EndpointDef[] = [
  {
    name: 'i',
    requireCredential: true,
    kind: 'read:account',
    params: { properties: {} },
    exec: (ctx) => packUserDetailed(ctx.inst, me(ctx), me(ctx), { includeSecrets: ctx.token?.kind !== 'app' }),
  },
  {
    name: 'i/update',
    requireCredential: true,
    kind: 'write:account',
    params: {
      properties: {
        name: nullableString,
        description: nullableString,
        location: nullableString,
        birthday: nullableString,
        lang: nullableString,
        followedMessage: nullableString,
        avatarId: nullableString,
        bannerId: nullableString,
        fields: { type: 'array', maxItems: 16, items: { type: 'object' } },
        isBot: { type: 'boolean' },
        isCat: { type: 'boolean' },
        isLocked: { type: 'boolean' },
        publicReactions: { type: 'boolean' },
        followingVisibility: { type: 'string', enum: ['public', 'followers', 'private'] },
        followersVisibility: { type: 'string', enum: ['public', 'followers', 'private'] },
        alsoKnownAs: { type: 'array', maxItems: 10, items: { type: 'string' } },
      },
    },
    exec: updateProfile,
  },
  {
    name: 'i/pin',
    requireCredential: true,
    kind: 'write:account',
    params: { properties: { noteId: { type: 'string' } }, required: ['noteId'] },
    exec(ctx) {
      const user = me(ctx)
      const note = ctx.inst.state.notes.get(str(ctx.ps, 'noteId')!)
      if (note == null || note.userId !== user.id) throw new ApiError(E.pinNoSuchNote)
      if (!user.pinnedNoteIds.includes(note.id)) user.pinnedNoteIds.unshift(note.id)
      return packUserDetailed(ctx.inst, user, user)
    },
  },
  {
    name: 'i/favorites',
    requireCredential: true,
    kind: 'read:favorites',
    params: { properties: pagingProps(10) },
    exec(ctx) {
      const mine = [...ctx.inst.state.favorites.values()].filter((f) => f.userId === me(ctx).id)
      return paginate(mine, pageParams(ctx.ps), (f) => f.id).map((f) => packFavorite(ctx.inst, f, ctx.me))
    },
  },
  {
    // Only exportCompleted notifications are produced here (by i/export-*).
    name: 'i/notifications',
    requireCredential: true,
    kind: 'read:notifications',
    params: { properties: { ...pagingProps(10), markAsRead: { type: 'boolean' } } },
    exec(ctx) {
      const mine = [...ctx.inst.state.notifications.values()].filter((n) => n.notifieeId === me(ctx).id)
      return paginate(mine, pageParams(ctx.ps), (n) => n.id).map((n) => ({ id: n.id, createdAt: idToIso(n.id), type: n.type, ...n.body }))
    },
  },
  {
    name: 'miauth/gen-token',
    requireCredential: true,
    secure: true,
    params: {
      properties: { session: { type: 'string', nullable: true }, name: nullableString, permission: { type: 'array', items: { type: 'string' } } },
      required: ['session', 'permission'],
    },
    exec(ctx) {
      const token = randomBytes(24).toString('base64url').slice(0, 32)
      const permissions = ctx.ps.permission as string[]
      ctx.inst.state.tokens.set(token, { token, userId: me(ctx).id, kind: 'app', permissions })
      const session = str(ctx.ps, 'session')
      if (session != null) ctx.inst.state.miauthSessions.set(session, token)
      return { token }
    },
  },
]
