// The events.jsonl line of a spooled event, made from the spooled text instead of re-serialising the parsed record
// (JSON.stringify of 100,000 event records was ~0.2 s of the forward pass's CPU).
//
// Why the bytes are exactly JSON.stringify(record): the spool holds JSON.stringify({ event, decrypted }) (spooledEvent
// below fixes those two keys, in that order, neither ever undefined), and the record is { roomId, event, decrypted,
// media } with event and decrypted taken from JSON.parse of that text. JSON.stringify(JSON.parse(t)) === t for any t
// that JSON.stringify produced: parsing keeps the property order stringify wrote (integer-like keys already come
// first, ascending, as enumeration puts them), numbers print in their shortest round-trip form again, strings get the
// same escapes back (lone surrogates included), and "__proto__" is an own data property either way. So the text
// between the spooled object's braces is exactly `"event":<event>,"decrypted":<decrypted>` as stringify of the record
// writes them. test/matrix/event-line.test.ts compares with JSON.stringify on events made to break that.
import type { EventRecord } from '../../archive/records.js'
import type { ClientEvent } from './api.js'

export interface SpooledEvent {
  event: ClientEvent
  decrypted: Record<string, unknown> | null
}

const PREFIX = '{"event":'

/** What the backward pass spools for an event: JSON.stringify of this object is the text eventJson() splices. */
export function spooledEvent(event: ClientEvent, decrypted: Record<string, unknown> | null | undefined): SpooledEvent {
  return { event, decrypted: decrypted ?? null }
}

/**
 * JSON.stringify(record) for the record { roomId, event, decrypted, media } made from `text` (a spooled event's JSON,
 * `parsed` its JSON.parse, whose event and decrypted the record holds). A text that is not a spooledEvent()'s (never, short of a bug) is re-serialised.
 */
export function eventJson(record: EventRecord, text: string, parsed: SpooledEvent): string {
  const spliced = text.startsWith(PREFIX) && parsed.event !== undefined && parsed.decrypted !== undefined && record.event === parsed.event && record.decrypted === parsed.decrypted
  if (!spliced) return JSON.stringify(record)
  const media = record.media.length === 0 ? '[]' : JSON.stringify(record.media)
  return `{"roomId":${JSON.stringify(record.roomId)},${text.slice(1, -1)},"media":${media}}`
}
