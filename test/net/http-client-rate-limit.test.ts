// Rate-limit signals of each network, answered by tiny servers that reproduce them over real HTTP.
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'

import { RemoteError } from '../../src/errors.js'
import { createHttpClient, type NetEvent } from '../../src/net/http-client.js'
import { MATRIX_BODIES } from '../../src/adapters/matrix/pacing.js'
import { MISSKEY_BODIES } from '../../src/adapters/misskey/pacing.js'
import { fakeClock, recordingSleep, startTinyServer, type TinyServer } from './tiny-server.js'

let servers: TinyServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

async function serve(...args: Parameters<typeof startTinyServer>): Promise<TinyServer> {
  const server = await startTinyServer(...args)
  servers.push(server)
  return server
}

describe('server-requested waits', () => {
  it('Retry-After as an HTTP-date', async () => {
    let retryAt = 0
    const server = await serve((_req, res, n) => {
      if (n === 0) {
        const now = Date.now()
        retryAt = Math.floor(now / 1000) * 1000 + 2000
        // The Date header from the same clock reading (Node's own is cached and can lag on a busy machine).
        res.writeHead(429, { date: new Date(now).toUTCString(), 'retry-after': new Date(retryAt).toUTCString() })
        res.end()
      } else res.end('ok')
    })
    const { sleep, waits } = recordingSleep()
    const client = createHttpClient({ sleep })
    assert.equal(await (await client.fetch(server.url)).text(), 'ok')
    assert.equal(waits.length, 1)
    const wait = waits[0]!
    assert.ok(wait.calledAt + wait.ms >= retryAt, `slept ${wait.ms} ms at ${wait.calledAt}, retry allowed at ${retryAt}`)
    assert.ok(wait.ms <= 2000)
  })

  it('X-RateLimit-Remaining 0 with an ISO-8601 Reset holds the next request until the reset (Mastodon)', async () => {
    const clock = fakeClock()
    const resetAt = clock.now() + 400
    const arrivals: number[] = []
    const server = await serve((_req, res, n) => {
      arrivals.push(clock.now())
      res.sendDate = false
      if (n === 0) {
        // Mastodon: ISO-8601 with fractional seconds (docs api/rate-limits.md)
        res.writeHead(200, { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': new Date(resetAt).toISOString() })
      }
      res.end(`r${n}`)
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e) })
    assert.equal(await (await client.fetch(server.url)).text(), 'r0')
    assert.equal(await (await client.fetch(server.url)).text(), 'r1')
    assert.equal(arrivals[1], resetAt, 'the second request waited for the reset')
    assert.deepEqual(events.map((e) => [e.type, e.waitMs]), [['paced', 400]])
    assert.equal(client.stats.retries, 0, 'pacing is not a retry')
  })

  it('AT Protocol ratelimit-reset in epoch seconds', async () => {
    let resetEpoch = 0
    const server = await serve((_req, res, n) => {
      if (n === 0) {
        const now = Date.now()
        resetEpoch = Math.ceil(now / 1000) + 30
        // The Date header from the same clock reading: Node's own is cached and refreshed by a timer, so on a busy
        // machine it can lag a second or more, and the client rightly waits by the later of its clock and the server's.
        res.writeHead(200, { date: new Date(now).toUTCString(), 'ratelimit-limit': '3000', 'ratelimit-remaining': '1', 'ratelimit-reset': String(resetEpoch), 'ratelimit-policy': '3000;w=300' })
      }
      res.end()
    })
    const { sleep, waits } = recordingSleep()
    const client = createHttpClient({ sleep })
    await (await client.fetch(server.url)).text()
    await (await client.fetch(server.url)).text()
    assert.equal(waits.length, 1)
    assert.ok(waits[0]!.calledAt + waits[0]!.ms >= resetEpoch * 1000)
    assert.ok(waits[0]!.ms <= 31_000)
  })

  it('Matrix: body-only retry_after_ms (Synapse 1.67), read by the Matrix adapter, holds every request of the bucket', async () => {
    // Shape from fixtures/matrix/synapse-1.67.0/211-send-429-after-burst.json: chunked JSON, no Retry-After.
    const clock = fakeClock()
    const arrivals: number[] = []
    const server = await serve((_req, res, n) => {
      arrivals.push(clock.now())
      if (n === 0) {
        res.writeHead(429, { 'content-type': 'application/json' })
        res.write('{"errcode":"M_LIMIT_EXCEEDED",')
        res.end('"error":"Too Many Requests","retry_after_ms":300}')
      } else res.end('{}')
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ concurrencyPerHost: 1, now: clock.now, sleep: clock.sleep, bodyReaders: [MATRIX_BODIES], onEvent: (e) => events.push(e) })
    const a = client.fetch(`${server.url}/_matrix/client/v3/rooms/!a/send/m.room.message/t1`, { method: 'PUT', body: '{}' })
    const b = client.fetch(`${server.url}/_matrix/client/v3/joined_rooms`)
    await Promise.all([(await a).text(), (await b).text()])
    assert.equal(server.hits.length, 3)
    assert.deepEqual(arrivals.slice(1), [arrivals[0]! + 300, arrivals[0]! + 300], 'both later requests waited the 300 ms')
    assert.deepEqual(events.map((e) => e.type).sort(), ['paced', 'rate-limited'])
    assert.equal(events.find((e) => e.type === 'rate-limited')!.waitMs, 300)
  })

  it('Misskey: RATE_LIMIT_EXCEEDED with Retry-After; the longest hint wins; the SDK sees the body when giving up', async () => {
    // Shape from fixtures/misskey/v2025.11.1/following_create__ratelimited-429.json.
    const clock = fakeClock()
    const body = (resetMs: number): string =>
      JSON.stringify({
        error: {
          message: 'Rate limit exceeded. Please try again later.',
          code: 'RATE_LIMIT_EXCEEDED',
          id: 'd5826d14-3982-4d2e-8011-b9e9f02499ef',
          kind: 'client',
          info: { remaining: 0, reset: Math.floor(resetMs / 1000), resetMs, total: 100 },
        },
      })
    const server = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json; charset=utf-8' })
      res.end(body(clock.now() + 2500))
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep, maxRetries: 1, onEvent: (e) => events.push(e) })
    client.registerBodyReader(MISSKEY_BODIES)
    const res = await client.fetch(`${server.url}/api/following/create`, { method: 'POST', body: JSON.stringify({ userId: 'x', i: 'tok' }) })
    assert.equal(res.status, 429)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'RATE_LIMIT_EXCEEDED')
    assert.equal(server.hits.length, 2)
    assert.deepEqual(events.map((e) => [e.type, e.waitMs]), [['rate-limited', 2500]])
    assert.deepEqual(clock.waits, [2500])
    assert.equal(client.stats.rateLimited, 2)
  })

  it('without the Misskey reader the same 429 waits only its Retry-After: src/net reads no network body itself', async () => {
    const clock = fakeClock()
    const server = await serve((_req, res, n) => {
      if (n > 0) return res.end('{}')
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'RATE_LIMIT_EXCEEDED', info: { resetMs: clock.now() + 2500 } } }))
    })
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep })
    await (await client.fetch(server.url)).text()
    assert.deepEqual(clock.waits, [1000])
  })

  it('a 429 with no hint at all (a proxy) backs off exponentially and retries', async () => {
    const server = await serve((_req, res, n) => {
      res.writeHead(n < 2 ? 429 : 200, { 'content-type': 'text/html' })
      res.end(n < 2 ? '<html>Too Many Requests</html>' : 'ok')
    })
    const { sleep, waits } = recordingSleep()
    const client = createHttpClient({ sleep, baseDelayMs: 1000, maxDelayMs: 60_000 })
    assert.equal(await client.request(server.url, {}, (r) => r.text()), 'ok')
    assert.equal(server.hits.length, 3)
    assert.equal(waits.length, 2)
    assert.ok(waits[0]!.ms < 1000 && waits[1]!.ms < 2000, JSON.stringify(waits))
  })

  it('fails at once with RemoteError when the server asks for longer than maxWaitMs', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '3599' })
      res.end()
    })
    const client = createHttpClient()
    for (const call of [() => client.fetch(server.url), () => client.request(server.url, {}, (r) => r.text())]) {
      await assert.rejects(
        call(),
        (error: unknown) =>
          error instanceof RemoteError && error.status === 429 && /asks to wait 60 min/.test(error.message) && /Try again after/.test(error.hint ?? ''),
      )
    }
    assert.equal(server.hits.length, 2)
  })

  it('503 with Retry-After is honoured like a 429', async () => {
    const server = await serve((_req, res, n) => {
      res.writeHead(n === 0 ? 503 : 200, n === 0 ? { 'retry-after': '7' } : {})
      res.end('x')
    })
    const clock = fakeClock()
    const events: NetEvent[] = []
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e) })
    await client.request(server.url, {}, (r) => r.text())
    assert.deepEqual(clock.waits, [7000])
    assert.deepEqual(events.map((e) => [e.type, e.status, e.waitMs]), [['retry', 503, 7000]])
  })
})

describe('queueing per host', () => {
  it('never has more than concurrencyPerHost requests in flight to one host', async () => {
    let inFlight = 0
    let peak = 0
    const server = await serve((_req, res) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      setTimeout(() => {
        inFlight--
        res.end()
      }, 30)
    })
    const client = createHttpClient({ concurrencyPerHost: 2 })
    await Promise.all(Array.from({ length: 6 }, () => client.request(server.url, {}, (r) => r.text())))
    assert.equal(peak, 2)
  })

  it('applies intervalCapPerHost', async () => {
    const server = await serve((_req, res) => res.end())
    const client = createHttpClient({ intervalCapPerHost: { intervalMs: 2000, cap: 2 } })
    const calls = Array.from({ length: 3 }, () => client.request(server.url, {}, (r) => r.text()))
    await Promise.all(calls.slice(0, 2))
    assert.equal(server.hits.length, 2, 'the third request waits for the next interval')
    await calls[2]
    assert.equal(server.hits.length, 3)
  })
})
