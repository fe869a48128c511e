// A JSON Lines file's lines as strings, a block of lines at a time: what the embedded viewer reads back after an
// export (a 100,000-event room is ~34 MB). Reading through a stream and a line splitter cost one Buffer, one string
// and a step of several nested async generators per line; here a block of BLOCK_BYTES is read while the previous
// one is being used, decoded to one string and split. Lines end at `\n` only, as the archive's splitter ends them.
import { open } from 'node:fs/promises'
import { MAX_RECORD_LINE_BYTES } from '../archive/format.js'
import { BadArchiveError } from '../errors.js'

/**
 * Bytes read at a time. A block becomes one string: V8 puts strings over 128 KiB in its large object space, at
 * about 1.5 ms each with the CLI's heap flags (src/cli/heap.ts), so blocks stay below that.
 */
const BLOCK_BYTES = 64 * 1024

export interface LineBlock {
  /** Line number (1-based) of `lines[0]`. */
  first: number
  /** The lines without their `\n`; empty lines included. */
  lines: string[]
}

/** Every line of `path`, a block at a time; a line longer than `maxBytes` is a bad archive. */
export async function* lineBlocks(path: string, maxBytes = MAX_RECORD_LINE_BYTES): AsyncGenerator<LineBlock> {
  const handle = await open(path, 'r')
  try {
    let position = 0
    // Two buffers in turn: one is read into while the other's lines are decoded (the lines are copies).
    const buffers = [Buffer.allocUnsafe(BLOCK_BYTES), Buffer.allocUnsafe(BLOCK_BYTES)]
    let reads = 0
    const read = async (): Promise<Buffer> => {
      const buffer = buffers[reads++ % 2]!
      const { bytesRead } = await handle.read(buffer, 0, BLOCK_BYTES, position)
      position += bytesRead
      return buffer.subarray(0, bytesRead)
    }
    // The bytes of a line begun in an earlier block.
    let carry: Buffer[] = []
    let carried = 0
    let number = 1
    const tooLong = () => new BadArchiveError(`${path} line ${number} is longer than the limit of ${maxBytes} bytes.`, { hint: 'No Lifeboat record is that large: the archive is damaged or hostile; use another copy.' })
    let next = read()
    for (;;) {
      const block = await next
      if (block.length === 0) break
      next = read()
      const firstEnd = block.indexOf(10)
      if (firstEnd === -1) {
        carried += block.length
        if (carried > maxBytes) throw tooLong()
        carry.push(Buffer.from(block))
        continue
      }
      const lines: string[] = []
      let start = 0
      if (carried > 0) {
        if (carried + firstEnd > maxBytes) throw tooLong()
        carry.push(block.subarray(0, firstEnd))
        lines.push(Buffer.concat(carry).toString('utf8'))
        carry = []
        carried = 0
        start = firstEnd + 1
      }
      const lastEnd = block.lastIndexOf(10)
      if (lastEnd >= start) {
        const text = block.toString('utf8', start, lastEnd)
        for (let from = 0; ; ) {
          const end = text.indexOf('\n', from)
          if (end === -1) {
            lines.push(text.slice(from))
            break
          }
          lines.push(text.slice(from, end))
          from = end + 1
        }
      }
      if (lastEnd + 1 < block.length) {
        carried = block.length - lastEnd - 1
        if (carried > maxBytes) throw tooLong()
        carry.push(Buffer.from(block.subarray(lastEnd + 1)))
      }
      yield { first: number, lines }
      number += lines.length
    }
    if (carried > 0) yield { first: number, lines: [Buffer.concat(carry).toString('utf8')] }
  } finally {
    await handle.close()
  }
}

/** Every record of a JSON Lines file, parsed; empty lines are skipped, a line that is not JSON is a bad archive. */
export async function* jsonlRecords(path: string): AsyncGenerator<unknown> {
  for await (const { first, lines } of lineBlocks(path)) {
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!
      if (text.length === 0) continue
      let record: unknown
      try {
        record = JSON.parse(text)
      } catch (error) {
        throw new BadArchiveError(`${path} line ${first + i} is not valid JSON.`, { cause: error })
      }
      yield record
    }
  }
}
