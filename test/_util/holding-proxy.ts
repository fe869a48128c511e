// A reverse proxy on 127.0.0.1 that can hold requests before forwarding them, so a test can see how many a client
// keeps in flight at once without timing anything: requests are let go on events (enough are waiting, a module has
// loaded), and the proxy counts the most that were in flight together. Bodies stream both ways.
import http from 'node:http'
import { copyHeaders } from './fault-proxy.js'

export interface HoldingProxyOptions {
  /** Base URL of the server to forward to, e.g. `http://127.0.0.1:4321`. */
  target: string
  /** Called as each request arrives; it is forwarded once the promise returned settles (at once for undefined). */
  hold?: (req: http.IncomingMessage) => Promise<unknown> | undefined
  /** The requests `stats` counts (default: all). */
  counts?: (req: http.IncomingMessage) => boolean
}

export interface HoldingProxyStats {
  /** Counted requests that arrived. */
  requests: number
  /** Counted requests arrived and not yet answered in full (held, or forwarded and the answer still coming). */
  inFlight: number
  /** The most counted requests that were in flight at once. */
  peak: number
}

export interface HoldingProxy {
  url: string
  stats: HoldingProxyStats
  close(): Promise<void>
}

export async function startHoldingProxy(options: HoldingProxyOptions): Promise<HoldingProxy> {
  const target = new URL(options.target)
  const agent = new http.Agent({ keepAlive: true })
  const stats: HoldingProxyStats = { requests: 0, inFlight: 0, peak: 0 }

  const server = http.createServer((req, res) => {
    const counted = options.counts?.(req) ?? true
    let answered = false
    // A request is over for the client when the last byte of its answer is handed over (or it broke): a new request
    // on the slot it frees can only arrive after that, so `peak` never counts one twice.
    const done = () => {
      if (counted && !answered) stats.inFlight--
      answered = true
    }
    if (counted) {
      stats.requests++
      stats.inFlight++
      stats.peak = Math.max(stats.peak, stats.inFlight)
    }
    res.on('close', done)
    const forward = () => {
      const upstream = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...copyHeaders(req.headers), host: target.host }, agent })
      upstream.on('error', () => res.destroy())
      upstream.on('response', (incoming) => {
        res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, copyHeaders(incoming.headers))
        incoming.on('end', done)
        incoming.pipe(res)
      })
      req.pipe(upstream)
    }
    const held = options.hold?.(req)
    if (held) held.then(forward, forward)
    else forward()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('holding proxy: no TCP address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      agent.destroy()
      await closed
    },
  }
}

export interface Batches {
  /** For `hold`: a promise that settles when this request's batch is let go. */
  hold(): Promise<void>
  /** Times the guard let a batch go short (see `heldInBatches`); 0 in a run where the client sent enough. */
  readonly stalls: number
}

/**
 * Holds requests until `size` are waiting, or all of the `total` not yet let go are, then lets them go together.
 * A client that never sends `size` at once would wait forever: a guard lets the waiting ones go when none has arrived
 * for `guardMs`, counts a stall, and holds nothing after that. The guard only ends a run that is failing anyway; it
 * never fires in one where the client sends enough.
 */
export function heldInBatches(size: number, total: number, guardMs = 30_000): Batches {
  const waiting: (() => void)[] = []
  let letGo = 0
  let stalls = 0
  let timer: NodeJS.Timeout | undefined
  const release = () => {
    clearTimeout(timer)
    letGo += waiting.length
    for (const go of waiting.splice(0)) go()
  }
  return {
    get stalls() {
      return stalls
    },
    hold() {
      if (stalls > 0) return Promise.resolve()
      const held = new Promise<void>((resolve) => waiting.push(resolve))
      if (waiting.length >= size || letGo + waiting.length >= total) release()
      else {
        clearTimeout(timer)
        timer = setTimeout(() => {
          stalls++
          release()
        }, guardMs)
        timer.unref()
      }
      return held
    },
  }
}
