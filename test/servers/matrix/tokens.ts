/**
 * Opaque tokens. Shapes borrowed from Synapse (README "Observed behaviours", fixtures 103-113):
 * - `s<stream>`: a `/sync` `next_batch`;
 * - `t<pos>-<stream>`: a point in one room's timeline, used for `prev_batch` and `/messages` `start`/`end`.
 * `/messages` accepts both as `from`/`to` (spec: message_pagination.yaml `from`).
 */
import { MatrixError } from './errors.js'
import type { Room } from './room.js'

export function syncToken(stream: number): string {
  return `s${stream}`
}

export function parseSyncToken(token: string): number {
  const m = /^s(\d+)/.exec(token)
  if (!m) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid stream token ${token}`)
  return Number(m[1])
}

/** The point just before the event at `pos` (pos = length means "after the newest event"). */
export function roomToken(room: Room, pos: number): string {
  return `t${pos}-${room.timeline.streamBefore(pos)}`
}

/** A position 0..length; 400 `M_UNKNOWN` "'from' parameter is invalid" like Synapse (fixture 157). */
export function parseRoomToken(room: Room, token: string, name: 'from' | 'to'): number {
  const t = /^t(\d+)-(\d+)/.exec(token)
  if (t) {
    const pos = Number(t[1])
    if (pos <= room.timeline.length) return pos
  }
  const s = /^s(\d+)/.exec(token)
  if (s) return room.timeline.positionAtStream(Number(s[1]))
  throw new MatrixError(400, 'M_UNKNOWN', `'${name}' parameter is invalid`)
}
