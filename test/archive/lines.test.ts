// The one line splitter (src/archive/lines.ts) gives what `split('\n')` gives, through each of its feeders: a file
// read in 64 KiB blocks (`fileBlocks`, its two buffers reused) and streams cut anywhere, with lines split across blocks,
// multi-byte characters cut between blocks, lines longer than a block, and no final newline. A line longer than the
// limit is refused naming its number, after every line before it, whether it ends in its block or not. The archive's
// messages built on LineTooLongError are test/archive/hostile.test.ts's; the viewer's, test/viewer/embed-read.test.ts's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileBlocks, lineBlocks, LineTooLongError, splitLines, type Line } from '../../src/archive/lines.js'

const LIMIT = 16 * 1024 * 1024

/** What the splitter must give for `bytes`: the lines of `split('\n')`, no empty line after a final `\n`. */
function expectedLines(bytes: Buffer): string[] {
  if (bytes.length === 0) return []
  const lines = bytes.toString('utf8').split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The number of the first line longer than `maxBytes` bytes, if any. */
function firstTooLong(bytes: Buffer, maxBytes: number): number | null {
  const lines = expectedLines(bytes)
  const i = lines.findIndex((line) => Buffer.byteLength(line) > maxBytes)
  return i === -1 ? null : i + 1
}

/** `bytes` cut into pieces of the given sizes in turn. */
function* cut(bytes: Buffer, sizes: number[]): Generator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!
    yield bytes.subarray(at, at + size)
    at += size
  }
}

/** A feeder that, as fileBlocks does, hands every block in the same buffer. */
async function* reusedBuffer(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  const buffer = Buffer.alloc(size)
  for (const piece of cut(bytes, [size])) {
    piece.copy(buffer)
    yield buffer.subarray(0, piece.length)
  }
}

const feeders: Record<string, (path: string, bytes: Buffer) => AsyncIterable<unknown>> = {
  'fileBlocks': (path) => fileBlocks(path),
  'a read stream, 256 KiB chunks': (path) => createReadStream(path, { highWaterMark: 256 * 1024 }),
  'a read stream, 1,000-byte chunks': (path) => createReadStream(path, { highWaterMark: 1000 }),
  'chunks of 1, 2, 3 and 70,001 bytes': async function* (_path, bytes) {
    yield* cut(bytes, [1, 2, 3, 70_001])
  },
  'one reused buffer of 5,003 bytes': (_path, bytes) => reusedBuffer(bytes, 5003),
}

/** The lines `lineBlocks` gives, and what it throws after them; `oneAtATime` through `splitLines` instead. */
async function splitAll(blocks: AsyncIterable<unknown>, maxBytes: number, oneAtATime: boolean): Promise<{ lines: Line[]; error?: unknown }> {
  const lines: Line[] = []
  try {
    if (oneAtATime) for await (const line of splitLines(blocks, maxBytes)) lines.push(line)
    else for await (const block of lineBlocks(blocks, maxBytes)) block.lines.forEach((text, i) => lines.push({ number: block.first + i, text }))
  } catch (error) {
    return { lines, error }
  }
  return { lines }
}

async function withFile(bytes: Buffer, body: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-lines-'))
  try {
    const path = join(dir, 'x.jsonl')
    await writeFile(path, bytes)
    await body(path)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Every feeder gives `bytes`' lines, or those before the first line over `maxBytes` and then refuses that line. */
async function checkAllFeeders(bytes: Buffer, maxBytes: number): Promise<void> {
  const expected = expectedLines(bytes)
  const tooLong = firstTooLong(bytes, maxBytes)
  await withFile(bytes, async (path) => {
    for (const [feeder, blocks] of Object.entries(feeders)) {
      for (const oneAtATime of [false, true]) {
        const name = `${feeder}${oneAtATime ? ', splitLines' : ''}`
        const { lines, error } = await splitAll(blocks(path, bytes), maxBytes, oneAtATime)
        if (tooLong === null) {
          assert.equal(error, undefined, `${name}: ${String(error)}`)
          assert.equal(lines.length, expected.length, `${name}: the number of lines`)
        } else {
          assert.ok(error instanceof LineTooLongError, `${name} refuses line ${tooLong} (limit ${maxBytes}): ${String(error)}`)
          assert.equal(error.lineNumber, tooLong, name)
          assert.equal(error.message, `line ${tooLong} is longer than the limit of ${maxBytes} bytes`)
          assert.equal(lines.length, tooLong - 1, `${name} gives every line before line ${tooLong}`)
        }
        for (let i = 0; i < lines.length; i++) {
          assert.equal(lines[i]!.number, i + 1, name)
          assert.ok(lines[i]!.text === expected[i], `${name}: line ${i + 1} is the same`)
        }
      }
    }
  })
}

function sample(): string[] {
  // Lines of many lengths (some longer than a 64 KiB block), 2-, 3- and 4-byte characters at every offset, empty
  // lines, U+2028 (not a line end), a `\r` before some `\n` (kept: lines end at `\n` only).
  const lines: string[] = []
  for (let i = 0; i < 3000; i++) {
    const length = i % 97 === 0 ? 70_000 + i : (i * 37) % 400
    // (cut by code points: a lone surrogate would not survive UTF-8)
    const text = Array.from(('é日😀\u2028' + 'x'.repeat(i % 5)).repeat(Math.ceil(length / 5))).slice(0, length).join('')
    lines.push(i % 11 === 0 ? '' : i % 13 === 0 ? text + '\r' : text)
  }
  return lines
}

test('every feeder gives every line, split across blocks or not, with or without a final newline', async () => {
  const text = sample().join('\n')
  await checkAllFeeders(Buffer.from(text), LIMIT)
  await checkAllFeeders(Buffer.from(text + '\n'), LIMIT)
  await checkAllFeeders(Buffer.from('one line, no newline'), LIMIT)
  await checkAllFeeders(Buffer.from('\n\n'), LIMIT)
  await checkAllFeeders(Buffer.alloc(0), LIMIT)
  // a line of exactly the limit passes
  await checkAllFeeders(Buffer.from('a\n' + 'b'.repeat(70_000) + '\nc'), 70_000)
})

test('a line longer than the limit is refused by every feeder, naming it, wherever it ends', async () => {
  const lines = sample()
  // line 98 is the second line of 70,000+ bytes; 1,000 is passed by line 3; as the last line with no newline
  for (const maxBytes of [100_000, 70_050, 1000]) await checkAllFeeders(Buffer.from(lines.join('\n')), maxBytes)
  await checkAllFeeders(Buffer.from('{"a":1}\n' + 'x'.repeat(200_000) + '\n'), 100_000)
  await checkAllFeeders(Buffer.from('{"a":1}\n' + 'x'.repeat(200_000)), 100_000)
  // a limit far below the block: lines inside one block are measured too
  await checkAllFeeders(Buffer.from('ab\ncd\n' + 'x'.repeat(11) + '\nyz\n'), 10)
})
