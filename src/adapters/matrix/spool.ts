// A room's timeline on its way from `/messages?dir=b` (newest first) to events.jsonl (oldest first), without the
// room ever being in memory: each event's text is appended to a file as its page arrives, then the file is read back
// in reverse, one block of at most ~BLOCK_BYTES at a time. Only the block start offsets stay in memory (about 4
// numbers per MiB). Paging backwards once to find the start and then forwards with `dir=f` would avoid the file but
// doubles the sequential `/messages` chain, which is what an export's time is made of.
//
// Texts are single lines (JSON text has no raw newline). Blocks come back as bytes, never decoded here: the forward
// pass copies most lines straight into events.jsonl (room-timeline.ts) and decodes only the few it must finish.
import { createWriteStream, type WriteStream } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { PRIVATE_FILE_MODE } from '../../files/atomic-file.js'

/** The lines of a block from reversedBlocks(), last first, each with its `\n` (views into the block, not copies). */
export function* linesLastFirst(block: Buffer): Generator<Buffer> {
  for (let end = block.length; end > 0; ) {
    // The search starts before this line's own \n; a line is never empty (it is JSON text), so end - 2 >= 0.
    const start = end >= 2 ? block.lastIndexOf(0x0a, end - 2) + 1 : 0
    yield block.subarray(start, end)
    end = start
  }
}

/** Blocks start at the first line start after this many bytes: a block is this plus at most one line. */
const BLOCK_BYTES = 64 * 1024

export class ReverseSpool {
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

  /** Appends one text (a line of JSON, without its `\n`). */
  async append(text: string): Promise<void> {
    if (this.#size - this.#blockStart >= BLOCK_BYTES) {
      this.#blockStart = this.#size
      this.#blocks.push(this.#size)
    }
    const line = Buffer.from(text + '\n', 'utf8')
    this.#size += line.length
    this.#count++
    if (!this.#stream.write(line)) await once(this.#stream, 'drain')
  }

  /** Ends writing and releases the file descriptor; the block offsets stay for reversedBlocks(). */
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
   * The file's blocks, last block first; each is whole lines (every one ending in `\n`) in the order they were
   * appended, so linesLastFirst() over each gives the texts last-appended first. A block's bytes are good until the
   * next block is asked for: one buffer serves every block (grown only for a block holding a line over 64 KiB).
   */
  async *reversedBlocks(): AsyncGenerator<Buffer> {
    await this.#close()
    if (this.#size === 0) return
    const handle = await open(this.path, 'r')
    let buffer = Buffer.allocUnsafe(2 * BLOCK_BYTES)
    try {
      for (let i = this.#blocks.length - 1; i >= 0; i--) {
        const start = this.#blocks[i]!
        const end = i + 1 < this.#blocks.length ? this.#blocks[i + 1]! : this.#size
        if (end <= start) continue
        if (end - start > buffer.length) buffer = Buffer.allocUnsafe(end - start)
        const block = buffer.subarray(0, end - start)
        for (let got = 0; got < block.length; ) {
          const { bytesRead } = await handle.read(block, got, block.length - got, start + got)
          if (bytesRead === 0) throw new Error(`${this.path} is shorter than written`)
          got += bytesRead
        }
        yield block
      }
    } finally {
      await handle.close()
    }
  }

  async remove(): Promise<void> {
    await this.#close().catch(() => undefined)
    await rm(this.path, { force: true })
  }
}
