// Splits bytes into `\n`-terminated lines, a block at a time, for every reader of JSON Lines: zip members and store
// objects (streams), staged files read back (streams), the viewer's files on disk (`fileBlocks`). A line is never
// held past `maxBytes`: one that grows beyond the limit is refused as soon as its bytes pass it, before any string is
// built, so a hostile archive with one endless line costs at most the limit in memory (docs/archive-format.md §8).
// Lines end at `\n` only (a `\r` stays in the line; JSON.stringify leaves U+2028 and U+2029 raw in strings), and a
// last line without `\n` is a line. Each line is decoded from its block on its own: decoding a 64 KiB block into one
// string (128 KiB as UTF-16 once any character is not ASCII) and slicing it took six times the garbage collection.
import { open } from 'node:fs/promises'

export class LineTooLongError extends Error {
  override name = 'LineTooLongError'
  constructor(
    readonly lineNumber: number,
    readonly maxBytes: number,
  ) {
    super(`line ${lineNumber} is longer than the limit of ${maxBytes} bytes`)
  }
}

export interface Line {
  /** 1-based. */
  number: number
  text: string
}

export interface LineBlock {
  /** Line number (1-based) of `lines[0]`. */
  first: number
  /** The lines without their `\n`; empty lines included. */
  lines: string[]
  /** The line after `lines` is longer than the limit: to be thrown once `lines` are used (they come before it). */
  tooLong?: LineTooLongError
}

/** What `fileBlocks` reads at a time. */
const BLOCK_BYTES = 64 * 1024

/** The one line splitter: takes blocks of bytes as they come, gives the lines each completes. */
export class LineSplitter {
  /** Copies of the bytes of a line begun in earlier blocks. */
  #carry: Buffer[] = []
  #carried = 0
  /** Lines given so far. */
  #number = 0

  constructor(readonly maxBytes: number) {}

  /**
   * The lines that `block` completes, in order. The bytes of an unfinished line are copied, so the caller may reuse
   * `block` afterwards. A line that passes the limit, ended or not, ends the lines given (`tooLong`) and the splitter.
   */
  split(block: Buffer): LineBlock {
    const first = this.#number + 1
    const lines: string[] = []
    const tooLong = (bytes: number) => (bytes > this.maxBytes ? { first, lines, tooLong: new LineTooLongError(first + lines.length, this.maxBytes) } : null)
    let start = 0
    let end = block.indexOf(10)
    if (end !== -1 && this.#carried > 0) {
      const refused = tooLong(this.#carried + end)
      if (refused) return refused
      this.#carry.push(block.subarray(0, end))
      lines.push(Buffer.concat(this.#carry).toString('utf8'))
      this.#carry = []
      this.#carried = 0
      start = end + 1
      end = block.indexOf(10, start)
    }
    for (; end !== -1; end = block.indexOf(10, start)) {
      const refused = tooLong(end - start)
      if (refused) return refused
      lines.push(block.toString('utf8', start, end))
      start = end + 1
    }
    this.#number += lines.length
    if (start < block.length) {
      const refused = tooLong(this.#carried + block.length - start)
      if (refused) return refused
      this.#carry.push(Buffer.from(block.subarray(start)))
      this.#carried += block.length - start
    }
    return { first, lines }
  }

  /** The last line, if the bytes did not end with `\n`. */
  last(): LineBlock {
    const first = this.#number + 1
    if (this.#carried === 0) return { first, lines: [] }
    const text = Buffer.concat(this.#carry).toString('utf8')
    this.#carry = []
    this.#carried = 0
    this.#number++
    return { first, lines: [text] }
  }

  /** `split` one line at a time. */
  *push(block: Buffer): Generator<Line> {
    yield* numbered(this.split(block))
  }

  /** `last` as a line, if there is one. */
  *end(): Generator<Line> {
    yield* numbered(this.last())
  }
}

/** The lines of a block one at a time, then its `tooLong` thrown. */
function* numbered({ first, lines, tooLong }: LineBlock): Generator<Line> {
  for (let i = 0; i < lines.length; i++) yield { number: first + i, text: lines[i]! }
  if (tooLong) throw tooLong
}

/** The lines of any source of byte blocks (a stream, `fileBlocks`), a block of lines at a time; blocks without a line end give none. */
export async function* lineBlocks(blocks: AsyncIterable<unknown>, maxBytes: number): AsyncGenerator<LineBlock> {
  const splitter = new LineSplitter(maxBytes)
  for await (const block of blocks) {
    const lines = splitter.split(block as Buffer)
    if (lines.lines.length > 0) yield { first: lines.first, lines: lines.lines }
    if (lines.tooLong) throw lines.tooLong
  }
  const last = splitter.last()
  if (last.lines.length > 0) yield last
}

/** Every line of a stream of Buffers, one at a time. */
export async function* splitLines(stream: AsyncIterable<unknown>, maxBytes: number): AsyncGenerator<Line> {
  for await (const block of lineBlocks(stream, maxBytes)) yield* numbered(block)
}

/**
 * A file's bytes in blocks of BLOCK_BYTES, the next block read while the caller uses this one. Two buffers are used in
 * turn: a block is good until the caller asks for the next one (LineSplitter copies what it keeps).
 */
export async function* fileBlocks(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r')
  let reading: Promise<Buffer> | null = null
  try {
    const buffers = [Buffer.allocUnsafe(BLOCK_BYTES), Buffer.allocUnsafe(BLOCK_BYTES)]
    let position = 0
    let reads = 0
    const read = async (): Promise<Buffer> => {
      const buffer = buffers[reads++ % 2]!
      const { bytesRead } = await handle.read(buffer, 0, BLOCK_BYTES, position)
      position += bytesRead
      return buffer.subarray(0, bytesRead)
    }
    reading = read()
    for (;;) {
      const block = await reading
      if (block.length === 0) break
      reading = read()
      // A failed read ahead is thrown when awaited; until then (and if the caller stops first) it is not unhandled.
      reading.catch(() => undefined)
      yield block
    }
  } finally {
    // The read ahead must be done before its handle is closed.
    await reading?.catch(() => undefined)
    await handle.close()
  }
}
