// Splits a byte stream into `\n`-terminated lines without ever holding more than `maxBytes` of one line: a line
// that grows beyond the limit is refused as soon as its bytes pass it, before any string is built, so a hostile
// archive with one endless line costs at most the limit in memory (docs/archive-format.md §8).

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

export class LineSplitter {
  #pending: Buffer[] = []
  #pendingBytes = 0
  #number = 0

  constructor(readonly maxBytes: number) {}

  /** The complete lines in `chunk` (without their `\n`), in order. Throws LineTooLongError past the limit. */
  *push(chunk: Buffer): Generator<Line> {
    let start = 0
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      this.#take(end - start)
      const piece = chunk.subarray(start, end)
      const bytes = this.#pendingBytes === 0 ? piece : Buffer.concat([...this.#pending, piece])
      this.#pending = []
      this.#pendingBytes = 0
      start = end + 1
      yield { number: ++this.#number, text: bytes.toString('utf8') }
    }
    if (start < chunk.length) {
      this.#take(chunk.length - start)
      this.#pending.push(chunk.subarray(start))
      this.#pendingBytes += chunk.length - start
    }
  }

  /** The last line, if the stream did not end with `\n`. */
  *end(): Generator<Line> {
    if (this.#pendingBytes === 0) return
    const text = Buffer.concat(this.#pending).toString('utf8')
    this.#pending = []
    this.#pendingBytes = 0
    yield { number: ++this.#number, text }
  }

  #take(bytes: number): void {
    if (this.#pendingBytes + bytes > this.maxBytes) throw new LineTooLongError(this.#number + 1, this.maxBytes)
  }
}

/** Every line of a stream of Buffers. */
export async function* splitLines(stream: AsyncIterable<unknown>, maxBytes: number): AsyncGenerator<Line> {
  const splitter = new LineSplitter(maxBytes)
  for await (const chunk of stream) yield* splitter.push(chunk as Buffer)
  yield* splitter.end()
}
