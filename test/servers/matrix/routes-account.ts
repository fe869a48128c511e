/**
 * Per-user data: account data (global and per room), tags, push rules and profile.
 */
import { MatrixError, invalidParam, notFound } from './errors.js'
import { isPushRuleKind, upsertPushRule, type PushRule, type PushRuleKind } from './push-rules.js'
import { propagateProfile } from './room-ops.js'
import { CLIENT, json, jsonBody, type Ctx, type Router } from './router.js'
import type { ServerState, User } from './state.js'

/** spec v1.10 (account-data.yaml): these types are server-controlled; PUT answers 405 `M_BAD_JSON`. */
const SERVER_CONTROLLED = new Set(['m.fully_read', 'm.push_rules'])

export function registerAccountRoutes(router: Router, state: ServerState): void {
  // spec: `GET/PUT /user/{userId}/account_data/{type}` (fixtures 018, 126-128).
  router.add('GET', CLIENT, '/user/:userId/account_data/:type', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'get account data')
    const item = state.user(ctx.session.userId).accountData.get(ctx.params.type!)
    if (!item) throw notFound('Account data not found')
    return json(item.content)
  })
  router.add('PUT', CLIENT, '/user/:userId/account_data/:type', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'add account data')
    rejectServerControlled(ctx.params.type!)
    state.setAccountData(ctx.session.userId, ctx.params.type!, jsonBody(ctx))
    return json({})
  })
  router.add('GET', CLIENT, '/user/:userId/rooms/:roomId/account_data/:type', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'get account data')
    const roomId = validRoomId(ctx)
    const item = state.user(ctx.session.userId).roomAccountData.get(roomId)?.get(ctx.params.type!)
    if (!item) throw notFound('Room account data not found')
    return json(item.content)
  })
  router.add('PUT', CLIENT, '/user/:userId/rooms/:roomId/account_data/:type', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'add account data')
    const roomId = validRoomId(ctx)
    rejectServerControlled(ctx.params.type!)
    state.setAccountData(ctx.session.userId, ctx.params.type!, jsonBody(ctx), roomId)
    return json({})
  })

  // spec: "Room Tagging" (`tags.yaml`), stored as room account data `m.tag` (fixtures 028, 129).
  router.add('GET', CLIENT, '/user/:userId/rooms/:roomId/tags', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'get tags')
    return json({ tags: tagsOf(state.user(ctx.session.userId), ctx.params.roomId!) })
  })
  router.add('PUT', CLIENT, '/user/:userId/rooms/:roomId/tags/:tag', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'add tags')
    const tag = ctx.params.tag!
    if (Buffer.byteLength(tag) > 255) throw invalidParam('Tag names are limited to 255 bytes')
    const body = jsonBody(ctx)
    const tags = { ...tagsOf(state.user(ctx.session.userId), ctx.params.roomId!), [tag]: body }
    state.setAccountData(ctx.session.userId, 'm.tag', { tags }, ctx.params.roomId!)
    return json({})
  })
  router.add('DELETE', CLIENT, '/user/:userId/rooms/:roomId/tags/:tag', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'remove tags')
    const tags = { ...tagsOf(state.user(ctx.session.userId), ctx.params.roomId!) }
    delete tags[ctx.params.tag!]
    state.setAccountData(ctx.session.userId, 'm.tag', { tags }, ctx.params.roomId!)
    return json({})
  })

  registerPushRuleRoutes(router, state)
  registerProfileRoutes(router, state)
}

function rejectServerControlled(type: string): void {
  if (SERVER_CONTROLLED.has(type)) throw new MatrixError(405, 'M_BAD_JSON', `Cannot set ${type} through this API.`)
}

function validRoomId(ctx: Ctx): string {
  const roomId = ctx.params.roomId!
  if (!/^![^:]+:.+$/.test(roomId)) throw invalidParam(`${roomId} is not a valid room ID.`)
  return roomId
}

function tagsOf(user: User, roomId: string): Record<string, unknown> {
  const tags = user.roomAccountData.get(roomId)?.get('m.tag')?.content.tags
  return tags && typeof tags === 'object' ? (tags as Record<string, unknown>) : {}
}

/** spec: "Push Rules: API" (`pushrules.yaml`); only the `global` scope exists. */
function registerPushRuleRoutes(router: Router, state: ServerState): void {
  router.add('GET', CLIENT, '/pushrules', (ctx) => json({ global: state.user(ctx.session.userId).pushRules }))
  router.add('GET', CLIENT, '/pushrules/global', (ctx) => json(state.user(ctx.session.userId).pushRules))

  const find = (ctx: Ctx): { kind: PushRuleKind; rule: PushRule; user: User } => {
    const { kind, ruleId } = checkPath(ctx)
    const user = state.user(ctx.session.userId)
    const rule = user.pushRules[kind].find((r) => r.rule_id === ruleId)
    if (!rule) throw notFound('Unknown rule')
    return { kind, rule, user }
  }
  router.add('GET', CLIENT, '/pushrules/:scope/:kind/:ruleId', (ctx) => json(find(ctx).rule))
  router.add('DELETE', CLIENT, '/pushrules/:scope/:kind/:ruleId', (ctx) => {
    const { kind, rule, user } = find(ctx)
    if (rule.default) throw new MatrixError(400, 'M_UNKNOWN', 'Cannot delete a server-default rule')
    user.pushRules[kind] = user.pushRules[kind].filter((r) => r !== rule)
    state.touchPushRules(user.userId)
    return json({})
  })
  router.add('PUT', CLIENT, '/pushrules/:scope/:kind/:ruleId', (ctx) => {
    const { kind, ruleId } = checkPath(ctx)
    // spec: server-default rule IDs start with "."; clients cannot create or replace them.
    if (ruleId.startsWith('.')) throw invalidParam('cannot add new rule_ids that start with "."')
    const body = jsonBody(ctx)
    if (!Array.isArray(body.actions)) throw new MatrixError(400, 'M_BAD_JSON', 'Missing actions')
    const rule: PushRule = { rule_id: ruleId, default: false, enabled: true, actions: body.actions }
    if (kind === 'override' || kind === 'underride') rule.conditions = (body.conditions as PushRule['conditions']) ?? []
    if (kind === 'content') {
      if (typeof body.pattern !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'Content rules need a pattern')
      rule.pattern = body.pattern
    }
    const user = state.user(ctx.session.userId)
    const placed = upsertPushRule(user.pushRules, kind, rule, {
      before: ctx.query.get('before') ?? undefined,
      after: ctx.query.get('after') ?? undefined,
    })
    if (!placed) throw notFound('before/after rule not found')
    state.touchPushRules(user.userId)
    return json({})
  })
  for (const attr of ['enabled', 'actions'] as const) {
    router.add('GET', CLIENT, `/pushrules/:scope/:kind/:ruleId/${attr}`, (ctx) => json({ [attr]: find(ctx).rule[attr] }))
    router.add('PUT', CLIENT, `/pushrules/:scope/:kind/:ruleId/${attr}`, (ctx) => {
      const { rule, user } = find(ctx)
      const value = jsonBody(ctx)[attr]
      if (attr === 'enabled' ? typeof value !== 'boolean' : !Array.isArray(value)) throw new MatrixError(400, 'M_BAD_JSON', `Missing ${attr}`)
      ;(rule as unknown as Record<string, unknown>)[attr] = value
      state.touchPushRules(user.userId)
      return json({})
    })
  }
}

function checkPath(ctx: Ctx): { kind: PushRuleKind; ruleId: string } {
  if (ctx.params.scope !== 'global') throw invalidParam('Unknown scope')
  const kind = ctx.params.kind!
  if (!isPushRuleKind(kind)) throw invalidParam('Unknown rule kind')
  return { kind, ruleId: ctx.params.ruleId! }
}

/**
 * spec: "Profiles" (`profile.yaml`): `GET /profile/{userId}` (fixture 130; unknown user 404, fixture 132),
 * `GET/PUT /profile/{userId}/displayname|avatar_url` (fixtures 009, 011, 131). Reads need no token.
 */
function registerProfileRoutes(router: Router, state: ServerState): void {
  const profileOf = (userId: string): User => {
    const user = state.users.get(userId)
    if (!user) throw notFound('Profile was not found')
    return user
  }
  router.add(
    'GET',
    CLIENT,
    '/profile/:userId',
    (ctx) => {
      const user = profileOf(ctx.params.userId!)
      const body: Record<string, unknown> = {}
      if (user.displayname !== undefined) body.displayname = user.displayname
      if (user.avatar_url !== undefined) body.avatar_url = user.avatar_url
      return json(body)
    },
    'none',
  )
  for (const field of ['displayname', 'avatar_url'] as const) {
    router.add(
      'GET',
      CLIENT,
      `/profile/:userId/${field}`,
      (ctx) => {
        const value = profileOf(ctx.params.userId!)[field]
        if (value === undefined) throw notFound(`The user has no ${field}`)
        return json({ [field]: value })
      },
      'none',
    )
    router.add('PUT', CLIENT, `/profile/:userId/${field}`, (ctx) => {
      state.requireSelf(ctx.session, ctx.params.userId!, 'set profile')
      const value = jsonBody(ctx)[field]
      if (value !== undefined && value !== null && typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `${field} must be a string`)
      const user = state.user(ctx.session.userId)
      if (typeof value === 'string') user[field] = value
      else delete user[field]
      propagateProfile(state, user.userId)
      return json({})
    })
  }
}
