// What the Matrix backward pass spools (src/adapters/matrix/event-line.ts) and how the forward pass reads it back
// (src/adapters/matrix/spool.ts): an event without media becomes its checked events.jsonl line, exactly
// JSON.stringify of its record, whatever the event holds; an event with media a pending event; and the spool gives the
// lines back last-appended first across blocks, however long a line is. The whole forward pass against the test
// homeserver (order, counts, media) is in export.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isFinishedLine, spoolText, type PendingEvent } from '../../src/adapters/matrix/event-line.js'
import { linesLastFirst, ReverseSpool } from '../../src/adapters/matrix/spool.js'
import type { ClientEvent } from '../../src/adapters/matrix/api.js'
import { ArchiveWriter } from '../../src/archive/writer.js'

async function withWriter(fn: (writer: ArchiveWriter, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-event-line-'))
  const writer = await ArchiveWriter.open({ path: join(dir, 'a.zip'), source: { network: 'matrix', server: 'https://x.test', account: { id: '@a:x.test', handle: '@a:x.test' } } })
  try {
    await fn(writer, dir)
  } finally {
    await writer.abort()
    await rm(dir, { recursive: true, force: true })
  }
}

// Events made to catch a line that differs from JSON.stringify of the record: integer-like keys, "__proto__" as a
// key, lone surrogates, U+2028/U+2029, control characters, numbers with several spellings, a key named "roomId".
const tricky = JSON.parse(
  '{"roomId":"!not-this:x","type":"m.room.message","event_id":"$a:x","sender":"@a:x","origin_server_ts":1700000000000,' +
    '"content":{"body":"caf\\u00e9 \\ud800 \\udfff \\u2028\\u2029 \\u0001 \\"q\\" \\\\ 😀","10":1,"2":[1e21,-0,0.1,1E-7,5e-324],"__proto__":{"x":null},' +
    '"nested":{"b":{"3":true,"a":[{"z":1,"1":2}]}}},"unsigned":{"age":5}}',
) as ClientEvent

test('an event without media is spooled as its checked events.jsonl line; one with media as a pending event', async () => {
  await withWriter(async (writer) => {
    for (const [roomId, event, decrypted] of [
      ['!room:x', { type: 'm.room.message', event_id: '$1:x', sender: '@a:x', origin_server_ts: 1, content: { msgtype: 'm.text', body: 'hi' } } as ClientEvent, null],
      ['!r"\\\u2028:x', tricky, null],
      ['!room:x', { ...tricky, type: 'm.room.encrypted' }, { type: 'm.room.message', content: { '0': 'x', body: '\ud83d' } }],
    ] as const) {
      const finished = spoolText(writer, roomId, event, decrypted, false)
      assert.equal(finished, JSON.stringify({ roomId, event, decrypted, media: [] }))
      assert.equal(isFinishedLine(Buffer.from(finished + '\n')), true)
      const pending = spoolText(writer, roomId, event, decrypted, true)
      assert.equal(isFinishedLine(Buffer.from(pending + '\n')), false)
      assert.deepEqual(JSON.parse(pending) as PendingEvent, JSON.parse(JSON.stringify({ event, decrypted })))
    }
  })
})

test('a record that breaks the archive format is refused while it is spooled, not written later', async () => {
  await withWriter(async (writer) => {
    assert.throws(() => spoolText(writer, 42 as unknown as string, tricky, null, false), /breaks the archive format/)
  })
})

test('the spool gives its lines back last-appended first, across blocks, a line longer than two blocks included', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-spool-'))
  try {
    const spool = new ReverseSpool(join(dir, 'spool'))
    const texts: string[] = []
    for (let i = 0; i < 6000; i++) {
      const long = i === 2500 ? 'é'.repeat(100_000) : i % 7 === 0 ? '日記'.repeat(i % 300) : ''
      texts.push(JSON.stringify({ i, long }))
    }
    for (const text of texts) await spool.append(text)
    assert.equal(spool.count, texts.length)
    const back: string[] = []
    let blocks = 0
    for await (const block of spool.reversedBlocks()) {
      blocks++
      for (const line of linesLastFirst(block)) {
        assert.equal(line[line.length - 1], 0x0a)
        back.push(line.toString('utf8', 0, line.length - 1))
      }
    }
    assert.ok(blocks > 3, `${blocks} blocks`)
    assert.deepEqual(back, texts.reverse())
    await spool.remove()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
