// The Matrix forward pass writes each event's line spliced from its spooled text (src/adapters/matrix/event-line.ts)
// instead of JSON.stringify of the record: the bytes must be the same, whatever the event holds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eventJson, spooledEvent, type SpooledEvent } from '../../src/adapters/matrix/event-line.js'
import type { ClientEvent } from '../../src/adapters/matrix/api.js'
import type { EventRecord } from '../../src/archive/records.js'

/** What the forward pass does with one event: spool it, parse the text back, make the record and its line. */
function line(roomId: string, event: ClientEvent, decrypted: Record<string, unknown> | null, media: EventRecord['media']): { record: EventRecord; json: string } {
  const text = JSON.stringify(spooledEvent(event, decrypted))
  const parsed = JSON.parse(text) as SpooledEvent
  const record: EventRecord = { roomId, event: parsed.event, decrypted: parsed.decrypted, media }
  return { record, json: eventJson(record, text, parsed) }
}

// Events made to catch a splice that differs from JSON.stringify: integer-like keys (enumerated before the others),
// "__proto__" as a key, lone surrogates, U+2028/U+2029, control characters, numbers with several spellings, deep nesting.
const tricky = JSON.parse(
  '{"type":"m.room.message","event_id":"$a:x","sender":"@a:x","origin_server_ts":1700000000000,' +
    '"content":{"body":"caf\\u00e9 \\ud800 \\udfff \\u2028\\u2029 \\u0001 \\"q\\" \\\\ 😀","10":1,"2":[1e21,-0,0.1,1E-7,5e-324],"__proto__":{"x":null},' +
    '"nested":{"b":{"3":true,"a":[{"z":1,"1":2}]}}},"unsigned":{"age":5}}',
) as ClientEvent

const cases: [string, ClientEvent, Record<string, unknown> | null, EventRecord['media']][] = [
  ['plain', { type: 'm.room.message', event_id: '$1:x', sender: '@a:x', origin_server_ts: 1, content: { msgtype: 'm.text', body: 'hi' } } as ClientEvent, null, []],
  ['tricky keys and strings', tricky, null, []],
  ['decrypted, with media', { ...tricky, type: 'm.room.encrypted' }, { type: 'm.room.message', content: { '0': 'x', url: 'mxc://x/y', body: '\ud83d' } }, [{ sha256: 'a'.repeat(64), mxc: 'mxc://x/y' }]],
  ['a room ID that needs escaping', tricky, null, [{ sha256: 'b'.repeat(64), mxc: 'mxc://x/"z' }]],
]

for (const [name, event, decrypted, media] of cases) {
  test(`the spliced line is JSON.stringify of the record: ${name}`, () => {
    const roomId = name.includes('escaping') ? '!r"\\\u2028:x' : '!room:x'
    const { record, json } = line(roomId, event, decrypted, media)
    assert.equal(json, JSON.stringify(record))
    assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify({ roomId, event, decrypted, media })))
  })
}

test('a text that is not a spooled event is re-serialised, not spliced', () => {
  const record: EventRecord = { roomId: '!r:x', event: { type: 'x' }, decrypted: null, media: [] }
  const text = '{"decrypted":null,"event":{"type":"x"}}'
  const parsed = JSON.parse(text) as SpooledEvent
  const json = eventJson({ ...record, event: parsed.event, decrypted: parsed.decrypted }, text, parsed)
  assert.equal(json, '{"roomId":"!r:x","event":{"type":"x"},"decrypted":null,"media":[]}')
  assert.equal(eventJson(record, '{"event":{"type":"y"},"decrypted":null}', { event: { type: 'y' } as ClientEvent, decrypted: null }), JSON.stringify(record), 'a record not made from the parsed text')
})
