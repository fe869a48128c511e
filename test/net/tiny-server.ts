// A throwaway HTTP server on 127.0.0.1 for the net/ tests: each test scripts its answers per hit and reads back
// when each request arrived and what it carried.
import http from 'node:http'

export interface Hit {
  /** performance.now() when the request arrived. */
  at: number
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export interface TinyServer {
  url: string
  port: number
  hits: Hit[]
  close(): Promise<void>
}

/** `handler` gets the hit number (0-based) and the already-read request body. */
export async function startTinyServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number, hit: Hit) => void,
): Promise<TinyServer> {
  const hits: Hit[] = []
  const server = http.createServer((req, res) => {
    const at = performance.now()
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const hit: Hit = { at, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() }
      hits.push(hit)
      handler(req, res, hits.length - 1, hit)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    hits,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return address.port
}

/** An injected sleep that records every wait and returns at once (the clock does not move). */
export function recordingSleep(): { sleep: (ms: number, signal?: AbortSignal) => Promise<void>; waits: Array<{ ms: number; calledAt: number }> } {
  const waits: Array<{ ms: number; calledAt: number }> = []
  return {
    waits,
    async sleep(ms: number) {
      waits.push({ ms, calledAt: Date.now() })
    },
  }
}

/** A clock that moves only when the client sleeps on it: waits are exact, whatever the machine's load. */
export function fakeClock(start = Date.parse('2026-11-22T09:42:15.000Z')): {
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  waits: number[]
} {
  let t = start
  const waits: number[] = []
  return {
    waits,
    now: () => t,
    async sleep(ms: number) {
      waits.push(ms)
      t += Math.max(0, ms)
    },
  }
}
