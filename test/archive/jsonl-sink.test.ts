// The JSON Lines sink (src/archive/jsonl-sink.ts) encodes lines into batches: whatever the lines' sizes and
// characters, and however the writes overlap, the file holds each record's JSON.stringify on its own line in the order
// write() was called, and the sha256, CRC-32, size and count it reports are the file's. Many small records cost a
// handful of writes, not one per record (a write per line was 1.1 s of a 30,000-record export's CPU).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { JsonlSink } from '../../src/archive/jsonl-sink.js'

test('lines of every size, multi-byte text included, land whole and in order, with the right hashes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-jsonl-sink-'))
  try {
    const path = join(dir, 'x.jsonl')
    const sink = new JsonlSink<{ i: number; text: string }>(path)
    const records: { i: number; text: string }[] = []
    for (let i = 0; i < 3000; i++) {
      // mostly small lines; some near a batch's size in UTF-16 units but 3 bytes a unit in UTF-8; some over 64 KiB
      const length = i % 250 === 7 ? 22_000 + i : i % 499 === 3 ? 70_000 + i : (i * 37) % 500
      records.push({ i, text: (i % 3 === 0 ? '日記\u2028é😀' : 'ascii ').repeat(Math.ceil(length / 5)).slice(0, length) })
    }
    // half awaited one by one, half started together: the order is the order of the calls either way
    for (const record of records.slice(0, 1500)) await sink.write(record)
    await Promise.all(records.slice(1500).map((record) => sink.write(record)))
    assert.equal(sink.count, records.length)
    const expected = Buffer.from(records.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8')
    assert.equal(sink.size, expected.length)
    await sink.flush()
    assert.ok((await readFile(path)).equals(expected), 'flush() makes every line readable')
    const written = await sink.close()
    const bytes = await readFile(path)
    assert.ok(bytes.equals(expected), 'the file is the lines in order')
    assert.deepEqual(written, { sha256: createHash('sha256').update(expected).digest('hex'), size: expected.length, crc32: crc32(expected) })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a record the check refuses is not written, and the lines around it are', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-jsonl-sink-'))
  try {
    const path = join(dir, 'x.jsonl')
    const sink = new JsonlSink<{ ok: boolean }>(path, (value) => ((value as { ok: boolean }).ok ? null : '/ok must be true'))
    await sink.write({ ok: true })
    await assert.rejects(sink.write({ ok: false }), /breaks the archive format.*\/ok must be true/)
    await sink.write({ ok: true })
    await sink.close()
    assert.equal(await readFile(path, 'utf8'), '{"ok":true}\n{"ok":true}\n')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

/** Counts the write calls Node's file streams make (fs.write and fs.writev) while `work` runs. */
async function countingWrites<T>(work: () => Promise<T>): Promise<{ result: T; writes: number }> {
  const original = { write: fs.write, writev: fs.writev }
  let writes = 0
  const mutable = fs as unknown as Record<'write' | 'writev', (...args: unknown[]) => unknown>
  mutable.write = (...args: unknown[]) => (writes++, (original.write as (...a: unknown[]) => unknown)(...args))
  mutable.writev = (...args: unknown[]) => (writes++, (original.writev as (...a: unknown[]) => unknown)(...args))
  try {
    return { result: await work(), writes }
  } finally {
    mutable.write = original.write as never
    mutable.writev = original.writev as never
  }
}

test('many small records are written in a few batches; flush makes them readable; the hash is of the lines', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-sink-'))
  try {
    const path = join(dir, 'posts.jsonl')
    const records = Array.from({ length: 5000 }, (_, i) => ({ id: `p${i}`, text: `record ${i} with a few ordinary words` }))
    const expected = records.map((r) => JSON.stringify(r) + '\n').join('')
    const { result: closed, writes } = await countingWrites(async () => {
      const sink = new JsonlSink<(typeof records)[number]>(path)
      for (const record of records.slice(0, 10)) await sink.write(record)
      await sink.flush()
      assert.equal(await readFile(path, 'utf8'), records.slice(0, 10).map((r) => JSON.stringify(r) + '\n').join(''), 'flush() makes the lines so far readable')
      for (const record of records.slice(10)) await sink.write(record)
      return sink.close()
    })
    const bytes = Buffer.from(expected)
    assert.equal(await readFile(path, 'utf8'), expected)
    assert.deepEqual(closed, { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, crc32: crc32(bytes) })
    // 5,000 lines of ~60 bytes are ~300 KiB: five 64 KiB batches, the flush's two writes and the rest at close (6
    // measured; the stream may gather two into one writev).
    // A write per line gives ~40 here: the stream gathers lines only while it waits to drain its 16 KiB buffer.
    assert.ok(writes <= 12, `${writes} writes for ${records.length} records`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('line() checks a record now; writeLines() appends such lines later, in order with write(), of any size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-jsonl-sink-'))
  try {
    const path = join(dir, 'x.jsonl')
    const sink = new JsonlSink<{ ok: boolean; n: number; pad?: string }>(path, (value) => ((value as { ok: boolean }).ok ? null : '/ok must be true'))
    assert.throws(() => sink.line({ ok: false, n: 0 }), /breaks the archive format.*\/ok must be true/)
    const expected: string[] = []
    const lines = (records: { ok: boolean; n: number; pad?: string }[]) => Buffer.from(records.map((r) => sink.line(r) + '\n').join(''))
    await sink.write({ ok: true, n: 1 })
    expected.push('{"ok":true,"n":1}')
    // a few lines that fit the batch, one run larger than a batch, then lines again into a reused buffer
    const small = [{ ok: true, n: 2 }, { ok: true, n: 3 }]
    const big = Array.from({ length: 40 }, (_, i) => ({ ok: true, n: 10 + i, pad: 'é'.repeat(1500) }))
    const reused = lines(small)
    await sink.writeLines(reused, small.length)
    reused.fill(0x20)
    await sink.writeLines(lines(big), big.length)
    await sink.write({ ok: true, n: 99 })
    expected.push(...small.map((r) => JSON.stringify(r)), ...big.map((r) => JSON.stringify(r)), '{"ok":true,"n":99}')
    assert.equal(sink.count, expected.length)
    const bytes = Buffer.from(expected.join('\n') + '\n')
    assert.ok(bytes.length > 64 * 1024, 'one run is larger than a batch')
    assert.deepEqual(await sink.close(), { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, crc32: crc32(bytes) })
    assert.ok((await readFile(path)).equals(bytes))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
