// Streaming sha256: bytes flow through to a file while their hash and size are computed, so nothing is held whole.
import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { open, type FileHandle } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { CREATE_NEW, PRIVATE_FILE_MODE } from './atomic-file.js'

export interface HashedFile {
  sha256: string
  size: number
  /** CRC-32 (zlib) of the same bytes: the zip writer checks its copy against it and needs not compute it twice. */
  crc32: number
}

export type ByteSource = Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>

function toAsyncIterable(source: ByteSource): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (typeof (source as { getReader?: unknown }).getReader === 'function' && !(Symbol.asyncIterator in source)) {
    const reader = (source as unknown as ReadableStream<Uint8Array>).getReader()
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) return
            yield value
          }
        } finally {
          reader.releaseLock()
        }
      },
    }
  }
  return source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>
}

/** Bytes gathered before one writev: network chunks are small (16-64 KiB); one call per batch saves syscalls. */
const BATCH_BYTES = 1024 * 1024

export interface WriteHashedOptions {
  /** Refuse a source longer than this. */
  limitBytes?: number
  /** fsync before returning (default true). A caller that re-checks the bytes before trusting them may skip it. */
  sync?: boolean
}

/**
 * Writes all of `bytes`, continuing after a short write (which a nearly full disk may return without an error); at
 * `position` in the file when given (pwrite), else at the file's current position.
 */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset, position === undefined ? null : position + offset)
    if (bytesWritten === 0) throw Object.assign(new Error('no space left on device (write returned 0 bytes)'), { code: 'ENOSPC' })
    offset += bytesWritten
  }
}

/** Writes all of `buffers` in order with writev (no copy into one buffer), continuing after a short write. */
async function writevFully(handle: FileHandle, buffers: Uint8Array[]): Promise<void> {
  // empty chunks (an empty file's only chunk) write nothing, and a writev of nothing returns 0 without a full disk
  let pending = buffers.filter((buffer) => buffer.byteLength > 0)
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending)
    if (bytesWritten === 0) throw Object.assign(new Error('no space left on device (write returned 0 bytes)'), { code: 'ENOSPC' })
    let skip = bytesWritten
    const rest: Uint8Array[] = []
    for (const buffer of pending) {
      if (skip >= buffer.byteLength) skip -= buffer.byteLength
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer)
        skip = 0
      }
    }
    pending = rest
  }
}

/**
 * Streams `source` into a new owner-only file at `path` (created exclusively, never through a symbolic link) and
 * returns its sha256 and size. Chunks are gathered into batches and one batch is written while the next arrives.
 */
export async function writeHashedFile(path: string, source: ByteSource, options: WriteHashedOptions | number = {}): Promise<HashedFile> {
  const { limitBytes, sync = true } = typeof options === 'number' ? { limitBytes: options } : options
  const hash = createHash('sha256')
  let crc = 0
  let size = 0
  const handle = await open(path, CREATE_NEW, PRIVATE_FILE_MODE)
  let writing: Promise<void> = Promise.resolve()
  let failure: unknown = null
  let batch: Uint8Array[] = []
  let batchBytes = 0
  const flush = async () => {
    await writing
    if (failure) throw failure
    const buffers = batch
    batch = []
    batchBytes = 0
    writing = writevFully(handle, buffers).then(
      () => undefined,
      (error: unknown) => {
        failure = error
      },
    )
  }
  try {
    for await (const chunk of toAsyncIterable(source)) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.byteLength
      if (limitBytes !== undefined && size > limitBytes) throw new Error(`more than ${limitBytes} bytes`)
      hash.update(bytes)
      crc = crc32(bytes, crc)
      batch.push(bytes)
      batchBytes += bytes.byteLength
      if (batchBytes >= BATCH_BYTES) await flush()
    }
    if (batch.length > 0) await flush()
    await writing
    if (failure) throw failure
    if (sync) await handle.sync()
  } finally {
    await writing
    await handle.close()
  }
  return { sha256: hash.digest('hex'), size, crc32: crc }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
