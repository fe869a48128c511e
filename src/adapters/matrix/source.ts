// Matrix Source: every selected room (state, whole timeline, media, decrypted where a key file allows), the account
// data (m.direct, m.ignored_user_list, push rules, room tags and the rest, verbatim) and the profile.
// One `/sync` with a filter that keeps rooms and global account data but no timelines or state gives the room list
// and the account data (account data can only be listed through `/sync`: spec "Client Config"); each room is then
// exported by room-export.ts, a few fetched at once and written one after another in a fixed order. A room that
// fails is recorded with its error and the export goes on; a bad token or an interruption stops everything.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { AdapterContext, ExportOptions, ExportReport, ItemFailure, Source } from '../adapter.js'
import { MATRIX_CAPABILITIES } from './capabilities.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import { nativeMember } from '../../archive/format.js'
import type { RoomRecord } from '../../archive/records.js'
import { throwIfAborted } from '../../errors.js'
import type { PushRulesResponse, SyncResponse } from './api.js'
import { createDecryptor, type Decryptor } from './decryptor.js'
import { isMatrixError } from './errors.js'
import type { ExportedSession } from './key-file.js'
import { directIndex, profileRecord } from './map.js'
import { MediaFetcher } from './media-fetcher.js'
import { isRoomLevel, RoomExporter, type SelectedRoom } from './room-export.js'
import type { MatrixSession } from './session.js'
import { UsageError } from '../../errors.js'

/** What `--since` reads from an earlier archive and each export writes to `native/matrix/cursor.json`. */
export interface MatrixCursor {
  /** Room ID → the `/messages` token of the newest event the archive holds. */
  rooms: Record<string, string>
}

export type RoomSelection = 'all' | 'joined' | string[]

/** `--rooms`: all (the default), joined, or a comma-separated list of room IDs and aliases. */
export function parseRooms(value: string | undefined): RoomSelection {
  if (value === undefined || value === 'all') return 'all'
  if (value === 'joined') return 'joined'
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = ids.find((id) => !/^[!#][^:\s]+(:[^\s]+)?$/.test(id))
  if (ids.length === 0 || bad !== undefined) {
    throw new UsageError(`--rooms ${bad ?? value} is not all, joined, or a list of room IDs and aliases.`, { hint: 'e.g. --rooms joined, or --rooms !abc:example.org,#general:example.org' })
  }
  return ids
}

export interface MatrixSourceOptions {
  session: MatrixSession
  /** `all` (joined and invited, plus left with includeLeft), `joined`, or room IDs / aliases. */
  rooms: RoomSelection
  includeLeft: boolean
  /** Sessions from a key file. */
  keys?: ExportedSession[]
  since?: { createdAt: string; cursor: MatrixCursor }
  mediaConcurrency?: number
  /** Rooms fetched ahead of the one being written (default ROOMS_IN_FLIGHT). */
  roomsInFlight?: number
}

export const ROOMS_IN_FLIGHT = 3

export class MatrixSource implements Source {
  readonly capabilities = MATRIX_CAPABILITIES

  constructor(
    readonly context: AdapterContext,
    readonly options: MatrixSourceOptions,
  ) {}

  #listing: { sync: Promise<SyncResponse>; pushRules: Promise<PushRulesResponse> } | null = null

  /** Sends nothing: the account's name and server are known from the session. */
  async describe() {
    return { server: this.options.session.baseUrl, account: { id: this.options.session.userId } }
  }

  /**
   * Starts the requests that list the account (`/sync`, `/pushrules/`): the export driver calls this just before it
   * opens the archive writer, and the two requests need nothing from it, so they run while it opens instead of after.
   */
  beginExport(): void {
    this.#list()
  }

  /** The account's listing requests, sent once; their failures surface where exportTo awaits them. */
  #list(): { sync: Promise<SyncResponse>; pushRules: Promise<PushRulesResponse> } {
    if (!this.#listing) {
      const { client } = this.options.session
      const sync = client.sync(syncFilter(this.options.includeLeft || Array.isArray(this.options.rooms)))
      const pushRules = client.pushRules()
      sync.catch(() => undefined)
      pushRules.catch(() => undefined)
      this.#listing = { sync, pushRules }
    }
    return this.#listing
  }

  async exportTo(writer: ArchiveWriter, _options: ExportOptions = {}): Promise<ExportReport> {
    const { session, since } = this.options
    const { out } = this.context
    const failures: ItemFailure[] = []
    for (const kind of ['rooms', 'events', 'account-data', 'media'] as const) writer.declare(kind)
    if (since) {
      // runExport opens the writer without `since`; the field is plain configuration read when the manifest is made.
      writer.options.since = { archive: since.createdAt, cursor: since.cursor }
      writer.note(`incremental: only events newer than the archive of ${since.createdAt}; rooms, state and account data are complete`)
    }
    const media = new MediaFetcher(this.context, session.client, writer, { authenticated: session.authenticatedMedia, concurrency: this.options.mediaConcurrency })
    const decryptor = this.options.keys ? await this.#decryptor(writer) : null
    try {
      out.info(`Listing the rooms and account data of ${session.userId} on ${session.client.host} …`)
      const listing = this.#list()
      const sync = await listing.sync
      const direct = await this.#writeAccountData(writer, sync, listing.pushRules, failures)
      // The profile and its avatar are fetched beside the rooms and written after them (the avatar's media record
      // last), so media.jsonl has the same order however the downloads finish.
      const profile = this.#profile(media)
      profile.catch(() => undefined)
      const rooms = await this.#select(sync, failures)
      const cursor: MatrixCursor = { rooms: {} }
      const progress = out.progress('rooms', rooms.length)
      const spoolDir = join(writer.stagingDir, 'tmp', 'matrix-spool')
      await mkdir(spoolDir, { recursive: true, mode: 0o700 })
      const exporter = new RoomExporter({ context: this.context, client: session.client, writer, media, decryptor, userId: session.userId, since: since?.cursor.rooms ?? {} })
      let undecryptable = 0
      // Room i is fetched once room i - ahead is written: a few rooms' requests overlap (small rooms are mostly
      // latency), while at most `ahead` fetched rooms wait on disk for their turn to be written.
      const ahead = Math.max(1, this.options.roomsInFlight ?? ROOMS_IN_FLIGHT)
      const written: Promise<void>[] = []
      let turn: Promise<void> = Promise.resolve()
      for (const [index, room] of rooms.entries()) {
        const gate = index >= ahead ? written[index - ahead]! : Promise.resolve()
        const collected = gate.then(() => exporter.collect(room, join(spoolDir, `${index}.jsonl`)))
        collected.catch(() => undefined)
        turn = turn.then(async () => {
          throwIfAborted(this.context.signal)
          const record = await exporter.write(room, await collected, direct, cursor.rooms)
          undecryptable += record.counts.undecryptable
          if (record.error) failures.push({ kind: 'room', item: room.roomId, reason: record.error })
          await writer.write('rooms', record)
          this.#report(record)
          progress.tick()
        })
        written.push(turn)
      }
      await turn
      progress.done()
      const { data, avatarMxc } = await profile
      const avatar = avatarMxc ? await media.record({ mxc: avatarMxc, name: 'avatar' }, null) : null
      await writer.setProfile(profileRecord(session.userId, data, avatar && 'sha256' in avatar ? { sha256: avatar.sha256, mime: avatar.mime } : null))
      await media.idle()
      throwIfAborted(this.context.signal)
      failures.push(...media.failures)
      if (undecryptable > 0) writer.note(`${undecryptable} encrypted events could not be decrypted with the keys given; they are kept verbatim (see counts.undecryptable per room)`)
      await writer.addFile(nativeMember('matrix', 'cursor.json'), JSON.stringify(cursor, null, 2) + '\n')
      return { counts: {}, failures, cursor }
    } finally {
      decryptor?.close()
    }
  }

  #report(record: RoomRecord): void {
    const { counts } = record
    const what = record.error ? `FAILED: ${record.error}` : `${counts.events} events, ${counts.undecryptable} undecryptable, ${counts.media} media`
    const data = { roomId: record.id, name: record.name ?? null, membership: record.membership, counts, error: record.error }
    this.context.out.event('room', data, `room ${record.id}${record.name ? ` (${record.name})` : ''}: ${what}`)
  }

  async #decryptor(writer: ArchiveWriter): Promise<Decryptor> {
    const decryptor = await createDecryptor(this.options.session.userId, this.options.keys!)
    writer.note(`key file: ${decryptor.imported} of ${decryptor.total} room keys imported`)
    this.context.out.info(`Imported ${decryptor.imported} of ${decryptor.total} room keys from the key file.`)
    return decryptor
  }

  /** Global account data verbatim, push rules from `/pushrules/` (their authoritative form); returns the DM index. */
  async #writeAccountData(writer: ArchiveWriter, sync: SyncResponse, pushRules: Promise<PushRulesResponse>, failures: ItemFailure[]): Promise<Map<string, string[]>> {
    let mDirect: Record<string, unknown> | undefined
    for (const event of sync.account_data?.events ?? []) {
      if (event.type === 'm.push_rules') continue
      if (event.type === 'm.direct') mDirect = event.content
      await writer.write('account-data', { type: event.type, roomId: null, content: event.content })
    }
    try {
      const rules = await pushRules
      await writer.write('account-data', { type: 'm.push_rules', roomId: null, content: rules })
    } catch (error) {
      if (!isRoomLevel(error)) throw error
      failures.push({ kind: 'account-data', item: 'm.push_rules', reason: (error as Error).message })
    }
    return directIndex(mDirect)
  }

  /** The profile, and its avatar's download started (staged; recorded by the caller, after the rooms). */
  async #profile(media: MediaFetcher): Promise<{ data: object; avatarMxc: string | null }> {
    const { client, userId } = this.options.session
    let data = {}
    try {
      data = await client.profile(userId)
    } catch (error) {
      if (!isMatrixError(error, 404)) throw error
    }
    const mxc = (data as { avatar_url?: unknown }).avatar_url
    if (typeof mxc !== 'string' || !mxc.startsWith('mxc://')) return { data, avatarMxc: null }
    void media.fetch({ mxc, name: 'avatar' })
    return { data, avatarMxc: mxc }
  }


  async #select(sync: SyncResponse, failures: ItemFailure[]): Promise<SelectedRoom[]> {
    const joined = Object.entries(sync.rooms?.join ?? {}).map(([roomId, s]) => ({ roomId, membership: 'join', sync: s }))
    const invited = Object.entries(sync.rooms?.invite ?? {}).map(([roomId, s]) => ({ roomId, membership: 'invite', inviteState: s.invite_state?.events ?? [] }))
    const left = Object.entries(sync.rooms?.leave ?? {}).map(([roomId, s]) => ({ roomId, membership: 'leave', sync: s }))
    const { rooms, includeLeft } = this.options
    if (rooms === 'joined') return joined
    if (rooms === 'all') return [...joined, ...invited, ...(includeLeft ? left : [])]
    const known = new Map<string, SelectedRoom>([...left, ...invited, ...joined].map((r) => [r.roomId, r]))
    const selected: SelectedRoom[] = []
    for (const wanted of rooms) {
      let roomId = wanted
      if (wanted.startsWith('#')) {
        try {
          roomId = (await this.options.session.client.resolveAlias(wanted)).room_id
        } catch (error) {
          if (!isRoomLevel(error)) throw error
          failures.push({ kind: 'room', item: wanted, reason: `the alias does not resolve: ${(error as Error).message}` })
          continue
        }
      }
      if (selected.some((r) => r.roomId === roomId)) continue
      selected.push(known.get(roomId) ?? { roomId, membership: 'unknown' })
    }
    return selected
  }
}

/** The `/sync` filter: rooms with their account data, global account data; no timelines, state, presence or receipts. */
export function syncFilter(includeLeave: boolean): Record<string, unknown> {
  return {
    presence: { types: [] },
    room: { include_leave: includeLeave, timeline: { limit: 1 }, state: { types: [] }, ephemeral: { types: [] } },
  }
}
