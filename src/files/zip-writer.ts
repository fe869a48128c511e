// ZipWriter: writes a ZIP (PKWARE APPNOTE 6.3) whose members' CRC-32 and sizes the caller already knows, because it
// computed them while staging the bytes (docs/archive-format.md §3). Why not archiver or yazl: both compute every
// member's CRC-32 again in JavaScript (about 15 × slower than zlib.crc32 here) and accept no precomputed value; see
// docs/dependencies.md. Reading stays with yauzl (zip-reader.ts).
//
// Contracts:
// - Each member's bytes are copied from a file (or a buffer) in 2 MiB blocks while their CRC-32 is computed again;
//   bytes whose CRC-32 or length differ from what the caller declared are refused (ZipContentChangedError), so a
//   staged file changed or torn after staging never lands in the zip under the hash the manifest gives it.
// - No data descriptors: the local header carries the CRC-32 and sizes; a deflated member's compressed size is
//   patched into its local header once known (the output is a file, written by position).
// - Deterministic: the same members in the same order with the same date give the same bytes (deflate level 6).
// - ZIP64 fields appear only when a size, an offset or the number of entries needs them, as APPNOTE 4.5.3 says.
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { CREATE_NEW, PRIVATE_FILE_MODE } from './atomic-file.js'
import { writeFully } from './hashing.js'

export interface ZipMemberInput {
  name: string
  /** The member's bytes: a file read with O_NOFOLLOW, or a buffer. */
  path?: string
  data?: Uint8Array
  /** Declared uncompressed size and CRC-32 (zlib.crc32) of the bytes: the copy refuses bytes that differ. */
  size: number
  crc32: number
  /** Deflate (level 6) or store. */
  compress: boolean
}

/** What was written for one member: what a reader's central directory must show. */
export interface ZipWrittenEntry {
  name: string
  crc32: number
  size: number
  compressedSize: number
  method: 0 | 8
  offset: number
}

export class ZipContentChangedError extends Error {
  override name = 'ZipContentChangedError'
  constructor(
    readonly member: string,
    detail: string,
  ) {
    super(`${member} changed after it was staged (${detail}); it was not zipped`)
  }
}

const BLOCK_BYTES = 2 * 1024 * 1024
/** Members up to this size are read whole and written with their header in one call. */
const SMALL_BYTES = 1024 * 1024
/** Writes smaller than this are gathered into one. */
const GATHER_BYTES = 256 * 1024
const deflateRaw = promisify(zlib.deflateRaw)
const MAX32 = 0xffffffff
const MAX16 = 0xffff
/** Deflate can grow incompressible input by a few bytes per 16 KiB block: above this, a deflated member gets ZIP64 sizes. */
const DEFLATE_ZIP64_FROM = 0xff000000
const UTF8_NAMES = 0x0800
const MADE_BY_UNIX = 3 << 8
const S_IFREG_0600 = (0o100000 | 0o600) * 0x10000

function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107)
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    day: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  }
}

export class ZipWriter {
  /** End of the zip so far, gathered bytes included. */
  #offset = 0
  /** Small writes are copied here until it is full, then written in one call. */
  #gather: Buffer | null = null
  #gatheredBytes = 0
  #buffers: [Buffer, Buffer] | null = null
  #entries: (ZipWrittenEntry & { zip64Sizes: boolean; nameBytes: Buffer })[] = []
  #dos: { time: number; day: number }

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    date: Date,
  ) {
    this.#dos = dosDateTime(date)
  }

  /** Creates `path` exclusively (never through a link), owner-only. Every member gets `date` (UTC) as its time. */
  static async create(path: string, date: Date): Promise<ZipWriter> {
    return new ZipWriter(path, await open(path, CREATE_NEW, PRIVATE_FILE_MODE), date)
  }

  get entries(): readonly ZipWrittenEntry[] {
    return this.#entries.map(({ name, crc32, size, compressedSize, method, offset }) => ({ name, crc32, size, compressedSize, method, offset }))
  }

  /**
   * Appends bytes at the end; small writes are copied into one buffer and written together (a zip of many small
   * members is not a write per member). `bytes` is done with when this resolves: the caller may reuse it.
   */
  async #write(bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength < GATHER_BYTES) {
      if (this.#gatheredBytes + bytes.byteLength > GATHER_BYTES) await this.#flush()
      this.#gather ??= Buffer.allocUnsafe(GATHER_BYTES)
      this.#gather.set(bytes, this.#gatheredBytes)
      this.#gatheredBytes += bytes.byteLength
      this.#offset += bytes.byteLength
      return
    }
    await this.#flush()
    const at = this.#offset
    this.#offset += bytes.byteLength
    await writeFully(this.handle, bytes, at)
  }

  /** Writes what #write gathered, so that everything before #offset is in the file. */
  async #flush(): Promise<void> {
    if (this.#gatheredBytes === 0) return
    const length = this.#gatheredBytes
    this.#gatheredBytes = 0
    await writeFully(this.handle, this.#gather!.subarray(0, length), this.#offset - length)
  }

  /** The writer's two 2 MiB block buffers, reused for every member (memory does not churn with the archive). */
  #blockBuffers(): [Buffer, Buffer] {
    return (this.#buffers ??= [Buffer.allocUnsafe(BLOCK_BYTES), Buffer.allocUnsafe(BLOCK_BYTES)])
  }

  /** Appends one member; `signal` is checked between blocks. */
  async add(input: ZipMemberInput, signal?: AbortSignal): Promise<ZipWrittenEntry> {
    signal?.throwIfAborted()
    const nameBytes = Buffer.from(input.name, 'utf8')
    const method = input.compress ? 8 : 0
    const offset = this.#offset
    let compressedSize: number
    let zip64Sizes = false
    if (input.size <= SMALL_BYTES) {
      // Small members (records of a small account, viewer files, most images): read whole, header and bytes in one write.
      const bytes = await this.#readSmall(input)
      this.#check(input, bytes.byteLength, zlib.crc32(bytes))
      // Tiny members deflate in place: a trip to the thread pool costs more than the work.
      const payload = !input.compress ? bytes : bytes.byteLength < 64 * 1024 ? zlib.deflateRawSync(bytes, { level: 6 }) : await deflateRaw(bytes, { level: 6 })
      compressedSize = payload.byteLength
      await this.#write(this.#localHeader(input, nameBytes, method, false, compressedSize))
      await this.#write(payload)
    } else {
      zip64Sizes = input.compress ? input.size >= DEFLATE_ZIP64_FROM : input.size >= MAX32
      await this.#write(this.#localHeader(input, nameBytes, method, zip64Sizes, input.size))
      const dataStart = this.#offset
      let crc = 0
      let read = 0
      const blocks = this.#blocks(input, signal)
      const counted = async function* () {
        for await (const block of blocks) {
          crc = zlib.crc32(block, crc)
          read += block.byteLength
          if (read > input.size) throw new ZipContentChangedError(input.name, `more than the ${input.size} bytes staged`)
          yield block
        }
      }
      if (input.compress) {
        // Each block is handed to deflate and its write callback awaited before the next is asked for: zlib has then
        // copied the block into its own window, so #blocks can read into that buffer again. (A fresh 2 MiB buffer
        // per block, as a pipeline needs, left ~30 MB of garbage outside the heap while a large kind file was zipped.)
        const deflate = zlib.createDeflateRaw({ level: 6 })
        const written = (async () => {
          for await (const chunk of deflate as AsyncIterable<Buffer>) await this.#write(chunk)
        })()
        // A failed write of the output (a full disk) ends the consumer: it must end the wait for a block's callback too.
        const consumerStopped = written.then(() => {
          throw new Error(`${input.name}: the deflated output ended before its input`)
        })
        consumerStopped.catch(() => undefined)
        try {
          for await (const block of counted()) {
            await Promise.race([consumerStopped, new Promise<void>((resolve, reject) => deflate.write(block, (error) => (error ? reject(error) : resolve())))])
          }
          deflate.end()
          await written
        } catch (error) {
          deflate.destroy()
          await written.catch(() => undefined)
          throw error
        }
      } else {
        for await (const block of counted()) await this.#write(block)
      }
      this.#check(input, read, crc)
      compressedSize = this.#offset - dataStart
      if (input.compress) {
        // The local header said the uncompressed size; the compressed size is known only now.
        if (!zip64Sizes && compressedSize >= MAX32) throw new Error(`${input.name}: deflate grew the member past 4 GiB`)
        await this.#flush()
        const patch = Buffer.alloc(zip64Sizes ? 8 : 4)
        if (zip64Sizes) patch.writeBigUInt64LE(BigInt(compressedSize))
        else patch.writeUInt32LE(compressedSize)
        await writeFully(this.handle, patch, zip64Sizes ? offset + 30 + nameBytes.length + 12 : offset + 18)
      }
    }
    const written: ZipWrittenEntry = { name: input.name, crc32: input.crc32 >>> 0, size: input.size, compressedSize, method, offset }
    this.#entries.push({ ...written, zip64Sizes, nameBytes })
    return written
  }

  #check(input: ZipMemberInput, length: number, crc: number): void {
    if (length !== input.size) throw new ZipContentChangedError(input.name, `${length > input.size ? 'more than' : 'only'} ${length > input.size ? input.size : length} bytes, ${input.size} staged`)
    if (crc >>> 0 !== input.crc32 >>> 0) throw new ZipContentChangedError(input.name, 'its CRC-32 differs')
  }

  /** Local header (APPNOTE 4.3.7), with ZIP64 sizes in its extra field when `zip64Sizes`. */
  #localHeader(input: ZipMemberInput, nameBytes: Buffer, method: number, zip64Sizes: boolean, compressedSize: number): Buffer {
    const header = Buffer.alloc(30 + nameBytes.length + (zip64Sizes ? 20 : 0))
    header.writeUInt32LE(0x04034b50, 0)
    header.writeUInt16LE(zip64Sizes ? 45 : 20, 4)
    header.writeUInt16LE(UTF8_NAMES, 6)
    header.writeUInt16LE(method, 8)
    header.writeUInt16LE(this.#dos.time, 10)
    header.writeUInt16LE(this.#dos.day, 12)
    header.writeUInt32LE(input.crc32 >>> 0, 14)
    header.writeUInt32LE(zip64Sizes ? MAX32 : compressedSize, 18)
    header.writeUInt32LE(zip64Sizes ? MAX32 : input.size, 22)
    header.writeUInt16LE(nameBytes.length, 26)
    header.writeUInt16LE(zip64Sizes ? 20 : 0, 28)
    nameBytes.copy(header, 30)
    if (zip64Sizes) {
      const extra = 30 + nameBytes.length
      header.writeUInt16LE(0x0001, extra)
      header.writeUInt16LE(16, extra + 2)
      header.writeBigUInt64LE(BigInt(input.size), extra + 4)
      header.writeBigUInt64LE(BigInt(compressedSize), extra + 12)
    }
    return header
  }

  /**
   * A small member's bytes, whole; one byte more than declared is read, so a longer file is noticed. They are read
   * into the first block buffer, so they are good until the next read: a member of a large account's viewer or many
   * media files then costs no fresh buffer each (garbage outside the heap that V8 collects late).
   */
  async #readSmall(input: ZipMemberInput): Promise<Uint8Array> {
    if (input.data) return input.data
    if (!input.path) throw new Error(`${input.name}: no bytes given`)
    const file = await open(input.path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const buffer = this.#blockBuffers()[0].subarray(0, input.size + 1)
      let length = 0
      for (;;) {
        const { bytesRead } = await file.read(buffer, length, buffer.length - length, length)
        if (bytesRead === 0) break
        length += bytesRead
        if (length === buffer.length) break
      }
      return buffer.subarray(0, length)
    } finally {
      await file.close()
    }
  }

  /** The member's bytes in blocks of up to 2 MiB: one block is read while the one before is written. */
  async *#blocks(input: ZipMemberInput, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if (input.data) {
      for (let at = 0; at < input.data.byteLength; at += BLOCK_BYTES) yield input.data.subarray(at, at + BLOCK_BYTES)
      return
    }
    if (!input.path) throw new Error(`${input.name}: no bytes given`)
    const file = await open(input.path, constants.O_RDONLY | constants.O_NOFOLLOW)
    let pending: Promise<{ bytesRead: number }> | null = null
    try {
      // Two buffers: the consumer writes (or deflates) one while the next read fills the other. They are the writer's
      // own, reused for every member, so memory does not churn with the archive.
      const length = Math.min(BLOCK_BYTES, input.size + 1)
      const buffers = this.#blockBuffers()
      let which = 0
      let position = 0
      let buffer = buffers[which]!
      pending = file.read(buffer, 0, length, position)
      for (;;) {
        signal?.throwIfAborted()
        const { bytesRead } = await pending
        if (bytesRead === 0) return
        const block = buffer.subarray(0, bytesRead)
        position += bytesRead
        which ^= 1
        buffer = buffers[which]!
        pending = file.read(buffer, 0, length, position)
        yield block
      }
    } finally {
      // A consumer that stopped early leaves one read in flight: it ends before the file is closed.
      await pending?.catch(() => undefined)
      await file.close()
    }
  }

  /** Writes the central directory and its end records, fsyncs and closes the file. */
  async finish(): Promise<readonly ZipWrittenEntry[]> {
    const start = this.#offset
    const parts: Buffer[] = []
    for (const e of this.#entries) {
      // ZIP64 extra (APPNOTE 4.5.3): only the fields whose 32-bit slot holds 0xFFFFFFFF, in this order.
      const sizes64 = e.zip64Sizes || e.size >= MAX32 || e.compressedSize >= MAX32
      const offset64 = e.offset >= MAX32
      const extraFields: bigint[] = []
      if (sizes64) extraFields.push(BigInt(e.size), BigInt(e.compressedSize))
      if (offset64) extraFields.push(BigInt(e.offset))
      const extraLength = extraFields.length > 0 ? 4 + 8 * extraFields.length : 0
      const header = Buffer.alloc(46 + e.nameBytes.length + extraLength)
      header.writeUInt32LE(0x02014b50, 0)
      header.writeUInt16LE(MADE_BY_UNIX | 45, 4)
      header.writeUInt16LE(extraLength > 0 ? 45 : 20, 6)
      header.writeUInt16LE(UTF8_NAMES, 8)
      header.writeUInt16LE(e.method, 10)
      header.writeUInt16LE(this.#dos.time, 12)
      header.writeUInt16LE(this.#dos.day, 14)
      header.writeUInt32LE(e.crc32, 16)
      header.writeUInt32LE(sizes64 ? MAX32 : e.compressedSize, 20)
      header.writeUInt32LE(sizes64 ? MAX32 : e.size, 24)
      header.writeUInt16LE(e.nameBytes.length, 28)
      header.writeUInt16LE(extraLength, 30)
      // comment length, disk number, internal attributes: 0
      header.writeUInt32LE(S_IFREG_0600, 38)
      header.writeUInt32LE(offset64 ? MAX32 : e.offset, 42)
      e.nameBytes.copy(header, 46)
      if (extraLength > 0) {
        let at = 46 + e.nameBytes.length
        header.writeUInt16LE(0x0001, at)
        header.writeUInt16LE(8 * extraFields.length, at + 2)
        at += 4
        for (const value of extraFields) {
          header.writeBigUInt64LE(value, at)
          at += 8
        }
      }
      parts.push(header)
    }
    const directory = Buffer.concat(parts)
    const size = directory.length
    const count = this.#entries.length
    const zip64 = count >= MAX16 || start >= MAX32 || size >= MAX32
    const end: Buffer[] = [directory]
    if (zip64) {
      const record = Buffer.alloc(56)
      record.writeUInt32LE(0x06064b50, 0)
      record.writeBigUInt64LE(44n, 4)
      record.writeUInt16LE(MADE_BY_UNIX | 45, 12)
      record.writeUInt16LE(45, 14)
      // this disk, the directory's disk: 0
      record.writeBigUInt64LE(BigInt(count), 24)
      record.writeBigUInt64LE(BigInt(count), 32)
      record.writeBigUInt64LE(BigInt(size), 40)
      record.writeBigUInt64LE(BigInt(start), 48)
      const locator = Buffer.alloc(20)
      locator.writeUInt32LE(0x07064b50, 0)
      locator.writeBigUInt64LE(BigInt(start + size), 8)
      locator.writeUInt32LE(1, 16)
      end.push(record, locator)
    }
    const eocd = Buffer.alloc(22)
    eocd.writeUInt32LE(0x06054b50, 0)
    eocd.writeUInt16LE(Math.min(count, MAX16), 8)
    eocd.writeUInt16LE(Math.min(count, MAX16), 10)
    eocd.writeUInt32LE(Math.min(size, MAX32), 12)
    eocd.writeUInt32LE(Math.min(start, MAX32), 16)
    end.push(eocd)
    await this.#write(Buffer.concat(end))
    await this.#flush()
    await this.handle.sync()
    await this.handle.close()
    return this.entries
  }

  /** Closes the file without finishing it (the caller removes it). */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined)
  }
}
