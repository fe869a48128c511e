/**
 * Room creation, membership and the room directory.
 */
import { MatrixError, invalidParam, notFound } from './errors.js'
import { createRoom, inviteUser, joinRoom, leaveRoom, requireRoom, type CreateRoomBody } from './room-ops.js'
import { CLIENT, json, jsonBody, type Router } from './router.js'
import type { ServerState } from './state.js'

export function registerMembershipRoutes(router: Router, state: ServerState): void {
  // spec: `GET /joined_rooms` (fixture 101).
  router.add('GET', CLIENT, '/joined_rooms', (ctx) => {
    const joined = [...state.rooms.values()].filter((r) => r.membership(ctx.session.userId) === 'join').map((r) => r.roomId)
    return json({ joined_rooms: joined })
  })

  // spec: `POST /createRoom`; rate limited like Synapse's `rc_room_creation`.
  router.add('POST', CLIENT, '/createRoom', (ctx) => {
    const body = jsonBody(ctx) as CreateRoomBody
    state.limiter.take('createRoom', ctx.session.userId)
    for (const u of body.invite ?? []) if (typeof u !== 'string' || !u.startsWith('@')) throw invalidParam(`Invalid user ID ${String(u)}`)
    const { roomId, alias } = createRoom(state, ctx.session.userId, body)
    return json(alias ? { room_id: roomId, room_alias: alias } : { room_id: roomId })
  })

  // spec: `POST /join/{roomIdOrAlias}` with `server_name` (deprecated in v1.12) / `via`; this server does
  // not federate, so both are only recorded in the request log.
  router.add('POST', CLIENT, '/join/:roomIdOrAlias', (ctx) => {
    const target = ctx.params.roomIdOrAlias!
    let roomId = target
    if (target.startsWith('#')) {
      const resolved = state.aliases.get(target)
      if (!resolved) throw notFound(`Room alias ${target} not found`)
      roomId = resolved
    } else if (!target.startsWith('!')) {
      throw invalidParam(`${target} was not legal room ID or room alias`)
    }
    return join(state, ctx.session.userId, roomId)
  })
  router.add('POST', CLIENT, '/rooms/:roomId/join', (ctx) => join(state, ctx.session.userId, ctx.params.roomId!))

  router.add('POST', CLIENT, '/rooms/:roomId/invite', (ctx) => {
    const body = jsonBody(ctx)
    const target = body.user_id
    if (typeof target !== 'string' || !/^@[^:]+:.+$/.test(target)) throw new MatrixError(400, 'M_BAD_JSON', 'Missing or invalid user_id')
    const room = requireRoom(state, ctx.params.roomId!)
    // Synapse checks both `rc_invites.per_issuer` and `rc_invites.per_user` (the latter counts against the invitee).
    state.limiter.take('invite', ctx.session.userId)
    state.limiter.take('inviteTarget', target)
    inviteUser(state, ctx.session.userId, room, target, { reason: body.reason as string | undefined })
    return json({})
  })

  router.add('POST', CLIENT, '/rooms/:roomId/leave', (ctx) => {
    leaveRoom(state, ctx.session.userId, requireRoom(state, ctx.params.roomId!))
    return json({})
  })

  // spec: `GET /directory/room/{roomAlias}` (fixture 133) and `PUT`/`DELETE` to manage aliases.
  router.add(
    'GET',
    CLIENT,
    '/directory/room/:alias',
    (ctx) => {
      const roomId = state.aliases.get(ctx.params.alias!)
      if (!roomId) throw notFound(`Room alias ${ctx.params.alias} not found`)
      return json({ room_id: roomId, servers: [state.serverName] })
    },
    'none',
  )
  router.add('PUT', CLIENT, '/directory/room/:alias', (ctx) => {
    const body = jsonBody(ctx)
    const alias = ctx.params.alias!
    if (state.aliases.has(alias)) throw new MatrixError(409, 'M_UNKNOWN', `Room alias ${alias} already exists`)
    requireRoom(state, String(body.room_id))
    state.aliases.set(alias, String(body.room_id))
    return json({})
  })
  router.add('DELETE', CLIENT, '/directory/room/:alias', (ctx) => {
    if (!state.aliases.delete(ctx.params.alias!)) throw notFound('Room alias not found')
    return json({})
  })

  // spec: `GET /publicRooms` (fixture 134 for the chunk fields).
  router.add(
    'GET',
    CLIENT,
    '/publicRooms',
    () => {
      const chunk = [...state.rooms.values()]
        .filter((r) => r.published)
        .map((r) => {
          const entry: Record<string, unknown> = {
            room_id: r.roomId,
            num_joined_members: r.joinedUserIds().length,
            world_readable: r.current('m.room.history_visibility')?.content.history_visibility === 'world_readable',
            guest_can_join: r.current('m.room.guest_access')?.content.guest_access === 'can_join',
            join_rule: r.current('m.room.join_rules')?.content.join_rule ?? 'invite',
          }
          const name = r.current('m.room.name')?.content.name
          const topic = r.current('m.room.topic')?.content.topic
          const alias = r.current('m.room.canonical_alias')?.content.alias
          if (name !== undefined) entry.name = name
          if (topic !== undefined) entry.topic = topic
          if (alias !== undefined) entry.canonical_alias = alias
          return entry
        })
      return json({ chunk, total_room_count_estimate: chunk.length })
    },
    'none',
  )
}

/** Join with the `join` rate limit (Synapse `rc_joins.local`), not charged when already joined. */
function join(state: ServerState, userId: string, roomId: string): ReturnType<typeof json> {
  const room = requireRoom(state, roomId)
  if (room.membership(userId) !== 'join') state.limiter.take('join', userId)
  joinRoom(state, userId, room)
  return json({ room_id: roomId })
}
