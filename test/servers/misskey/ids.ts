// Misskey `aidx` ids: 8 base36 chars of milliseconds since 2000-01-01, 4 chars of node id, 4 chars of counter.
// Source: misskey packages/backend/src/misc/id/aidx.ts; checked against the fixtures, where
// `atv7j3w6` decodes to the note's createdAt 2026-11-22T09:37:08.982Z (users_notes__page1-limit100.json).
// Ids sort by creation time as strings, which is what every paged endpoint relies on.
import { randomInt } from 'node:crypto'

const TIME2000 = 946_684_800_000
const TIME_LENGTH = 8
const NODE_LENGTH = 4
const NOISE_LENGTH = 4

export interface IdGenerator {
  /** A new id whose time part is `ms` (epoch milliseconds). Ids made in order sort in order. */
  gen(ms: number): string
}

function timePart(ms: number): string {
  const t = Math.max(0, ms - TIME2000)
  return t.toString(36).padStart(TIME_LENGTH, '0').slice(-TIME_LENGTH)
}

/** One generator per server instance: its own random node id and counter, as each Misskey process has. */
export function createIdGenerator(): IdGenerator {
  const nodeId = randomInt(36 ** NODE_LENGTH).toString(36).padStart(NODE_LENGTH, '0')
  let counter = 0
  return {
    gen(ms: number): string {
      counter = (counter + 1) % 36 ** NOISE_LENGTH
      return timePart(ms) + nodeId + counter.toString(36).padStart(NOISE_LENGTH, '0')
    },
  }
}

/** The creation time encoded in an aidx id (epoch ms), or NaN when `id` is not one. */
export function idToTime(id: string): number {
  if (!/^[0-9a-z]{16}$/.test(id)) return Number.NaN
  return parseInt(id.slice(0, TIME_LENGTH), 36) + TIME2000
}

/** ISO timestamp of an id, as packed entities show it in `createdAt`. */
export function idToIso(id: string): string {
  return new Date(idToTime(id)).toISOString()
}
