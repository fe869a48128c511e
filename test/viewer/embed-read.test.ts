// The pieces the embedded viewer reads and writes with (src/viewer/jsonl-blocks.ts, files.ts ChunkBuilder,
// project.ts isoFromMs) give exactly what the plain ways give: the archive's line splitter, chunkFile, and
// Date.prototype.toISOString.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lineBlocks, jsonlRecords } from '../../src/viewer/jsonl-blocks.js'
import { ChunkBuilder, chunkFile, viewerJson } from '../../src/viewer/files.js'
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

async function allLines(path: string, maxBytes?: number): Promise<{ number: number; text: string }[]> {
  const out: { number: number; text: string }[] = []
  for await (const block of lineBlocks(path, maxBytes)) block.lines.forEach((text, i) => out.push({ number: block.first + i, text }))
  return out
}

test('lineBlocks gives every line across 64 KiB blocks, multi-byte characters split between blocks included', async () => {
  // Lines of many lengths (some longer than a block), with 2-, 3- and 4-byte characters at every offset, empty lines,
  // U+2028 (not a line end here), and no final newline.
  const lines: string[] = []
  for (let i = 0; i < 3000; i++) {
    const length = i % 97 === 0 ? 70_000 + i : (i * 37) % 400
    // (cut by code points: a lone surrogate would not survive UTF-8)
    lines.push(i % 11 === 0 ? '' : Array.from(('é日😀\u2028' + 'x'.repeat(i % 5)).repeat(Math.ceil(length / 5))).slice(0, length).join(''))
  }
  const text = lines.join('\n')
  await withFile(text, async (path) => {
    const got = await allLines(path)
    assert.equal(got.length, lines.length)
    for (let i = 0; i < lines.length; i++) {
      assert.equal(got[i]!.number, i + 1)
      assert.ok(got[i]!.text === lines[i], `line ${i + 1} is the same`)
    }
  })
  await withFile(text + '\n', async (path) => assert.equal((await allLines(path)).length, lines.length))
  await withFile('', async (path) => assert.deepEqual(await allLines(path), []))
})

test('lineBlocks refuses a line longer than the limit, and jsonlRecords a line that is not JSON, naming the line', async () => {
  await withFile('{"a":1}\n' + 'x'.repeat(200_000) + '\n', async (path) => {
    await assert.rejects(allLines(path, 100_000), (error: Error) => error instanceof BadArchiveError && /line 2 is longer than the limit/.test(error.message))
  })
  await withFile('{"a":1}\n\n{"b":2}\n{"c":\n', async (path) => {
    const got: unknown[] = []
    await assert.rejects(
      (async () => {
        for await (const record of jsonlRecords(path)) got.push(record)
      })(),
      (error: Error) => error instanceof BadArchiveError && /line 4 is not valid JSON/.test(error.message),
    )
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }])
  })
})

test('ChunkBuilder writes the bytes chunkFile writes, past its first buffer and reused from chunk to chunk', () => {
  const builder = new ChunkBuilder()
  for (const [kind, n, count] of [['events', 0, 5000], ['posts', 7, 20_000], ['events', 12345, 1], ['events', 3, 0]] as const) {
    const items = Array.from({ length: count }, (_, i) => viewerJson({ i: `$${i}`, x: i % 3 === 0 ? `<b>${i}</b> \u2028 日記 😀`.repeat((i % 20) + 1) : `m ${i}` }))
    builder.start(kind, n)
    for (const item of items) builder.add(item)
    const built = builder.finish()
    const expected = chunkFile(kind, n, items)
    assert.equal(built.name, expected.name)
    assert.ok(built.data.equals(expected.data), `${expected.name} is the same`)
  }
})

test('isoFromMs is Date.prototype.toISOString', () => {
  const samples = [0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 1_700_000_000_123, 253_402_300_799_999]
  for (let i = 0; i < 20_000; i++) samples.push(Math.floor(Math.random() * 253_402_300_800_000))
  for (const ms of samples) assert.equal(isoFromMs(ms), new Date(ms).toISOString(), String(ms))
  for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5, 1_700_000_000_000.75]) assert.equal(isoFromMs(ms), new Date(ms).toISOString(), String(ms))
  assert.throws(() => isoFromMs(Number.NaN), RangeError)
})
