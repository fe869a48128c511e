/**
 * Room operations shared by the HTTP routes and the seed helpers: create, join, invite, leave, send, set
 * state, and profile propagation. Permission rules follow the spec's authorization rules in the simple
 * single-server case; rate limits are applied by the routes, not here.
 */
import { MatrixError, forbidden, notFound, notInRoom } from './errors.js'
import { defaultRoomVersion } from './routes-auth.js'
import { Room } from './room.js'
import type { ServerState } from './state.js'
import type { StoredEvent, TxnTag } from './timeline.js'

export interface CreateRoomBody {
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat'
  visibility?: 'public' | 'private'
  room_alias_name?: string
  name?: string
  topic?: string
  invite?: string[]
  is_direct?: boolean
  initial_state?: { type: string; state_key?: string; content: Record<string, unknown> }[]
  room_version?: string
  creation_content?: Record<string, unknown>
  power_level_content_override?: Record<string, unknown>
}

function memberContent(state: ServerState, userId: string, membership: string): Record<string, unknown> {
  const user = state.users.get(userId)
  const content: Record<string, unknown> = { membership }
  if (user?.displayname !== undefined) content.displayname = user.displayname
  if (user?.avatar_url !== undefined && membership === 'join') content.avatar_url = user.avatar_url
  return content
}

/**
 * spec: `POST /createRoom` (`create_room.yaml`: presets, `initial_state`, `invite`, `is_direct`). Events
 * are created in Synapse's order (fixture 113): create, creator join, power levels, canonical alias, join
 * rules, history visibility, guest access (private presets), initial_state, name, topic, invites.
 */
export function createRoom(state: ServerState, creator: string, body: CreateRoomBody): { roomId: string; alias?: string } {
  const preset = body.preset ?? (body.visibility === 'public' ? 'public_chat' : 'private_chat')
  let alias: string | undefined
  if (body.room_alias_name !== undefined) {
    alias = `#${body.room_alias_name}:${state.serverName}`
    if (state.aliases.has(alias)) throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken')
  }
  const version = body.room_version ?? defaultRoomVersion(state)
  const room = new Room(state.newRoomId(), version)
  state.rooms.set(room.roomId, room)
  const add = (type: string, content: Record<string, unknown>, stateKey = ''): StoredEvent =>
    state.appendEvent(room, { type, sender: creator, content, state_key: stateKey })

  add('m.room.create', { ...(version === '11' ? {} : { creator }), room_version: version, ...body.creation_content })
  add('m.room.member', memberContent(state, creator, 'join'), creator)
  const users: Record<string, number> = { [creator]: 100 }
  if (preset === 'trusted_private_chat') for (const u of body.invite ?? []) users[u] = 100
  const powerLevels: Record<string, unknown> = {
    users,
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: preset === 'public_chat' ? 50 : 0,
  }
  if (state.synapse) powerLevels.historical = 100
  add('m.room.power_levels', { ...powerLevels, ...body.power_level_content_override })
  if (alias) {
    add('m.room.canonical_alias', { alias })
    state.aliases.set(alias, room.roomId)
  }
  add('m.room.join_rules', { join_rule: preset === 'public_chat' ? 'public' : 'invite' })
  add('m.room.history_visibility', { history_visibility: 'shared' })
  if (preset !== 'public_chat') add('m.room.guest_access', { guest_access: 'can_join' })
  for (const s of body.initial_state ?? []) add(s.type, s.content, s.state_key ?? '')
  if (body.name !== undefined) add('m.room.name', { name: body.name })
  if (body.topic !== undefined) add('m.room.topic', { topic: body.topic })
  for (const target of body.invite ?? []) {
    const content = memberContent(state, target, 'invite')
    if (body.is_direct) content.is_direct = true
    add('m.room.member', content, target)
  }
  room.published = body.visibility === 'public'
  return { roomId: room.roomId, alias }
}

export function requireRoom(state: ServerState, roomId: string): Room {
  const room = state.room(roomId)
  if (!room) throw notFound('No known servers')
  return room
}

/**
 * spec: "Joining rooms" and the `m.room.join_rules` auth rules: public rooms admit anyone, invite-only
 * rooms need an invite (403 "You are not invited to this room.", fixture 154), restricted rooms a join of
 * an allowed room, bans win. Joining again while joined adds no event (Synapse).
 */
export function joinRoom(state: ServerState, userId: string, room: Room): void {
  const membership = room.membership(userId)
  if (membership === 'join') return
  if (membership === 'ban') throw forbidden('You are banned from the room')
  const rules = room.current('m.room.join_rules')?.content
  const joinRule = (rules?.join_rule as string | undefined) ?? 'invite'
  let allowed = joinRule === 'public' || membership === 'invite'
  if (!allowed && (joinRule === 'restricted' || joinRule === 'knock_restricted')) {
    const allow = (rules?.allow ?? []) as { type?: string; room_id?: string }[]
    allowed = allow.some((a) => a.room_id !== undefined && state.room(a.room_id)?.membership(userId) === 'join')
  }
  if (!allowed) throw forbidden('You are not invited to this room.')
  state.appendEvent(room, { type: 'm.room.member', sender: userId, content: memberContent(state, userId, 'join'), state_key: userId })
}

/** spec: `POST /rooms/{roomId}/invite` (`inviting.yaml`): 403 when not allowed, already joined, or banned. */
export function inviteUser(
  state: ServerState,
  inviter: string,
  room: Room,
  target: string,
  extra: { is_direct?: boolean; reason?: string } = {},
): void {
  if (room.membership(inviter) !== 'join') throw notInRoom(inviter, room.roomId)
  if (room.powerLevel(inviter) < room.inviteLevel()) throw forbidden("You don't have permission to invite users")
  const current = room.membership(target)
  if (current === 'join') throw forbidden(`${target} is already in the room.`)
  if (current === 'ban') throw forbidden(`${target} is banned from the room`)
  if (current === 'invite') return
  const content = memberContent(state, target, 'invite')
  if (extra.is_direct) content.is_direct = true
  if (extra.reason !== undefined) content.reason = extra.reason
  state.appendEvent(room, { type: 'm.room.member', sender: inviter, content, state_key: target })
}

/** spec: `POST /rooms/{roomId}/leave` (also rejects an invite). */
export function leaveRoom(state: ServerState, userId: string, room: Room): void {
  const membership = room.membership(userId)
  if (membership !== 'join' && membership !== 'invite' && membership !== 'knock') throw notInRoom(userId, room.roomId)
  state.appendEvent(room, { type: 'm.room.member', sender: userId, content: { membership: 'leave' }, state_key: userId })
}

/** spec: `PUT /rooms/{roomId}/send` and `/state`: sender must be joined and have the power level. */
export function sendEvent(
  state: ServerState,
  sender: string,
  room: Room,
  type: string,
  content: Record<string, unknown>,
  stateKey?: string,
  txn?: TxnTag,
): StoredEvent {
  if (room.membership(sender) !== 'join') throw notInRoom(sender, room.roomId)
  const isState = stateKey !== undefined
  if (room.powerLevel(sender) < room.requiredLevel(type, isState)) {
    throw forbidden(`You don't have permission to post that to the room. user_level (${room.powerLevel(sender)}) < send_level (${room.requiredLevel(type, isState)})`)
  }
  if (type === 'm.room.member' && stateKey !== sender) throw forbidden('Use the membership endpoints to change other users')
  return state.appendEvent(room, { type, sender, content, state_key: stateKey }, txn)
}

/**
 * Profile changes are copied into a new `m.room.member` event in every joined room (Synapse
 * `handlers/profile.py` `_update_join_states`), so exports see the new name in room state.
 */
export function propagateProfile(state: ServerState, userId: string): void {
  for (const room of state.rooms.values()) {
    if (room.membership(userId) !== 'join') continue
    state.appendEvent(room, { type: 'm.room.member', sender: userId, content: memberContent(state, userId, 'join'), state_key: userId })
  }
}
