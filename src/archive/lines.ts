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
}

/** What `fileBlocks` reads at a time. */
const BLOCK_BYTES = 64 * 1024

/** The one line splitter: takes blocks of bytes as they come, gives the lines each completes. */
export class LineSplitter {
  /** Copies of the bytes of a line begun in earlier blocks. */
  #carry: Buffer[] = []
  #carried = 0
  #count = 0

  constructor(readonly maxBytes: number) {}

  /** Lines given so far: the number of the last line given. */
  get count(): number {
    return this.#count
  }

  /**
   * The lines that `block` completes, one at a time: each is decoded when asked for, so that a consumer that drops
   * it before asking for the next keeps no more than one line alive (the lines of a 256 KiB chunk held together
   * took four times the garbage collection). The bytes of an unfinished line are copied, so the caller may reuse
   * `block` once the lines are taken. Throws LineTooLongError as soon as a line passes the limit, after the lines
   * before it.
   */
  *lines(block: Buffer): Generator<string> {
    let start = 0
    let end = block.indexOf(10)
    if (end !== -1 && this.#carried > 0) {
      this.#check(this.#carried + end)
      this.#carry.push(block.subarray(0, end))
      const text = Buffer.concat(this.#carry).toString('utf8')
      this.#carry = []
      this.#carried = 0
      start = end + 1
      end = block.indexOf(10, start)
      this.#count++
      yield text
    }
    for (; end !== -1; end = block.indexOf(10, start)) {
      this.#check(end - start)
      const text = block.toString('utf8', start, end)
      start = end + 1
      this.#count++
      yield text
    }
    if (start < block.length) {
      this.#check(this.#carried + block.length - start)
      this.#carry.push(Buffer.from(block.subarray(start)))
      this.#carried += block.length - start
    }
  }

  /** The last line, if the bytes did not end with `\n`. */
  *rest(): Generator<string> {
    if (this.#carried === 0) return
    const text = Buffer.concat(this.#carry).toString('utf8')
    this.#carry = []
    this.#carried = 0
    this.#count++
    yield text
  }

  /** `lines` with their numbers. */
  *push(block: Buffer): Generator<Line> {
    for (const text of this.lines(block)) yield { number: this.#count, text }
  }

  /** `rest` with its number. */
  *end(): Generator<Line> {
    for (const text of this.rest()) yield { number: this.#count, text }
  }

  #check(bytes: number): void {
    if (bytes > this.maxBytes) throw new LineTooLongError(this.#count + 1, this.maxBytes)
  }
}

/**
 * The lines of a source of byte blocks (`fileBlocks`, or a stream of small chunks), a block of lines at a time; blocks
 * without a line end give none. The lines before one that is too long are given before it is thrown.
 */
export async function* lineBlocks(blocks: AsyncIterable<unknown>, maxBytes: number): AsyncGenerator<LineBlock> {
  const splitter = new LineSplitter(maxBytes)
  const collect = function* (texts: Iterable<string>): Generator<LineBlock> {
    const first = splitter.count + 1
    const lines: string[] = []
    // (in `finally`: the lines before one that is too long come before its error)
    try {
      for (const text of texts) lines.push(text)
    } finally {
      if (lines.length > 0) yield { first, lines }
    }
  }
  for await (const block of blocks) yield* collect(splitter.lines(block as Buffer))
  yield* collect(splitter.rest())
}

/** Every line of a stream of Buffers, one at a time. */
export async function* splitLines(stream: AsyncIterable<unknown>, maxBytes: number): AsyncGenerator<Line> {
  const splitter = new LineSplitter(maxBytes)
  for await (const chunk of stream) yield* splitter.push(chunk as Buffer)
  yield* splitter.end()
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
