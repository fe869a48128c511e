// A complete archive from any `account-archive` snapshot (docs/backup-store.md §8.2): the snapshot's segments merged
// (a later delta segment's record replaces an earlier one's with the same key), its media and files, all written
// through the ArchiveWriter, which validates every record, verifies the zip and renames it into place.
import { RECORD_KINDS, kindMember, type RecordKind } from '../archive/format.js'
import { parseRecordLine, recordLines } from '../archive/reader.js'
import type { EventRecord, Manifest, MediaRecord, RecordsByKind, RoomRecord } from '../archive/records.js'
import { validators } from '../archive/validate.js'
import { ArchiveWriter } from '../archive/writer.js'
import { isEncryptedPayload } from '../adapters/matrix/decryptor.js'
import type { ClientEvent } from '../adapters/matrix/api.js'
import { throwIfAborted } from '../errors.js'
import { bookmarksCsv } from '../archive/compat.js'
import { utf8 } from '../archive/compat-files.js'
import type { Snapshot } from '../store/format.js'
import type { BackupStore } from '../store/store.js'
import { DERIVED_FILES, FORWARD_KINDS, recordKey, type AccountArchiveData, type Segment } from './account-format.js'

export interface RestoreArchiveOptions {
  output: string
  force?: boolean
  signal?: AbortSignal
}

type RoomTally = { events: number; undecryptable: number; media: Set<string> }

/** Writes the archive of `snapshot` to `options.output`; returns its manifest. */
export async function restoreAccountArchive(store: BackupStore, snapshot: Snapshot<AccountArchiveData>, options: RestoreArchiveOptions): Promise<Manifest> {
  const { data } = snapshot
  const writer = await ArchiveWriter.open({
    path: options.output,
    force: options.force,
    signal: options.signal,
    source: { network: data.network, server: data.server, account: data.account },
    since: null,
  })
  try {
    const check = await validators()
    const label = `snapshot ${snapshot.id}`
    async function* records<K extends RecordKind>(kind: K, segment: Segment): AsyncGenerator<RecordsByKind[K]> {
      for await (const line of recordLines(label, kindMember(kind), await store.openObject(segment.object))) {
        if (line.text.length === 0) continue
        yield parseRecordLine(label, kind, line, check.record(kind))
      }
    }
    const rooms = new Map<string, RoomTally>()
    const derived = DERIVED_FILES[data.network] ?? {}
    // events before rooms (their counts are counted again from the merged events), media last
    const order = [...RECORD_KINDS.filter((k) => k === 'events'), ...RECORD_KINDS.filter((k) => k !== 'events' && k !== 'media'), 'media' as const]
    for (const kind of order) {
      const segments = data.segments.filter((s) => s.kind === kind)
      if (segments.length === 0) continue
      writer.declare(kind)
      const deltas = segments.filter((s) => s.mode === 'delta')
      // Pass 1: the last delta segment holding each key (only the keys are held, never the records).
      const last = new Map<string, number>()
      if (deltas.length > 1) {
        for (const [index, segment] of deltas.entries()) {
          for await (const record of records(kind, segment)) last.set(recordKey(kind, record as unknown as Record<string, unknown>), index)
        }
      }
      const walk = FORWARD_KINDS.has(kind) ? [...deltas.entries()] : [...deltas.entries()].reverse()
      for (const [index, segment] of walk) {
        for await (const record of records(kind, segment)) {
          throwIfAborted(options.signal)
          if (deltas.length > 1 && last.get(recordKey(kind, record as unknown as Record<string, unknown>)) !== index) continue
          await emit(kind, record)
        }
      }
      for (const segment of segments.filter((s) => s.mode === 'whole')) {
        for await (const record of records(kind, segment)) await emit(kind, record)
      }
    }

    async function emit<K extends RecordKind>(kind: K, record: RecordsByKind[K]): Promise<void> {
      if (kind === 'events') tally(rooms, record as EventRecord)
      if (kind === 'rooms') return writer.write('rooms', recount(record as RoomRecord, rooms))
      if (kind !== 'media') return writer.write(kind, record)
      const media = record as MediaRecord
      const key = recordKey('media', media as unknown as Record<string, unknown>)
      await writer.stageMedia(await store.openObject(media.sha256), { key, expectSha256: media.sha256, meta: { mime: media.mime } })
      const { sha256: _sha, size: _size, ...meta } = media
      await writer.recordMedia({ key, meta })
    }

    for (const file of data.files) {
      const from = derived[file.member]
      // Made again from the merged records, read back from staging (every kind is written by now).
      if (from === 'bookmarks') await writer.addFile(file.member, utf8(bookmarksCsv(writer.staged(from))))
      else await writer.addFile(file.member, await store.openObject(file.object))
    }
    writer.note(`restored from snapshot ${snapshot.id} of a Lifeboat backup store (${data.full ? 'a full export' : `a full export and ${data.sinceFullRuns} incremental runs`})`)
    return await writer.finish()
  } catch (error) {
    await writer.abort()
    throw error
  }
}

function tally(rooms: Map<string, RoomTally>, record: EventRecord): void {
  let room = rooms.get(record.roomId)
  if (!room) rooms.set(record.roomId, (room = { events: 0, undecryptable: 0, media: new Set() }))
  room.events++
  if (record.decrypted === null && isEncryptedPayload(record.event as unknown as ClientEvent)) room.undecryptable++
  for (const media of record.media) room.media.add(media.mxc)
}

/** A room's counts as a full export would give them: counted from the merged events (an incremental run counts its own). */
function recount(record: RoomRecord, rooms: Map<string, RoomTally>): RoomRecord {
  if (record.error !== null || record.membership === 'invite') return record
  const room = rooms.get(record.id)
  return { ...record, counts: { events: room?.events ?? 0, undecryptable: room?.undecryptable ?? 0, media: room?.media.size ?? 0 } }
}
