/**
 * Stored events -> the "ClientEvent" format (spec: `definitions/client_event.yaml`).
 */
import type { Room } from './room.js'
import type { Session } from './state.js'
import type { StoredEvent, TimelineEntry } from './timeline.js'

export interface FormatOptions {
  /** `room_id` is left out inside `/sync` room objects (spec: ClientEventWithoutRoomID). */
  withRoomId: boolean
  /**
   * Synapse 1.67 adds legacy top-level `user_id` and `age` (and for state events `replaces_state`,
   * `prev_content`) outside `/sync` (fixtures 108, 116, 118).
   */
  legacy: boolean
  viewer?: Session
  /** The server's clock (epoch ms), for `unsigned.age`. */
  now: () => number
}

/** Content keys kept by redaction (spec: "Redactions", room versions 1-10 algorithm). */
const KEPT_ON_REDACT: Record<string, string[]> = {
  'm.room.member': ['membership', 'join_authorised_via_users_server'],
  'm.room.create': ['creator'],
  'm.room.join_rules': ['join_rule', 'allow'],
  'm.room.power_levels': [
    'ban',
    'events',
    'events_default',
    'kick',
    'redact',
    'state_default',
    'users',
    'users_default',
  ],
  'm.room.history_visibility': ['history_visibility'],
}

export function formatEntry(room: Room, entry: TimelineEntry, opts: FormatOptions): Record<string, unknown> {
  const e = entry.event
  const unsigned: Record<string, unknown> = { ...(e.unsigned ?? {}) }
  let content = e.content
  const redaction = room.redactions.get(e.event_id)
  if (redaction) {
    const keep = KEPT_ON_REDACT[e.type] ?? []
    content = Object.fromEntries(Object.entries(e.content).filter(([k]) => keep.includes(k)))
    unsigned.redacted_because = formatPlain(room, redaction, { ...opts, legacy: false })
    if (opts.legacy) unsigned.redacted_by = redaction.event_id
  }
  unsigned.age = Math.max(0, opts.now() - e.origin_server_ts)
  if (entry.txn && opts.viewer && entry.txn.userId === opts.viewer.userId && entry.txn.deviceId === opts.viewer.deviceId) {
    unsigned.transaction_id = entry.txn.txnId
  }
  return build(room, e, content, unsigned, opts)
}

/** Formats an event that is not looked up through the timeline (state lists, redaction bundles). */
export function formatPlain(room: Room, e: StoredEvent, opts: FormatOptions): Record<string, unknown> {
  const unsigned: Record<string, unknown> = { ...(e.unsigned ?? {}), age: Math.max(0, opts.now() - e.origin_server_ts) }
  return build(room, e, e.content, unsigned, opts)
}

function build(
  room: Room,
  e: StoredEvent,
  content: Record<string, unknown>,
  unsigned: Record<string, unknown>,
  opts: FormatOptions,
): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.type }
  if (opts.withRoomId) out.room_id = room.roomId
  out.sender = e.sender
  out.content = content
  if (e.state_key !== undefined) out.state_key = e.state_key
  if (e.redacts !== undefined) out.redacts = e.redacts
  out.origin_server_ts = e.origin_server_ts
  out.unsigned = unsigned
  out.event_id = e.event_id
  if (opts.legacy) {
    out.user_id = e.sender
    out.age = unsigned.age
    if (e.unsigned?.replaces_state) out.replaces_state = e.unsigned.replaces_state
    if (e.unsigned?.prev_content) out.prev_content = e.unsigned.prev_content
  }
  return out
}
