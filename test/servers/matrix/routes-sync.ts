/**
 * `GET /sync` and filters (spec: "Syncing", `data/api/client-server/sync.yaml`, `filter.yaml`).
 */
import { notFound } from './errors.js'
import { matchesEvent, matchesRoom, resolveSyncFilter, type EventFilter, type SyncFilter } from './filter.js'
import { formatEntry, type FormatOptions } from './format.js'
import type { Room } from './room.js'
import { CLIENT, json, jsonBody, type Ctx, type Router } from './router.js'
import type { ServerState, Session, User } from './state.js'
import { parseSyncToken, roomToken, syncToken } from './tokens.js'

export function registerSyncRoutes(router: Router, state: ServerState): void {
  // spec: `POST /user/{userId}/filter` -> `{filter_id}` (fixture 104: IDs are "0", "1", ...).
  router.add('POST', CLIENT, '/user/:userId/filter', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'create filters')
    const user = state.user(ctx.session.userId)
    user.filters.push(jsonBody(ctx))
    return json({ filter_id: String(user.filters.length - 1) })
  })
  router.add('GET', CLIENT, '/user/:userId/filter/:filterId', (ctx) => {
    state.requireSelf(ctx.session, ctx.params.userId!, 'get filters')
    const stored = state.user(ctx.session.userId).filters[Number(ctx.params.filterId)]
    if (!stored) throw notFound('No such filter')
    return json(stored)
  })

  router.add('GET', CLIENT, '/sync', async (ctx) => {
    const user = state.user(ctx.session.userId)
    const filter = resolveSyncFilter(user, ctx.query.get('filter'))
    const sinceParam = ctx.query.get('since')
    const since = sinceParam ? parseSyncToken(sinceParam) : undefined
    const timeout = Number(ctx.query.get('timeout') ?? 0)
    if (since !== undefined && timeout > 0) await state.waitForStream(since, Math.min(timeout, state.maxSyncWaitMs))
    const fullState = ctx.query.get('full_state') === 'true'
    return json(buildSync(state, ctx, user, filter, fullState ? undefined : since))
  })
}

interface SyncCtx {
  state: ServerState
  session: Session
  user: User
  filter: SyncFilter
  since: number | undefined
  ignored: Set<string>
  format: FormatOptions
}

function buildSync(state: ServerState, ctx: Ctx, user: User, filter: SyncFilter, since: number | undefined): Record<string, unknown> {
  const now = state.stream
  const sc: SyncCtx = {
    state,
    session: ctx.session,
    user,
    filter,
    since,
    ignored: state.ignoredBy(user.userId),
    format: { withRoomId: false, legacy: false, viewer: ctx.session, now: () => state.time.now() },
  }
  const changed = (stream: number): boolean => since === undefined || stream > since
  const accountData: Record<string, unknown>[] = []
  for (const [type, item] of user.accountData) {
    if (changed(item.stream) && matchesEvent(filter.account_data, { type })) accountData.push({ type, content: item.content })
  }
  // `m.push_rules` is delivered as global account data (spec: "Push Rules: Events"; fixture 103).
  if (changed(user.pushRulesStream) && matchesEvent(filter.account_data, { type: 'm.push_rules' })) {
    accountData.push({ type: 'm.push_rules', content: { global: user.pushRules } })
  }

  const join: Record<string, unknown> = {}
  const invite: Record<string, unknown> = {}
  const leave: Record<string, unknown> = {}
  for (const room of state.rooms.values()) {
    if (!matchesRoom(filter.room, room.roomId)) continue
    const history = room.membershipHistory(user.userId)
    const last = history.at(-1)
    if (!last) continue
    const membership = last.event.content.membership
    const lastStream = room.entry(last.pos).stream
    if (membership === 'join') {
      // The join that started the current membership (later join->join events are profile changes).
      let first = history.length - 1
      while (first > 0 && history[first - 1]!.event.content.membership === 'join') first--
      const joinedSince = since === undefined || room.entry(history[first]!.pos).stream > since
      const entry = joinedRoom(sc, room, joinedSince ? 0 : room.timeline.positionAtStream(since!), room.timeline.length, joinedSince)
      if (entry) join[room.roomId] = entry
    } else if (membership === 'invite' && changed(lastStream)) {
      invite[room.roomId] = { invite_state: { events: strippedState(room, last.pos) } }
    } else if ((membership === 'leave' || membership === 'ban') && (since !== undefined ? lastStream > since : filter.room?.include_leave === true)) {
      const lo = since === undefined ? 0 : room.timeline.positionAtStream(since)
      const entry = joinedRoom(sc, room, lo, last.pos + 1, since === undefined)
      if (entry) {
        delete entry.ephemeral
        delete entry.unread_notifications
        delete entry.summary
        leave[room.roomId] = entry
      }
    }
  }

  const device = user.devices.get(ctx.session.deviceId)
  return {
    next_batch: syncToken(now),
    account_data: { events: accountData },
    presence: { events: [] },
    to_device: { events: [] },
    device_lists: { changed: [], left: [] },
    device_one_time_keys_count: { signed_curve25519: device?.oneTimeKeyCount ?? 0 },
    device_unused_fallback_key_types: [],
    rooms: { join, invite, leave, knock: {} },
  }
}

/**
 * One room of `rooms.join` (or `rooms.leave`), for the window lo..hi of its timeline. `full` = initial sync
 * or a room the user joined after `since`: state is the whole state at the start of the timeline; otherwise
 * only state that changed in the gap before a limited timeline. Returns undefined when nothing changed.
 */
function joinedRoom(sc: SyncCtx, room: Room, lo: number, hi: number, full: boolean): Record<string, unknown> | undefined {
  const roomFilter = sc.filter.room
  const timelineFilter = roomFilter?.timeline
  const limit = timelineFilter?.limit ?? 10
  const picked: number[] = []
  let p = hi
  while (p > lo && picked.length < limit) {
    p--
    const e = room.entry(p).event
    if (e.state_key === undefined && sc.ignored.has(e.sender)) continue
    if (matchesEvent(timelineFilter, e)) picked.push(p)
  }
  picked.reverse()
  const roomData = roomAccountData(sc, room.roomId, roomFilter?.account_data)
  if (!full && picked.length === 0 && roomData.length === 0 && hi - lo === 0) return undefined

  const timelineStart = picked[0] ?? hi
  const senders = new Set(picked.map((pos) => room.entry(pos).event.sender))
  senders.add(sc.user.userId)
  const lazy = roomFilter?.state?.lazy_load_members === true
  const state = room
    .stateEntriesBefore(timelineStart)
    .filter((s) => full || s.pos >= lo)
    .filter((s) => !lazy || s.event.type !== 'm.room.member' || senders.has(s.event.state_key!))
    .filter((s) => matchesEvent(roomFilter?.state, s.event))
    .map((s) => formatEntry(room, room.entry(s.pos), sc.format))

  return {
    timeline: {
      events: picked.map((pos) => formatEntry(room, room.entry(pos), sc.format)),
      prev_batch: roomToken(room, timelineStart),
      limited: p > lo,
    },
    state: { events: state },
    account_data: { events: roomData },
    ephemeral: { events: [] },
    unread_notifications: { notification_count: 0, highlight_count: 0 },
    summary: full ? summary(room, sc.user.userId) : {},
  }
}

function roomAccountData(sc: SyncCtx, roomId: string, filter: EventFilter | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const [type, item] of sc.user.roomAccountData.get(roomId) ?? []) {
    if ((sc.since === undefined || item.stream > sc.since) && matchesEvent(filter, { type })) out.push({ type, content: item.content })
  }
  return out
}

/** spec: "Room summary"; `m.heroes` only for rooms without a name or alias (README: DM summary). */
function summary(room: Room, userId: string): Record<string, unknown> {
  const members = room.members()
  const out: Record<string, unknown> = {
    'm.joined_member_count': members.filter((e) => e.content.membership === 'join').length,
    'm.invited_member_count': members.filter((e) => e.content.membership === 'invite').length,
  }
  if (!room.current('m.room.name') && !room.current('m.room.canonical_alias')) {
    out['m.heroes'] = members
      .filter((e) => e.state_key !== userId && (e.content.membership === 'join' || e.content.membership === 'invite'))
      .map((e) => e.state_key!)
      .slice(0, 5)
  }
  return out
}

/** spec: "Stripped state" shown with an invite (`invite_state`). */
function strippedState(room: Room, invitePos: number): Record<string, unknown>[] {
  const types = ['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.canonical_alias', 'm.room.avatar', 'm.room.encryption', 'm.room.topic']
  const events = room.stateBefore(invitePos + 1).filter((e) => types.includes(e.type))
  const invite = room.entry(invitePos).event
  const inviter = room.stateEventBefore('m.room.member', invite.sender, invitePos)
  if (inviter) events.push(inviter)
  events.push(invite)
  return events.map((e) => ({ type: e.type, state_key: e.state_key, sender: e.sender, content: e.content }))
}
