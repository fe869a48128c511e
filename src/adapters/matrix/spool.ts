// A room's timeline on its way from `/messages?dir=b` (newest first) to events.jsonl (oldest first), without the
// room ever being in memory: pages are appended to a JSON Lines file as they arrive, then read back in reverse, one
// block of at most ~BLOCK_BYTES at a time. Only the block start offsets stay in memory (about 4 numbers per MiB).
// Paging backwards once to find the start and then forwards with `dir=f` would avoid the file but doubles the
// sequential `/messages` chain, which is what an export's time is made of.
import { createWriteStream, type WriteStream } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { PRIVATE_FILE_MODE } from '../../files/atomic-file.js'

const BLOCK_BYTES = 256 * 1024

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

  /** Yields the records last-appended first. */
  async *reversed(): AsyncGenerator<T> {
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
        for (let j = lines.length - 1; j >= 0; j--) if (lines[j]) yield JSON.parse(lines[j]!) as T
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
