/**
 * Which part of a room's timeline a user may read.
 *
 * spec ("History visibility", `shared`, the preset default): a member sees the whole history; a user who
 * left sees events up to and including their leave; a user who never joined gets 403 (message_pagination
 * "403: You aren't a member of the room"; Synapse answers the same for unknown rooms, fixture 153).
 * `joined`/`invited` visibility is not modelled: every room behaves as `shared`.
 */
import { notInRoom } from './errors.js'
import type { Room } from './room.js'
import type { ServerState } from './state.js'

export interface VisibleRange {
  /** First readable position. */
  lo: number
  /** One past the last readable position. */
  hi: number
  joined: boolean
}

export function visibleRange(room: Room, userId: string): VisibleRange | undefined {
  const history = room.membershipHistory(userId)
  const current = history.at(-1)
  if (!current) return undefined
  if (current.event.content.membership === 'join') return { lo: 0, hi: room.timeline.length, joined: true }
  let lastJoinEnd: number | undefined
  for (let i = 0; i < history.length - 1; i++) {
    if (history[i]!.event.content.membership === 'join') lastJoinEnd = history[i + 1]!.pos + 1
  }
  return lastJoinEnd === undefined ? undefined : { lo: 0, hi: lastJoinEnd, joined: false }
}

/** The room and the caller's readable range, or the 403 Synapse gives for rooms one cannot read. */
export function readableRoom(state: ServerState, roomId: string, userId: string): { room: Room; range: VisibleRange } {
  const room = state.room(roomId)
  const range = room ? visibleRange(room, userId) : undefined
  if (!room || !range) throw notInRoom(userId, roomId)
  return { room, range }
}
