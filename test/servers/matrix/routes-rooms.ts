/**
 * Room state reads and event writes: `/state`, `/members`, `/joined_members`, `PUT /send`, `PUT /state`,
 * `PUT /redact`.
 */
import { MatrixError, forbidden, notFound, notInRoom } from './errors.js'
import { formatPlain, type FormatOptions } from './format.js'
import type { Room } from './room.js'
import { sendEvent } from './room-ops.js'
import { CLIENT, json, jsonBody, type Ctx, type Router } from './router.js'
import type { ServerState } from './state.js'
import type { StoredEvent } from './timeline.js'
import { parseRoomToken } from './tokens.js'
import { readableRoom, type VisibleRange } from './visibility.js'

export function registerRoomRoutes(router: Router, state: ServerState): void {
  const fmt = (ctx: Ctx): FormatOptions => ({ withRoomId: true, legacy: state.synapse, viewer: ctx.session, now: () => state.time.now() })

  // spec: `GET /rooms/{roomId}/state` (fixtures 116-119); a user who left gets the state at their leave.
  router.add('GET', CLIENT, '/rooms/:roomId/state', (ctx) => {
    const { room, range } = readable(state, ctx, 'state')
    return json(stateFor(room, range).map((e) => formatPlain(room, e, fmt(ctx))))
  })

  // spec: `GET /rooms/{roomId}/state/{eventType}/{stateKey}` returns the content (fixture 120), or the whole
  // event with `?format=event` (v1.16); 404 M_NOT_FOUND when unset.
  const getStateEvent = (ctx: Ctx): ReturnType<typeof json> => {
    const { room, range } = readable(state, ctx, 'state')
    const key = ctx.params.stateKey ?? ''
    const event = range.joined ? room.current(ctx.params.type!, key) : room.stateEventBefore(ctx.params.type!, key, range.hi)
    if (!event) throw notFound('Event not found.')
    return json(ctx.query.get('format') === 'event' ? formatPlain(room, event, fmt(ctx)) : event.content)
  }
  router.add('GET', CLIENT, '/rooms/:roomId/state/:type/:stateKey?', getStateEvent)
  router.add('GET', CLIENT, '/rooms/:roomId/state/:type', getStateEvent)

  // spec: `GET /rooms/{roomId}/members` with `at`, `membership`, `not_membership` (fixture 121).
  router.add('GET', CLIENT, '/rooms/:roomId/members', (ctx) => {
    const { room, range } = readable(state, ctx, 'members')
    const at = ctx.query.get('at')
    const pos = at ? Math.min(range.hi, parseRoomToken(room, at, 'from')) : range.hi
    const only = ctx.query.get('membership')
    const not = ctx.query.get('not_membership')
    const chunk = room
      .stateBefore(pos)
      .filter((e) => e.type === 'm.room.member')
      .filter((e) => (only === null || e.content.membership === only) && (not === null || e.content.membership !== not))
      .map((e) => formatPlain(room, e, fmt(ctx)))
    return json({ chunk })
  })

  // spec: `GET /rooms/{roomId}/joined_members`; Synapse 1.67 writes `avatar_url: null` when unset (fixture 122).
  router.add('GET', CLIENT, '/rooms/:roomId/joined_members', (ctx) => {
    const { room, range } = readable(state, ctx, 'members')
    if (!range.joined) throw notInRoom(ctx.session.userId, room.roomId)
    const joined: Record<string, Record<string, unknown>> = {}
    for (const e of room.members()) {
      if (e.content.membership !== 'join') continue
      const entry: Record<string, unknown> = {}
      if (e.content.avatar_url !== undefined || state.synapse) entry.avatar_url = e.content.avatar_url ?? null
      if (e.content.displayname !== undefined || state.synapse) entry.display_name = e.content.displayname ?? null
      joined[e.state_key!] = entry
    }
    return json({ joined })
  })

  // spec: `PUT /rooms/{roomId}/send/{eventType}/{txnId}`: idempotent per device and txnId ("Transaction
  // identifiers", v1.7 scopes them to the device); rate limited by Synapse's `rc_message` (fixtures 030-035).
  router.add('PUT', CLIENT, '/rooms/:roomId/send/:type/:txnId', (ctx) => {
    const { roomId, type, txnId } = ctx.params as Record<string, string>
    const key = txnKey(ctx, roomId, `send/${type}`, txnId)
    const done = state.txns.get(key)
    if (done) return json({ event_id: done })
    const content = jsonBody(ctx)
    const room = writableRoom(state, ctx)
    state.limiter.take('message', ctx.session.userId)
    const event = sendEvent(state, ctx.session.userId, room, type, content, undefined, {
      userId: ctx.session.userId,
      deviceId: ctx.session.deviceId,
      txnId,
    })
    state.txns.set(key, event.event_id)
    return json({ event_id: event.event_id })
  })

  // spec: `PUT /rooms/{roomId}/state/{eventType}/{stateKey}`; Synapse rate limits these as messages too.
  const putState = (ctx: Ctx): ReturnType<typeof json> => {
    const content = jsonBody(ctx)
    const room = writableRoom(state, ctx)
    state.limiter.take('message', ctx.session.userId)
    const type = ctx.params.type!
    const event = sendEvent(state, ctx.session.userId, room, type, content, ctx.params.stateKey ?? '')
    if (type === 'm.room.canonical_alias' && typeof content.alias === 'string') state.aliases.set(content.alias, room.roomId)
    return json({ event_id: event.event_id })
  }
  router.add('PUT', CLIENT, '/rooms/:roomId/state/:type/:stateKey?', putState)
  router.add('PUT', CLIENT, '/rooms/:roomId/state/:type', putState)

  // spec: `PUT /rooms/{roomId}/redact/{eventId}/{txnId}` ("Redactions"); own events need no power level.
  router.add('PUT', CLIENT, '/rooms/:roomId/redact/:eventId/:txnId', (ctx) => {
    const { roomId, eventId, txnId } = ctx.params as Record<string, string>
    const key = txnKey(ctx, roomId, 'redact', txnId)
    const done = state.txns.get(key)
    if (done) return json({ event_id: done })
    const body = jsonBody(ctx)
    const room = writableRoom(state, ctx)
    const pos = room.timeline.positionOf(eventId)
    if (pos === undefined) throw notFound('Event not found.')
    const target = room.entry(pos).event
    const userId = ctx.session.userId
    if (target.sender !== userId && room.powerLevel(userId) < redactLevel(room)) throw forbidden('You cannot redact this event')
    state.limiter.take('message', userId)
    const content: Record<string, unknown> = body.reason !== undefined ? { reason: body.reason } : {}
    if (room.version === '11') content.redacts = eventId
    const redaction = sendEvent(state, userId, room, 'm.room.redaction', content, undefined, { userId, deviceId: ctx.session.deviceId, txnId })
    if (room.version !== '11') redaction.redacts = eventId
    room.redactions.set(eventId, redaction)
    state.txns.set(key, redaction.event_id)
    return json({ event_id: redaction.event_id })
  })
}

function txnKey(ctx: Ctx, roomId: string, what: string, txnId: string): string {
  return [ctx.session.userId, ctx.session.deviceId, roomId, what, txnId].join('\u0000')
}

function readable(state: ServerState, ctx: Ctx, endpoint: string): { room: Room; range: VisibleRange } {
  const found = readableRoom(state, ctx.params.roomId!, ctx.session.userId)
  const failure = found.room.takeFailure(endpoint)
  if (failure) throw new MatrixError(failure.status, failure.errcode, failure.error)
  return found
}

function writableRoom(state: ServerState, ctx: Ctx): Room {
  const room = state.room(ctx.params.roomId!)
  if (!room) throw notInRoom(ctx.session.userId, ctx.params.roomId!)
  return room
}

function redactLevel(room: Room): number {
  return (room.current('m.room.power_levels')?.content.redact as number | undefined) ?? 50
}

function stateFor(room: Room, range: VisibleRange): StoredEvent[] {
  return range.joined ? room.currentState() : room.stateBefore(range.hi)
}
