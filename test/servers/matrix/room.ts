/**
 * One room: its timeline, its state (with history, so `/sync` can give the state at the start of a
 * timeline window and `/messages` can stop at a leave), redactions and test-only failure injection.
 */
import { Timeline, type StoredEvent, type TimelineEntry } from './timeline.js'

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock'

export interface StateEntry {
  event: StoredEvent
  pos: number
}

/** A forced failure of one room's reads, for tests of "one broken room must not stop the export". */
export interface RoomFailure {
  status: number
  errcode: string
  error: string
  /** Which endpoints fail (`messages`, `state`, `members`); default `['messages']`. */
  endpoints: string[]
  /** How many more requests fail; undefined = all of them. */
  remaining?: number
}

export function stateKey(type: string, key: string): string {
  return `${type}\u0000${key}`
}

export class Room {
  readonly timeline = new Timeline()
  /** (type, state_key) -> every value it has had, oldest first. */
  private readonly stateHistory = new Map<string, StateEntry[]>()
  /** redacted event id -> the m.room.redaction event. */
  readonly redactions = new Map<string, StoredEvent>()
  failure: RoomFailure | undefined
  /** Listed by `GET /publicRooms` (createRoom `visibility: public`). */
  published = false

  constructor(
    readonly roomId: string,
    readonly version: string,
  ) {}

  /** Records a state event that was just appended at `pos`. */
  recordState(event: StoredEvent, pos: number): void {
    const key = stateKey(event.type, event.state_key ?? '')
    let list = this.stateHistory.get(key)
    if (!list) this.stateHistory.set(key, (list = []))
    list.push({ event, pos })
  }

  current(type: string, key = ''): StoredEvent | undefined {
    return this.stateHistory.get(stateKey(type, key))?.at(-1)?.event
  }

  currentState(): StoredEvent[] {
    const out: StoredEvent[] = []
    for (const list of this.stateHistory.values()) out.push(list.at(-1)!.event)
    return out
  }

  /** The state before position `pos` (the state a client needs to render the event at `pos`). */
  stateBefore(pos: number): StoredEvent[] {
    return this.stateEntriesBefore(pos).map((entry) => entry.event)
  }

  stateEntriesBefore(pos: number): StateEntry[] {
    const out: StateEntry[] = []
    for (const list of this.stateHistory.values()) {
      const entry = lastBefore(list, pos)
      if (entry) out.push(entry)
    }
    return out
  }

  stateEventBefore(type: string, key: string, pos: number): StoredEvent | undefined {
    const list = this.stateHistory.get(stateKey(type, key))
    return list ? lastBefore(list, pos)?.event : undefined
  }

  membership(userId: string): Membership | undefined {
    return this.current('m.room.member', userId)?.content.membership as Membership | undefined
  }

  /** Every membership change of `userId`, oldest first. */
  membershipHistory(userId: string): StateEntry[] {
    return this.stateHistory.get(stateKey('m.room.member', userId)) ?? []
  }

  members(): StoredEvent[] {
    const out: StoredEvent[] = []
    for (const [key, list] of this.stateHistory) if (key.startsWith('m.room.member\u0000')) out.push(list.at(-1)!.event)
    return out
  }

  joinedUserIds(): string[] {
    return this.members()
      .filter((e) => e.content.membership === 'join')
      .map((e) => e.state_key!)
  }

  /** Power level of `userId` (spec: "m.room.power_levels"; 0 without a power levels event... except the creator). */
  powerLevel(userId: string): number {
    const pl = this.current('m.room.power_levels')?.content
    if (!pl) return this.current('m.room.create')?.sender === userId ? 100 : 0
    const users = (pl.users ?? {}) as Record<string, number>
    return users[userId] ?? (pl.users_default as number | undefined) ?? 0
  }

  /** Level needed to send an event of `type` (spec: `events`, then `state_default` / `events_default`). */
  requiredLevel(type: string, isState: boolean): number {
    const pl = this.current('m.room.power_levels')?.content
    if (!pl) return 0
    const events = (pl.events ?? {}) as Record<string, number>
    if (events[type] !== undefined) return events[type]!
    return isState ? ((pl.state_default as number | undefined) ?? 50) : ((pl.events_default as number | undefined) ?? 0)
  }

  inviteLevel(): number {
    const pl = this.current('m.room.power_levels')?.content
    return (pl?.invite as number | undefined) ?? 0
  }

  entry(pos: number): TimelineEntry {
    return this.timeline.at(pos)
  }

  /** Consumes one forced failure for `endpoint`, if one is set. */
  takeFailure(endpoint: string): RoomFailure | undefined {
    const f = this.failure
    if (!f || !f.endpoints.includes(endpoint)) return undefined
    if (f.remaining !== undefined) {
      if (f.remaining <= 0) return undefined
      f.remaining -= 1
    }
    return f
  }
}

function lastBefore(list: StateEntry[], pos: number): StateEntry | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.pos < pos) return list[i]
  return undefined
}
