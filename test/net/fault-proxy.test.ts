// The fault proxy itself, and the client surviving it: many requests through 20 % mixed faults all succeed.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { afterEach, describe, it } from 'node:test'

import { createHttpClient } from '../../src/net/http-client.js'
import { startFaultProxy, type FaultProxy } from '../_util/fault-proxy.js'
import { startTinyServer, type TinyServer } from './tiny-server.js'

let cleanup: Array<TinyServer | FaultProxy> = []
afterEach(async () => {
  await Promise.all(cleanup.map((c) => c.close()))
  cleanup = []
})

/** Deterministic content for /item/N; every 25th item is large (300 KB) so truncation lands mid-stream. */
function itemBody(n: number): string {
  const size = n % 25 === 0 ? 300_000 : 50 + (n % 7) * 100
  return createHash('sha256').update(String(n)).digest('hex').repeat(Math.ceil(size / 64)).slice(0, size)
}

async function upstream(): Promise<TinyServer> {
  const server = await startTinyServer((req, res, _n, hit) => {
    const match = /^\/item\/(\d+)$/.exec(req.url ?? '')
    if (req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(`echo:${hit.body}`)
      return
    }
    if (match === null) {
      res.writeHead(404)
      res.end()
      return
    }
    const body = itemBody(Number(match[1]))
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  cleanup.push(server)
  return server
}

describe('fault proxy', () => {
  it('forwards untouched without faults (Host rewritten, bodies both ways) and counts requests', async () => {
    const target = await upstream()
    const proxy = await startFaultProxy({ target: target.url })
    cleanup.push(proxy)
    const got = await fetch(`${proxy.url}/item/3`)
    assert.equal(await got.text(), itemBody(3))
    const echo = await fetch(`${proxy.url}/echo`, { method: 'POST', body: 'x'.repeat(100_000) })
    assert.equal(await echo.text(), `echo:${'x'.repeat(100_000)}`)
    assert.equal(target.hits[0]!.headers.host, new URL(target.url).host)
    assert.deepEqual({ requests: proxy.stats.requests, forwarded: proxy.stats.forwarded }, { requests: 2, forwarded: 2 })
    proxy.resetStats()
    assert.equal(proxy.stats.requests, 0)
  })

  it('injects each fault kind as configured, reproducibly from the seed', async () => {
    const target = await upstream()
    const outcomes: string[][] = []
    for (let run = 0; run < 2; run++) {
      const proxy = await startFaultProxy({ target: target.url, seed: 7, rates: { status429: 0.2, status503: 0.2, reset: 0.2, truncate: 0.2 }, retryAfterSeconds: 3 })
      cleanup.push(proxy)
      const seen: string[] = []
      for (let n = 0; n < 30; n++) {
        try {
          const res = await fetch(`${proxy.url}/item/${n === 0 ? 25 : n}`)
          if (res.status === 429) assert.equal(res.headers.get('retry-after'), '3')
          const text = await res.text()
          seen.push(res.status === 200 ? (text === itemBody(n === 0 ? 25 : n) ? 'ok' : 'corrupt') : String(res.status))
        } catch {
          seen.push('broken')
        }
      }
      assert.ok(!seen.includes('corrupt'), 'a truncated body is never delivered as complete')
      const injected = proxy.stats.injected
      assert.ok(injected.status429 > 0 && injected.status503 > 0 && injected.reset > 0 && injected.truncate > 0, JSON.stringify(injected))
      assert.equal(seen.filter((s) => s === 'broken').length, injected.reset + injected.truncate)
      outcomes.push(seen)
    }
    assert.deepEqual(outcomes[0], outcomes[1])
  })

  it('leaves requests chosen by skip untouched', async () => {
    const target = await upstream()
    const proxy = await startFaultProxy({ target: target.url, rates: { status500: 1 }, skip: (req) => req.url === '/item/1' })
    cleanup.push(proxy)
    assert.equal((await fetch(`${proxy.url}/item/1`)).status, 200)
    assert.equal((await fetch(`${proxy.url}/item/2`)).status, 500)
    assert.deepEqual(proxy.stats.injected.status500, 1)
  })

  it('with 20 % mixed faults, 200 requests through the client all succeed with correct bodies', async () => {
    const target = await upstream()
    const proxy = await startFaultProxy({
      target: target.url,
      seed: 42,
      latencyMs: 1,
      retryAfterSeconds: 0,
      rates: { status429: 0.03, status500: 0.03, status502: 0.03, status503: 0.03, reset: 0.04, truncate: 0.04 },
    })
    cleanup.push(proxy)
    const client = createHttpClient({ baseDelayMs: 2, maxDelayMs: 20, maxRetries: 10 })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, n) => client.request(`${proxy.url}/item/${n}`, {}, (res) => res.text())),
    )
    results.forEach((body, n) => assert.equal(body, itemBody(n), `item ${n}`))
    const injected = Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0)
    assert.ok(injected >= 20, `only ${injected} faults injected`)
    for (const [kind, count] of Object.entries(proxy.stats.injected)) assert.ok(count > 0, `no ${kind} injected`)
    assert.equal(client.stats.requests, proxy.stats.requests)
    assert.equal(client.stats.retries, proxy.stats.requests - 200)
  })
})
