// A room's timeline on its way from `/messages?dir=b` (newest first) to events.jsonl (oldest first), without the
// room ever being in memory: pages are appended to a JSON Lines file as they arrive, then read back in reverse, one
// block of at most ~BLOCK_BYTES at a time. Only the block start offsets stay in memory (about 4 numbers per MiB).
// Paging backwards once to find the start and then forwards with `dir=f` would avoid the file but doubles the
// sequential `/messages` chain, which is what an export's time is made of.
import { createWriteStream, type WriteStream } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { PRIVATE_FILE_MODE } from '../../files/atomic-file.js'

// A block is read back as one string of BLOCK_BYTES plus at most one line. V8 makes strings over 128 KiB in its
// large object space, at about 1.5 ms each with the CLI's heap flags (src/cli/heap.ts): decoding a 100,000-event room
// (42 MB) took ~250 ms CPU in 256 KiB blocks and ~6 ms in 64 KiB ones. With the texts handed over a block at a time,
// reading the room back went from ~0.38 to ~0.20 s CPU, and the forward pass from ~1.24 to ~1.00 s
// (docs/performance.md). Only a block ending in an event near Matrix's 64 KiB limit goes over (and costs its 1.5 ms).
const BLOCK_BYTES = 64 * 1024

export class ReverseSpool<T> {
  #stream: WriteStream
  #size = 0
  #blockStart = 0
  /** Byte offsets where blocks start; every block starts at a line start. */
  #blocks: number[] = [0]
  #count = 0
  #closed = false

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path, { flags: 'w', mode: PRIVATE_FILE_MODE })
  }

  get count(): number {
    return this.#count
  }

  async append(record: T): Promise<void> {
    if (this.#size - this.#blockStart >= BLOCK_BYTES) {
      this.#blockStart = this.#size
      this.#blocks.push(this.#size)
    }
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8')
    this.#size += line.length
    this.#count++
    if (!this.#stream.write(line)) await once(this.#stream, 'drain')
  }

  /** Ends writing and releases the file descriptor; the block offsets stay for reversed(). */
  async seal(): Promise<void> {
    await this.#close()
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject)
      this.#stream.end(resolve)
    })
  }

  /**
   * Yields the records' JSON texts last-appended first, a block at a time (the caller parses each when it gets to it:
   * a parsed block would outlive V8's young generation; one step of an async generator per record costs more than
   * the split).
   */
  async *reversed(): AsyncGenerator<string[]> {
    await this.#close()
    if (this.#size === 0) return
    const handle = await open(this.path, 'r')
    try {
      for (let i = this.#blocks.length - 1; i >= 0; i--) {
        const start = this.#blocks[i]!
        const end = i + 1 < this.#blocks.length ? this.#blocks[i + 1]! : this.#size
        if (end <= start) continue
        const buffer = Buffer.alloc(end - start)
        for (let got = 0; got < buffer.length; ) {
          const { bytesRead } = await handle.read(buffer, got, buffer.length - got, start + got)
          if (bytesRead === 0) throw new Error(`${this.path} is shorter than written`)
          got += bytesRead
        }
        const lines = buffer.toString('utf8').split('\n')
        // Every line ends with \n: the last piece is empty.
        lines.pop()
        yield lines.reverse()
      }
    } finally {
      await handle.close()
    }
  }

  /** One record from a text reversed() yielded. */
  parse(text: string): T {
    return JSON.parse(text) as T
  }

  async remove(): Promise<void> {
    await this.#close().catch(() => undefined)
    await rm(this.path, { force: true })
  }
}
