// One room of an export, in two phases. `collect` does the network work (the room's state and the backward pass of
// its timeline) and may run beside other rooms; `write` puts the room into the archive (its account data, its events
// oldest first, its record) and runs for one room at a time, in room order, so the archive is the same whatever
// the timing. A room whose reads fail (after the HTTP client's retries) becomes a record with its `error`; bad
// credentials and interruptions are thrown.
import type { AdapterContext } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { RoomRecord } from '../../archive/records.js'
import { AuthError, InterruptedError, RemoteError } from '../../errors.js'
import type { ClientEvent, StrippedStateEvent, SyncRoom } from './api.js'
import type { MatrixClient } from './client.js'
import type { Decryptor } from './decryptor.js'
import { roomRecord, tagsOf } from './map.js'
import type { MediaFetcher } from './media-fetcher.js'
import type { MediaRef } from './media-refs.js'
import { collectTimeline, writeTimeline, type CollectedTimeline, type TimelineDeps } from './room-timeline.js'

export interface SelectedRoom {
  roomId: string
  /** join, invite, leave, or unknown for a room named by `--rooms` that the account's `/sync` did not list. */
  membership: string
  sync?: SyncRoom
  inviteState?: StrippedStateEvent[]
}

export interface CollectedRoom {
  state: ClientEvent[]
  timeline: CollectedTimeline | null
  error: string | null
}

export interface RoomExportDeps {
  context: AdapterContext
  client: MatrixClient
  writer: ArchiveWriter
  media: MediaFetcher
  decryptor: Decryptor | null
  userId: string
  /** `--since`: room ID → the token the earlier archive stopped at. */
  since: Record<string, string>
}

/** Failures that concern one room or item: the server's errors and exhausted retries, never credentials or Ctrl-C. */
export function isRoomLevel(error: unknown): boolean {
  return error instanceof RemoteError && !(error instanceof AuthError) && !(error instanceof InterruptedError)
}

export class RoomExporter {
  readonly #timeline: TimelineDeps

  constructor(readonly deps: RoomExportDeps) {
    this.#timeline = { context: deps.context, client: deps.client, writer: deps.writer, media: deps.media, decryptor: deps.decryptor }
  }

  async collect(room: SelectedRoom, spoolPath: string): Promise<CollectedRoom> {
    if (room.membership === 'invite') return { state: [], timeline: null, error: null }
    let state: ClientEvent[] = []
    try {
      state = await this.deps.client.roomState(room.roomId)
      for (const { ref } of roomAvatars(state)) void this.deps.media.fetch(ref)
      const timeline = await collectTimeline(this.#timeline, room.roomId, spoolPath, this.deps.since[room.roomId])
      return { state, timeline, error: null }
    } catch (error) {
      if (!isRoomLevel(error)) throw error
      return { state, timeline: null, error: (error as Error).message }
    }
  }

  /** Writes the room; records its resume token in `cursor` (the earlier one when the room failed). */
  async write(room: SelectedRoom, collected: CollectedRoom, direct: Map<string, string[]>, cursor: Record<string, string>): Promise<RoomRecord> {
    const { writer } = this.deps
    const roomData = room.sync?.account_data?.events ?? []
    for (const event of roomData) await writer.write('account-data', { type: event.type, roomId: room.roomId, content: event.content })
    const tags = tagsOf(roomData.find((e) => e.type === 'm.tag')?.content)
    const base = { roomId: room.roomId, direct, tags }
    if (room.membership === 'invite') {
      return roomRecord({ ...base, membership: 'invite', state: room.inviteState ?? [], counts: { events: 0, undecryptable: 0, media: 0 }, error: null })
    }
    const membership = room.membership === 'unknown' ? membershipIn(collected.state, this.deps.userId) : room.membership
    // Recorded here, in the room's turn, so media.jsonl has the same order however the downloads finished.
    for (const { ref, eventId } of roomAvatars(collected.state)) await this.deps.media.record(ref, eventId)
    if (!collected.timeline) {
      const previous = this.deps.since[room.roomId]
      if (previous) cursor[room.roomId] = previous
      return roomRecord({ ...base, membership, state: collected.state, counts: { events: 0, undecryptable: 0, media: 0 }, error: collected.error })
    }
    const { newestToken } = collected.timeline
    const counts = await writeTimeline(this.#timeline, room.roomId, collected.timeline)
    if (newestToken) cursor[room.roomId] = newestToken
    return roomRecord({ ...base, membership, state: collected.state, counts, error: null })
  }
}

/** The room avatars (m.room.avatar) a room's state names. */
function roomAvatars(state: ClientEvent[]): { ref: MediaRef; eventId: string }[] {
  return state.flatMap((event) => {
    const url = event.type === 'm.room.avatar' ? event.content?.url : undefined
    return typeof url === 'string' && url.startsWith('mxc://') ? [{ ref: { mxc: url, name: 'room avatar' }, eventId: event.event_id }] : []
  })
}

function membershipIn(state: ClientEvent[], userId: string): string {
  const event = state.find((e) => e.type === 'm.room.member' && e.state_key === userId)
  return typeof event?.content.membership === 'string' ? event.content.membership : 'unknown'
}
