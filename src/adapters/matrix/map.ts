// Pure mapping from Matrix objects to archive records (docs/archive-format.md §4.2, §4.9). No I/O.
import { isIP } from 'node:net'
import type { AccountRef, ProfileRecord, RoomRecord } from '../../archive/records.js'
import type { ClientEvent, ProfileResponse, StrippedStateEvent } from './api.js'
import { serverOf } from './session.js'

type StateEvent = ClientEvent | StrippedStateEvent

function current(state: readonly StateEvent[], type: string, stateKey = ''): Record<string, unknown> | undefined {
  for (let i = state.length - 1; i >= 0; i--) {
    const e = state[i]!
    if (e.type === type && (e.state_key ?? '') === stateKey) return e.content ?? {}
  }
  return undefined
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

export interface RoomSummary {
  name: string | null
  topic: string | null
  canonicalAlias: string | null
  encrypted: boolean
  joinRule: string | null
  /** The room that replaced this one (`m.room.tombstone`), if it was upgraded. */
  replacedBy: string | null
}

export function summarizeState(state: readonly StateEvent[]): RoomSummary {
  return {
    name: str(current(state, 'm.room.name')?.name),
    topic: str(current(state, 'm.room.topic')?.topic),
    canonicalAlias: str(current(state, 'm.room.canonical_alias')?.alias),
    encrypted: current(state, 'm.room.encryption') !== undefined,
    joinRule: str(current(state, 'm.room.join_rules')?.join_rule),
    replacedBy: str(current(state, 'm.room.tombstone')?.replacement_room),
  }
}

/**
 * Servers to join the room through from elsewhere, as the spec recommends for room links ("Routing", matrix.to
 * appendix): the server of the highest-powered joined member (power ≥ 50), then the servers with the most joined
 * members, then the alias's and the room ID's servers; never IP literals; at most 3.
 */
export function viaServers(roomId: string, state: readonly StateEvent[], canonicalAlias: string | null): string[] {
  const joined = state.filter((e) => e.type === 'm.room.member' && e.content?.membership === 'join').map((e) => e.state_key!)
  const levels = (current(state, 'm.room.power_levels')?.users ?? {}) as Record<string, unknown>
  const counts = new Map<string, number>()
  for (const user of joined) {
    const server = serverOf(user)
    if (server) counts.set(server, (counts.get(server) ?? 0) + 1)
  }
  const ordered: (string | null)[] = []
  const powerful = joined
    .map((user) => ({ user, level: typeof levels[user] === 'number' ? (levels[user] as number) : 0 }))
    .filter((u) => u.level >= 50)
    .sort((a, b) => b.level - a.level || a.user.localeCompare(b.user))[0]
  if (powerful) ordered.push(serverOf(powerful.user))
  ordered.push(...[...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([s]) => s))
  ordered.push(canonicalAlias ? serverOf(canonicalAlias) : null, serverOf(roomId))
  const out: string[] = []
  for (const server of ordered) {
    if (!server || out.includes(server) || isIP(server.replace(/^\[|\]$/g, '').replace(/:\d+$/, '')) !== 0) continue
    out.push(server)
    if (out.length === 3) break
  }
  return out
}

/** `m.direct` content (user → room IDs) turned around: room ID → the users it is a DM with. */
export function directIndex(content: Record<string, unknown> | undefined): Map<string, string[]> {
  const index = new Map<string, string[]>()
  for (const [user, rooms] of Object.entries(content ?? {})) {
    if (!Array.isArray(rooms)) continue
    for (const room of rooms) {
      if (typeof room !== 'string') continue
      const users = index.get(room) ?? []
      if (!users.includes(user)) users.push(user)
      index.set(room, users)
    }
  }
  return index
}

export interface RoomRecordInput {
  roomId: string
  membership: string
  state: readonly StateEvent[]
  direct: Map<string, string[]>
  tags: Record<string, unknown>
  counts: RoomRecord['counts']
  error: string | null
}

export function roomRecord(input: RoomRecordInput): RoomRecord {
  const summary = summarizeState(input.state)
  const directWith = input.direct.get(input.roomId) ?? []
  return {
    id: input.roomId,
    name: summary.name,
    topic: summary.topic,
    canonicalAlias: summary.canonicalAlias,
    membership: input.membership,
    encrypted: summary.encrypted,
    isDirect: directWith.length > 0,
    directWith,
    via: viaServers(input.roomId, input.state, summary.canonicalAlias),
    tags: input.tags,
    state: [...input.state],
    counts: input.counts,
    error: input.error,
  }
}

/** `m.tag` room account data content → the tags object (tag → {order?}). */
export function tagsOf(content: Record<string, unknown> | undefined): Record<string, unknown> {
  const tags = content?.tags
  return tags !== null && typeof tags === 'object' && !Array.isArray(tags) ? (tags as Record<string, unknown>) : {}
}

export function profileRecord(userId: string, profile: ProfileResponse, avatar: { sha256: string; mime?: string } | null): ProfileRecord {
  const displayName = str(profile.displayname)
  const account: AccountRef = displayName ? { id: userId, displayName } : { id: userId }
  return { account, displayName, avatar, native: profile }
}
