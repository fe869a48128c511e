// Streaming sha256: bytes flow through to a file while their hash and size are computed, so nothing is held whole.
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { PRIVATE_FILE_MODE } from './atomic-file.js'

export interface HashedFile {
  sha256: string
  size: number
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

/** Streams `source` into a new owner-only file at `path`, fsyncs it, and returns its sha256 and size. */
export async function writeHashedFile(path: string, source: ByteSource, limitBytes?: number): Promise<HashedFile> {
  const hash = createHash('sha256')
  let size = 0
  const handle = await open(path, 'w', PRIVATE_FILE_MODE)
  try {
    for await (const chunk of toAsyncIterable(source)) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.byteLength
      if (limitBytes !== undefined && size > limitBytes) throw new Error(`more than ${limitBytes} bytes`)
      hash.update(bytes)
      await handle.write(bytes)
    }
    await handle.sync()
  } finally {
    await handle.close()
  }
  return { sha256: hash.digest('hex'), size }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
