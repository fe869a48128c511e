// Appends JSON records one per line to a file, hashing and counting as it goes. Awaiting write() applies
// backpressure, so a producer can never outrun the disk and memory stays flat however many records there are.
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { PRIVATE_FILE_MODE } from '../files/atomic-file.js'
import type { HashedFile } from '../files/hashing.js'

export class JsonlSink<T> {
  #stream: WriteStream
  #hash: Hash = createHash('sha256')
  #size = 0
  #count = 0
  #closed: Promise<HashedFile> | null = null

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path, { flags: 'w', mode: PRIVATE_FILE_MODE })
  }

  get count(): number {
    return this.#count
  }

  async write(record: T): Promise<void> {
    if (this.#closed) throw new Error(`write after close: ${this.path}`)
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8')
    this.#hash.update(line)
    this.#size += line.byteLength
    this.#count++
    if (!this.#stream.write(line)) await once(this.#stream, 'drain')
  }

  /** Flushes, fsyncs and closes; idempotent. */
  close(): Promise<HashedFile> {
    this.#closed ??= new Promise<HashedFile>((resolve, reject) => {
      this.#stream.once('error', reject)
      this.#stream.end(() => {
        // createWriteStream has no fsync; the rename in ArchiveWriter.finish() is preceded by an fsync of the zip.
        resolve({ sha256: this.#hash.digest('hex'), size: this.#size })
      })
    })
    return this.#closed
  }
}
