// A reverse proxy on 127.0.0.1 that forwards to a test server and misbehaves on purpose, the way real servers,
// CDNs and flaky links do: latency, 429 with Retry-After, 500/502/503, connection resets before or after the
// response headers, and bodies cut off short of their Content-Length. Faults are drawn from a seeded PRNG, so a
// given sequence of requests meets the same faults every run. Bodies stream both ways (no buffering), so it can sit
// in front of servers serving large CARs and media. It counts requests so tests can assert how many a run made.
import http from 'node:http'
import https from 'node:https'

export interface FaultRates {
  status429?: number
  status500?: number
  status502?: number
  status503?: number
  /** Connection destroyed, half of the time before the response headers and half of the time right after them. */
  reset?: number
  /** Real headers (with the real Content-Length), part of the body, then the connection destroyed. */
  truncate?: number
}

export interface FaultProxyOptions {
  /** Base URL of the server to forward to, e.g. `http://127.0.0.1:4321`. */
  target: string
  /** Added before each request is answered or forwarded. */
  latencyMs?: number
  /** Probability of each fault per request, 0..1; they are exclusive and their sum should stay ≤ 1. */
  rates?: FaultRates
  /** Value of the Retry-After header on injected 429s. Default 1. */
  retryAfterSeconds?: number
  /** PRNG seed. Default 1. */
  seed?: number
  /** Requests for which this returns true are always forwarded untouched (still counted). */
  skip?: (req: http.IncomingMessage) => boolean
}

export type FaultKind = keyof FaultRates

export interface FaultProxyStats {
  /** Every request that reached the proxy. */
  requests: number
  /** Requests passed on to the target (including those whose response was then reset or truncated). */
  forwarded: number
  injected: Record<FaultKind, number>
}

export interface FaultProxy {
  url: string
  close(): Promise<void>
  stats: FaultProxyStats
  resetStats(): void
}

const FAULT_ORDER: FaultKind[] = ['status429', 'status500', 'status502', 'status503', 'reset', 'truncate']

const STATUS_OF: Partial<Record<FaultKind, number>> = { status429: 429, status500: 500, status502: 502, status503: 503 }

/** Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own business on each side and are not copied. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'])

/** mulberry32: a tiny seeded PRNG, good enough to spread faults evenly and reproducibly. */
function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function emptyInjected(): Record<FaultKind, number> {
  return { status429: 0, status500: 0, status502: 0, status503: 0, reset: 0, truncate: 0 }
}

/** A request's or response's headers as a proxy passes them on: without the hop-by-hop ones. */
export function copyHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const transport = target.protocol === 'https:' ? https : http
  const agent = new transport.Agent({ keepAlive: true })
  const random = prng(options.seed ?? 1)
  const rates = options.rates ?? {}
  const stats: FaultProxyStats = { requests: 0, forwarded: 0, injected: emptyInjected() }

  function pickFault(): FaultKind | undefined {
    const draw = random()
    let sum = 0
    for (const kind of FAULT_ORDER) {
      sum += rates[kind] ?? 0
      if (draw < sum) return kind
    }
    return undefined
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, fault: 'reset' | 'truncate' | undefined): void {
    stats.forwarded++
    const upstream = transport.request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...copyHeaders(req.headers), host: target.host },
      agent,
    })
    upstream.on('error', () => res.destroy())
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    upstream.on('response', (incoming) => {
      res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, copyHeaders(incoming.headers))
      if (fault === 'reset') {
        stats.injected.reset++
        res.flushHeaders()
        incoming.destroy()
        setImmediate(() => res.destroy())
        return
      }
      if (fault === 'truncate' && incoming.headers['content-length'] !== '0') {
        incoming.once('data', (chunk: Buffer) => {
          stats.injected.truncate++
          incoming.pause()
          res.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => {
            incoming.destroy()
            res.destroy()
          })
        })
        incoming.once('end', () => res.end())
        return
      }
      incoming.pipe(res)
    })
    req.pipe(upstream)
  }

  const server = http.createServer((req, res) => {
    stats.requests++
    let fault = options.skip?.(req) ? undefined : pickFault()
    const resetBeforeHeaders = fault === 'reset' && random() < 0.5
    const act = (): void => {
      const status = fault === undefined ? undefined : STATUS_OF[fault]
      if (status !== undefined) {
        stats.injected[fault!]++
        req.resume()
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain' }
        if (status === 429) headers['retry-after'] = String(options.retryAfterSeconds ?? 1)
        res.writeHead(status, headers)
        res.end(`fault-proxy: injected ${status}\n`)
        return
      }
      if (resetBeforeHeaders) {
        stats.injected.reset++
        req.socket.destroy()
        return
      }
      if (fault !== 'reset' && fault !== 'truncate') fault = undefined
      forward(req, res, fault)
    }
    if (options.latencyMs) setTimeout(act, options.latencyMs)
    else act()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no TCP address')

  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    resetStats() {
      stats.requests = 0
      stats.forwarded = 0
      stats.injected = emptyInjected()
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      agent.destroy()
      await closed
    },
  }
}
