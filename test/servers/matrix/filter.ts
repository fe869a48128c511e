/**
 * Filters (spec: "Filtering", `definitions/sync_filter.yaml`, `event_filter.yaml`, `room_event_filter.yaml`).
 */
import { MatrixError, notFound } from './errors.js'
import type { User } from './state.js'

export interface EventFilter {
  types?: string[]
  not_types?: string[]
  senders?: string[]
  not_senders?: string[]
  rooms?: string[]
  not_rooms?: string[]
  limit?: number
  contains_url?: boolean
  lazy_load_members?: boolean
}

export interface SyncFilter {
  account_data?: EventFilter
  presence?: EventFilter
  room?: {
    rooms?: string[]
    not_rooms?: string[]
    include_leave?: boolean
    timeline?: EventFilter
    state?: EventFilter
    account_data?: EventFilter
    ephemeral?: EventFilter
  }
}

/** Glob match where `*` is the only wildcard (spec: filter `types` "A '*' can be used as a wildcard"). */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
  return re.test(value)
}

export function matchesEvent(
  filter: EventFilter | undefined,
  e: { type: string; sender?: string; content?: Record<string, unknown> },
): boolean {
  if (!filter) return true
  if (filter.not_types?.some((p) => globMatch(p, e.type))) return false
  if (filter.types && !filter.types.some((p) => globMatch(p, e.type))) return false
  if (e.sender !== undefined) {
    if (filter.not_senders?.includes(e.sender)) return false
    if (filter.senders && !filter.senders.includes(e.sender)) return false
  }
  if (filter.contains_url !== undefined) {
    const hasUrl = typeof e.content?.url === 'string'
    if (hasUrl !== filter.contains_url) return false
  }
  return true
}

export function matchesRoom(filter: { rooms?: string[]; not_rooms?: string[] } | undefined, roomId: string): boolean {
  if (!filter) return true
  if (filter.not_rooms?.includes(roomId)) return false
  if (filter.rooms && !filter.rooms.includes(roomId)) return false
  return true
}

function parseJsonFilter(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // fall through
  }
  // Synapse 1.67 answers 400 M_UNKNOWN "Invalid filter JSON" (fixture 158).
  throw new MatrixError(400, 'M_UNKNOWN', 'Invalid filter JSON')
}

/**
 * `/sync?filter=`: inline JSON when it starts with `{` (fixture 103), otherwise a filter ID from
 * `POST /user/{userId}/filter` (fixtures 104-106).
 */
export function resolveSyncFilter(user: User, param: string | null): SyncFilter {
  if (param === null || param === '') return {}
  if (param.startsWith('{')) return parseJsonFilter(param) as SyncFilter
  const stored = /^\d+$/.test(param) ? user.filters[Number(param)] : undefined
  if (!stored) throw notFound('No such filter')
  return stored as SyncFilter
}

export function parseRoomEventFilter(param: string | null): EventFilter | undefined {
  if (param === null || param === '') return undefined
  return parseJsonFilter(param) as EventFilter
}
