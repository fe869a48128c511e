// Appends JSON records one per line to a file, hashing and counting as it goes. Lines are encoded straight into a
// batch buffer of BATCH_BYTES, and each batch is one write and one step of the sha256 and CRC-32: a write per line cost
// a trip to the thread pool per record (1.1 s of a 30,000-record export's CPU), and a Buffer, a hash step and a CRC
// step per line cost ~0.1 s of a 100,000-event Matrix export's. Awaiting write() applies backpressure, so a producer can never outrun the disk and
// memory stays flat however many records there are (a batch, plus the stream's buffer).
// flush() makes every line written so far readable from the file, so the records can be read back while the sink
// stays open (ArchiveWriter.staged).
// Each record is checked against its kind's schema before it is written (by write(), or by line() for a line handed
// to writeLines() later): a record that breaks the format is a bug of the code producing it, caught here rather than
// by a reader later.
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { crc32 } from 'node:zlib'
import { PRIVATE_FILE_MODE } from '../files/atomic-file.js'
import type { HashedFile } from '../files/hashing.js'
import type { Check } from './validate.js'

/** Lines are written to the file in batches of about this many bytes. */
const BATCH_BYTES = 64 * 1024
const EMPTY = Buffer.alloc(0)

export class JsonlSink<T> {
  #stream: WriteStream
  /** The batch being filled (allocated by the first line after a hand-over): its first #batchBytes bytes are lines not yet handed to the stream. */
  #batch: Buffer = EMPTY
  #batchBytes = 0
  #hash: Hash = createHash('sha256')
  #size = 0
  #crc = 0
  #count = 0
  #closed: Promise<HashedFile> | null = null
  /** The stream's first error (e.g. ENOSPC), rethrown by every later call. */
  #error: Error | null = null
  #failed: Promise<never>

  constructor(
    readonly path: string,
    private readonly check?: Check,
  ) {
    // 'wx' is O_CREAT | O_EXCL: a new file, and never through a symbolic link (POSIX open(2)).
    this.#stream = createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE })
    this.#failed = new Promise<never>((_, reject) =>
      this.#stream.on('error', (error) => {
        this.#error ??= error
        reject(error)
      }),
    )
    this.#failed.catch(() => undefined)
  }

  get count(): number {
    return this.#count
  }

  /** Bytes of the lines written so far (all of them in the file once flush() has resolved). */
  get size(): number {
    return this.#size + this.#batchBytes
  }

  async write(record: T): Promise<void> {
    this.#open()
    this.#check(record)
    return this.#append(JSON.stringify(record) + '\n', 1)
  }

  /**
   * The record's line (without its `\n`), checked against the schema now, for a caller that writes it later with
   * writeLines(): the Matrix export checks each event while the next page is on its way and, once the room is whole,
   * writes the lines oldest first without parsing them again (src/adapters/matrix/room-timeline.ts).
   */
  line(record: T): string {
    this.#check(record)
    return JSON.stringify(record)
  }

  /**
   * Appends `count` lines at once: `bytes` must be lines this sink's line() made, each followed by `\n` (the caller
   * guarantees it; nothing here parses them again). `bytes` is copied before this resolves, so the caller may reuse it.
   */
  async writeLines(bytes: Uint8Array, count: number): Promise<void> {
    this.#open()
    return this.#append(bytes, count)
  }

  #open(): void {
    if (this.#closed) throw new Error(`write after close: ${this.path}`)
    if (this.#error) throw this.#error
  }

  #check(record: T): void {
    const problem = this.check?.(record)
    if (problem) throw new Error(`refusing to write a record that breaks the archive format (${this.path}): ${problem}`)
  }

  /** Appends `count` whole lines: a string is encoded into the batch, bytes are copied into it. */
  async #append(lines: string | Uint8Array, count: number): Promise<void> {
    this.#count += count
    // Nothing is awaited until the lines have their place in the file: writes that overlap keep the order they came in.
    let wait = false
    if (this.#batch.length === 0) this.#batch = Buffer.allocUnsafe(BATCH_BYTES)
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; only a string that might not fit is measured.
    const room = this.#batch.length - this.#batchBytes
    const bytes = typeof lines !== 'string' ? lines.byteLength : lines.length * 3 <= room ? 0 : Buffer.byteLength(lines, 'utf8')
    if (bytes > room) {
      wait = !this.#handOver()
      if (bytes > BATCH_BYTES) {
        // More than a batch is handed over alone, as a copy of its own (the stream holds it until it is written).
        this.#batch = typeof lines === 'string' ? Buffer.from(lines, 'utf8') : Buffer.from(lines)
        this.#batchBytes = bytes
        wait = !this.#handOver() || wait
        if (wait) await this.#drained()
        return
      }
      this.#batch = Buffer.allocUnsafe(BATCH_BYTES)
    }
    if (typeof lines === 'string') this.#batchBytes += this.#batch.write(lines, this.#batchBytes, 'utf8')
    else {
      this.#batch.set(lines, this.#batchBytes)
      this.#batchBytes += bytes
    }
    if (wait) await this.#drained()
  }

  /** Gives the lines gathered so far (hashed and counted here) to the stream; false when it asks to wait for 'drain'. */
  #handOver(): boolean {
    if (this.#batchBytes === 0) return true
    const bytes = this.#batch.subarray(0, this.#batchBytes)
    this.#hash.update(bytes)
    this.#crc = crc32(bytes, this.#crc)
    this.#size += bytes.byteLength
    // The stream holds the buffer until it is written: the next lines go into another.
    this.#batch = EMPTY
    this.#batchBytes = 0
    return this.#stream.write(bytes)
  }

  #drained(): Promise<unknown> {
    return Promise.race([once(this.#stream, 'drain'), this.#failed])
  }

  async #writeBatch(): Promise<void> {
    if (!this.#handOver()) await this.#drained()
  }

  /** Resolves once every line written so far is in the file; rejects with the stream's error if a write failed. */
  async flush(): Promise<void> {
    if (this.#closed) {
      await this.#closed
      return
    }
    if (this.#error) throw this.#error
    await this.#writeBatch()
    // A Writable runs writes in order and calls a write's callback once it is done: an empty write's callback
    // therefore comes after every earlier line has reached the file.
    await Promise.race([this.#failed, new Promise<void>((resolve, reject) => this.#stream.write(Buffer.alloc(0), (error) => (error ? reject(error) : resolve())))])
  }

  /** Flushes and closes; idempotent. Rejects with the stream's error if any write failed. */
  close(): Promise<HashedFile> {
    this.#closed ??= this.#error
      ? Promise.reject(this.#error)
      : Promise.race([
          this.#failed,
          new Promise<HashedFile>((resolve, reject) => {
            // createWriteStream has no fsync; the rename in ArchiveWriter.finish() is preceded by an fsync of the zip.
            this.#handOver()
            this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve({ sha256: this.#hash.digest('hex'), size: this.#size, crc32: this.#crc })))
          }),
        ])
    return this.#closed
  }
}
