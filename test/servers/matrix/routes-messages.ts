/**
 * History reads: `GET /rooms/{roomId}/messages`, `/event/{eventId}` and `GET /v1/rooms/{roomId}/timestamp_to_event`.
 */
import { MatrixError, notFound } from './errors.js'
import { matchesEvent, parseRoomEventFilter } from './filter.js'
import { formatEntry, formatPlain, type FormatOptions } from './format.js'
import type { Room } from './room.js'
import { CLIENT, CLIENT_V1, json, type Ctx, type Router } from './router.js'
import type { ServerState } from './state.js'
import { parseRoomToken, roomToken } from './tokens.js'
import { readableRoom } from './visibility.js'

/** Synapse caps `/messages` `limit` at 1000 (`synapse/streams/config.py` MAX_LIMIT). */
const MAX_LIMIT = 1000

export function registerMessageRoutes(router: Router, state: ServerState): void {
  router.add('GET', CLIENT, '/rooms/:roomId/messages', (ctx) => messages(ctx, state))

  // spec: `GET /rooms/{roomId}/event/{eventId}`; 404 for events outside the caller's readable range.
  router.add('GET', CLIENT, '/rooms/:roomId/event/:eventId', (ctx) => {
    const { room, range } = readableRoom(state, ctx.params.roomId!, ctx.session.userId)
    const pos = room.timeline.positionOf(ctx.params.eventId!)
    if (pos === undefined || pos < range.lo || pos >= range.hi) throw notFound('Event not found.')
    return json(formatEntry(room, room.entry(pos), opts(state, ctx)))
  })

  // spec v1.6: `GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event`. Synapse 1.67 had it only behind
  // MSC3030 (off, fixture 007), so synapse167 mode does not serve it.
  if (!state.synapse) {
    router.add('GET', CLIENT_V1, '/rooms/:roomId/timestamp_to_event', (ctx) => {
      const { room, range } = readableRoom(state, ctx.params.roomId!, ctx.session.userId)
      const ts = Number(ctx.query.get('ts'))
      const dir = ctx.query.get('dir')
      if (!Number.isFinite(ts) || (dir !== 'f' && dir !== 'b')) throw new MatrixError(400, 'M_INVALID_PARAM', 'ts and dir are required')
      const pos = findByTimestamp(room, range.lo, range.hi, ts, dir)
      if (pos === undefined) throw notFound(`Unable to find event from ${ts} in direction ${dir}`)
      const e = room.entry(pos).event
      return json({ event_id: e.event_id, origin_server_ts: e.origin_server_ts })
    })
  }
}

function opts(state: ServerState, ctx: Ctx): FormatOptions {
  return { withRoomId: true, legacy: state.synapse, viewer: ctx.session, now: () => state.time.now() }
}

/**
 * spec: message_pagination.yaml. Paging walks from `from` towards `to` (or the edge of what the caller may
 * read), counting events that match the `filter` until `limit` (Synapse applies the filter in SQL, before
 * the limit). Events of ignored users are removed after the limit, as Synapse's `filter_events_for_client`
 * does (fixtures 112, 114): so a page can be short or empty and still carry `end`.
 *
 * `end` is omitted when nothing was walked (fixture 111: `chunk: []`, no `end`). In spec mode it is also
 * omitted when the walk reached the edge ("If no further events are available ... this property is
 * omitted"); Synapse 1.67 still returns `end` then and answers the next request with the empty page
 * (fixtures 110-111).
 */
function messages(ctx: Ctx, state: ServerState): ReturnType<typeof json> {
  const dir = ctx.query.get('dir')
  if (dir !== 'b' && dir !== 'f') {
    throw new MatrixError(400, 'M_INVALID_PARAM', "Query parameter 'dir' must be one of ['f', 'b']")
  }
  const limitParam = ctx.query.get('limit')
  const limit = limitParam === null ? 10 : Number(limitParam)
  if (!Number.isInteger(limit) || limit < 0) throw new MatrixError(400, 'M_INVALID_PARAM', "Query parameter 'limit' must be an integer")
  const { room, range } = readableRoom(state, ctx.params.roomId!, ctx.session.userId)
  const failure = room.takeFailure('messages')
  if (failure) throw new MatrixError(failure.status, failure.errcode, failure.error)

  const fromParam = ctx.query.get('from')
  const toParam = ctx.query.get('to')
  const clamp = (p: number): number => Math.min(range.hi, Math.max(range.lo, p))
  const from = clamp(fromParam ? parseRoomToken(room, fromParam, 'from') : dir === 'b' ? range.hi : range.lo)
  const to = toParam ? clamp(parseRoomToken(room, toParam, 'to')) : undefined
  const filter = parseRoomEventFilter(ctx.query.get('filter'))
  const max = Math.min(limit, MAX_LIMIT)

  const walked: number[] = []
  let p = from
  let reachedEdge: boolean
  if (dir === 'b') {
    const edge = Math.max(range.lo, to ?? range.lo)
    while (p > edge && walked.length < max) {
      p--
      if (matchesEvent(filter, room.entry(p).event)) walked.push(p)
    }
    reachedEdge = p <= edge
  } else {
    const edge = Math.min(range.hi, to ?? range.hi)
    while (p < edge && walked.length < max) {
      if (matchesEvent(filter, room.entry(p).event)) walked.push(p)
      p++
    }
    reachedEdge = p >= edge
  }

  const ignored = state.ignoredBy(ctx.session.userId)
  const format = opts(state, ctx)
  const entries = walked.map((pos) => room.entry(pos)).filter((en) => en.event.state_key !== undefined || !ignored.has(en.event.sender))
  const body: Record<string, unknown> = {
    chunk: entries.map((en) => formatEntry(room, en, format)),
    start: fromParam ?? roomToken(room, from),
  }
  if (walked.length > 0 && (state.synapse || !reachedEdge)) body.end = roomToken(room, p)
  if (filter?.lazy_load_members) body.state = lazyMembers(room, entries.map((en) => ({ sender: en.event.sender, pos: en.pos })), format)
  return json(body)
}

/** spec: "Lazy-loading room members": the member events of the chunk's senders (fixture 114). */
function lazyMembers(room: Room, senders: { sender: string; pos: number }[], format: FormatOptions): Record<string, unknown>[] {
  const seen = new Set<string>()
  const out: Record<string, unknown>[] = []
  for (const { sender, pos } of senders) {
    if (seen.has(sender)) continue
    seen.add(sender)
    const member = room.stateEventBefore('m.room.member', sender, pos + 1)
    if (member) out.push(formatPlain(room, member, format))
  }
  return out
}

/** Binary search on `origin_server_ts`, which this server keeps non-decreasing along the timeline. */
function findByTimestamp(room: Room, lo: number, hi: number, ts: number, dir: 'f' | 'b'): number | undefined {
  let a = lo
  let b = hi
  while (a < b) {
    const mid = (a + b) >> 1
    if (room.entry(mid).event.origin_server_ts < ts) a = mid + 1
    else b = mid
  }
  // a = first position with ts >= target.
  if (dir === 'f') return a < hi ? a : undefined
  if (a < hi && room.entry(a).event.origin_server_ts === ts) return a
  return a - 1 >= lo ? a - 1 : undefined
}
