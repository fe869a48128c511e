// What the backward pass spools for each event (room-timeline.ts), so that the forward pass rarely parses anything:
// - An event without media is spooled as its finished events.jsonl line: the record { roomId, event, decrypted,
//   media: [] } checked against the schema (ArchiveWriter.checkedLine) while the next page is on its way. The forward
//   pass copies these lines into events.jsonl as bytes.
// - An event with media is spooled as a PendingEvent, `{"event":…,"decrypted":…}`: its media's sha256 is known only
//   once the downloads end, so the forward pass parses it, waits for them and writes the whole record.
// The two are told apart by their first key: a record's is always "roomId", a PendingEvent's "event".
import type { ArchiveWriter } from '../../archive/writer.js'
import type { ClientEvent } from './api.js'

export interface PendingEvent {
  event: ClientEvent
  decrypted: Record<string, unknown> | null
}

/** The spooled text of one event (one line of JSON, without its `\n`). */
export function spoolText(writer: ArchiveWriter, roomId: string, event: ClientEvent, decrypted: Record<string, unknown> | null, hasMedia: boolean): string {
  if (hasMedia) return JSON.stringify({ event, decrypted } satisfies PendingEvent)
  return writer.checkedLine('events', { roomId, event, decrypted, media: [] })
}

const FINISHED = Buffer.from('{"roomId":')

/** True for a spooled line that is a finished events.jsonl line; false for a PendingEvent's. */
export function isFinishedLine(line: Uint8Array): boolean {
  return line.byteLength > FINISHED.length && FINISHED.compare(line, 0, FINISHED.length) === 0
}
