// The pieces the embedded viewer reads and writes with give exactly what the plain ways give: jsonlRecords
// (src/viewer/jsonl-records.ts; its lines are test/archive/lines.test.ts's) names the line it refuses, files.ts
// ChunkBuilder writes the items as `viewerJson` of their array, project.ts isoFromMs is Date.prototype.toISOString.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jsonlRecords } from '../../src/viewer/jsonl-records.js'
import { ChunkBuilder, viewerJson } from '../../src/viewer/files.js'
import { isoFromMs } from '../../src/viewer/project.js'
import { BadArchiveError } from '../../src/errors.js'

async function withFile(content: string | Buffer, body: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-embed-read-'))
  try {
    const path = join(dir, 'x.jsonl')
    await writeFile(path, content)
    await body(path)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('jsonlRecords refuses a line longer than the limit, or a line that is not JSON, naming the file and line', async () => {
  const records = async (path: string, maxBytes?: number) => {
    const got: unknown[] = []
    const error = await (async () => {
      for await (const record of jsonlRecords(path, maxBytes)) got.push(record)
    })().then(
      () => null,
      (error: unknown) => error,
    )
    return { got, error }
  }
  await withFile('{"a":1}\n' + 'x'.repeat(200_000) + '\n', async (path) => {
    const { error } = await records(path, 100_000)
    assert.ok(error instanceof BadArchiveError, String(error))
    assert.equal(error.message, `${path} line 2 is longer than the limit of 100000 bytes.`)
  })
  await withFile('{"a":1}\n\n{"b":2}\n{"c":\n', async (path) => {
    const { got, error } = await records(path)
    assert.ok(error instanceof BadArchiveError && error.message === `${path} line 4 is not valid JSON.`, String(error))
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }])
  })
  await withFile('{"a":1}\r\n{"b":"x\u2028y"}', async (path) => assert.deepEqual((await records(path)).got, [{ a: 1 }, { b: 'x\u2028y' }]))
})

test('ChunkBuilder writes LIFEBOAT.chunk with the items as one JSON array, past its first buffer and reused from chunk to chunk', () => {
  const builder = new ChunkBuilder()
  for (const [kind, n, count] of [['events', 0, 5000], ['posts', 7, 20_000], ['events', 12345, 1], ['events', 3, 0]] as const) {
    const values = Array.from({ length: count }, (_, i) => ({ i: `$${i}`, x: i % 3 === 0 ? `<b>${i}</b> \u2028 日記 😀`.repeat((i % 20) + 1) : `m ${i}` }))
    builder.start(kind, n)
    for (const value of values) builder.add(viewerJson(value))
    const built = builder.finish()
    assert.equal(built.name, `viewer/data/${kind}-${String(n).padStart(5, '0')}.js`)
    const expected = Buffer.from(`LIFEBOAT.chunk("${kind === 'posts' ? 'p' : 'e'}",${n},${viewerJson(values)});\n`)
    assert.ok(built.data.equals(expected), `${built.name} is the same`)
  }
})

test('isoFromMs is Date.prototype.toISOString', () => {
  const samples = [0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 1_700_000_000_123, 253_402_300_799_999]
  for (let i = 0; i < 20_000; i++) samples.push(Math.floor(Math.random() * 253_402_300_800_000))
  for (const ms of samples) assert.equal(isoFromMs(ms), new Date(ms).toISOString(), String(ms))
  for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5, 1_700_000_000_000.75]) assert.equal(isoFromMs(ms), new Date(ms).toISOString(), String(ms))
  assert.throws(() => isoFromMs(Number.NaN), RangeError)
})
