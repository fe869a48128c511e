// Request bodies that can or cannot be sent twice, and small response bodies read without trusting their size.
import { Readable } from 'node:stream'

/**
 * Whether `body` may be handed to fetch again for another attempt. Strings, bytes, Blobs, FormData and
 * URLSearchParams are re-serialised by fetch each time. A ReadableStream or Node Readable can be sent again only while
 * nothing has read it yet (e.g. the connection was refused); other async iterables never.
 */
export function canSendBodyAgain(body: RequestInit['body'] | undefined): boolean {
  if (body === undefined || body === null) return true
  if (isReplayableBody(body)) return true
  if (body instanceof ReadableStream) return !body.locked && !Readable.isDisturbed(body as unknown as NodeJS.ReadableStream)
  if (body instanceof Readable) return !Readable.isDisturbed(body)
  return false
}

function isReplayableBody(body: unknown): boolean {
  return (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams
  )
}

/** True when fetch needs `duplex: 'half'` for this body (streams and async iterables). */
export function isStreamBody(body: RequestInit['body'] | undefined): boolean {
  return body !== undefined && body !== null && !isReplayableBody(body)
}

/** Largest 429 body we read looking for a wait hint; rate-limit bodies are a few hundred bytes. */
export const PEEK_LIMIT = 64 * 1024

/**
 * Reads a response body of at most `limit` bytes. Returns the bytes, or undefined when the body is larger (the
 * rest is cancelled). Read errors propagate (the caller treats them as a network failure).
 */
export async function readCapped(response: Response, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined)
    return undefined
  }
  if (response.body === null) return new Uint8Array(0)
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Parses bytes as JSON, or undefined when they are not JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
}

/** A fresh Response with the same status and headers over already-read bytes (for handing back to an SDK). */
export function rebuildResponse(original: Response, bytes: Uint8Array): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, { status: original.status, statusText: original.statusText, headers: original.headers })
}

/** Releases a response body we will not read, so the connection can be reused or closed. */
export async function discardBody(response: Response): Promise<void> {
  if (response.body !== null && !response.bodyUsed) await response.body.cancel().catch(() => undefined)
}

/** Bytes a replayable body will put on the wire (0 when unknown or empty); used to extend the attempt timeout. */
export function knownBodySize(body: RequestInit['body'] | undefined): number {
  if (body === undefined || body === null) return 0
  if (typeof body === 'string') return Buffer.byteLength(body)
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength
  if (body instanceof Blob) return body.size
  if (body instanceof URLSearchParams) return body.toString().length
  if (body instanceof FormData) {
    let size = 0
    for (const [, value] of body) size += typeof value === 'string' ? Buffer.byteLength(value) : value.size
    return size
  }
  return 0
}

/** Passes a stream body through unchanged, calling `onChunk` as each chunk is pulled (upload progress). */
export async function* tapStream(source: AsyncIterable<Uint8Array>, onChunk: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onChunk()
    yield chunk
  }
}

/**
 * The same response with a body that fails with `idleError()` when `idleMs` pass without a byte while someone waits
 * for one (a reader that does not read is never timed out). The underlying body is cancelled then, which closes the
 * connection. Bodiless responses are returned as they are.
 */
export function watchIdle(response: Response, idleMs: number, idleError: () => Error): Response {
  if (response.body === null || [101, 204, 205, 304].includes(response.status)) return response
  const reader = response.body.getReader()
  let timer: NodeJS.Timeout | undefined
  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const idle = new Promise<'idle'>((resolve) => {
          timer = setTimeout(() => resolve('idle'), idleMs)
        })
        try {
          const next = await Promise.race([reader.read(), idle])
          stop()
          if (next === 'idle') {
            const error = idleError()
            controller.error(error)
            await reader.cancel(error).catch(() => undefined)
          } else if (next.done) controller.close()
          else controller.enqueue(next.value)
        } catch (error) {
          stop()
          controller.error(error)
        }
      },
      async cancel(reason) {
        stop()
        await reader.cancel(reason).catch(() => undefined)
      },
    },
    { highWaterMark: 0 },
  )
  const watched = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  // Callers (SDKs) may read where the answer came from.
  Object.defineProperty(watched, 'url', { value: response.url })
  Object.defineProperty(watched, 'redirected', { value: response.redirected })
  return watched
}
