// Timeouts, the retry budget, abort listeners, permanent 5xx and rate-limit buckets of the HTTP client, over real
// HTTP on 127.0.0.1. Timeouts are configured small and outcomes asserted, never durations.
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'

import { RemoteError, UsageError } from '../../src/errors.js'
import type { BodyReader } from '../../src/net/body-readers.js'
import { createHttpClient, type NetEvent, type RateLimitInfo } from '../../src/net/http-client.js'
import { MISSKEY_BODIES } from '../../src/adapters/misskey/pacing.js'
import { fakeClock, startTinyServer, type TinyServer } from './tiny-server.js'

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

const fast = { baseDelayMs: 1, maxDelayMs: 5 }

describe('timeouts', () => {
  it('a server that never answers: a few attempts, then one RemoteError naming the wait', async () => {
    const server = await serve(() => undefined)
    const client = createHttpClient({ ...fast, headersTimeoutMs: 100, maxRetries: 2 })
    await assert.rejects(
      client.request(server.url, {}, (r) => r.text()),
      (error: unknown) =>
        error instanceof RemoteError &&
        error.message === `Request to 127.0.0.1:${server.port} failed: timed out: no response headers within 100 ms (3 attempts).`,
    )
    assert.equal(client.stats.requests, 3)
  })

  it('headers then a stalled body: the idle timeout ends the read and request() retries it', async () => {
    const server = await serve((_req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10' })
      if (n === 0) res.write('01234')
      else res.end('0123456789')
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ ...fast, idleTimeoutMs: 150, onEvent: (e) => events.push(e) })
    assert.equal(await client.request(server.url, {}, (r) => r.text()), '0123456789')
    assert.equal(server.hits.length, 2)
    assert.equal(events[0]?.reason, 'timed out: no data for 150 ms while reading the answer')
  })

  it('a body that always stalls ends in RemoteError; through fetch() the SDK reading it gets an error, not a hang', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"partial":')
    })
    const client = createHttpClient({ ...fast, idleTimeoutMs: 100, maxRetries: 1 })
    await assert.rejects(client.request(server.url, {}, (r) => r.json()), (error: unknown) => error instanceof RemoteError && /no data for 100 ms/.test(error.message))
    assert.equal(server.hits.length, 2)
    const res = await client.fetch(server.url)
    await assert.rejects(res.json(), /no data for 100 ms/)
  })

  it('a body that keeps flowing slower than the idle timeout in total is not cut', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200)
      let i = 0
      const tick = (): void => {
        if (i === 4) return void res.end('end')
        res.write(`${i++};`)
        setTimeout(tick, 100)
      }
      tick()
    })
    const client = createHttpClient({ ...fast, idleTimeoutMs: 1000 })
    assert.equal(await client.request(server.url, {}, (r) => r.text()), '0;1;2;3;end')
    assert.equal(server.hits.length, 1)
  })

  it('retries stop once the request has spent its retry budget (clock injected)', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503)
      res.end()
    })
    const clock = fakeClock()
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep, baseDelayMs: 400, maxDelayMs: 400, maxRetries: 1000, retriesTimeoutMs: 2000 })
    await assert.rejects(client.request(server.url, {}, (r) => r.text()), (error: unknown) => error instanceof RemoteError && error.status === 503)
    const slept = clock.waits.reduce((a, b) => a + b, 0)
    assert.ok(slept <= 2000, `slept ${slept} ms of backoff in all`)
    assert.ok(server.hits.length >= 2 && server.hits.length < 1000)
  })

  it('LIFEBOAT_TIMEOUT_* set the timeouts; a bad value is a usage error', async () => {
    const server = await serve(() => undefined)
    const client = createHttpClient({ ...fast, maxRetries: 0, env: { LIFEBOAT_TIMEOUT_HEADERS: '0.1' } })
    await assert.rejects(client.fetch(server.url), /no response headers within 100 ms/)
    assert.throws(() => createHttpClient({ env: { LIFEBOAT_TIMEOUT_IDLE: 'soon' } }), (error: unknown) => error instanceof UsageError && /LIFEBOAT_TIMEOUT_IDLE must be a positive number of seconds/.test(error.message))
    assert.throws(() => createHttpClient({ env: { LIFEBOAT_TIMEOUT_RETRIES: '0' } }), UsageError)
  })
})

describe('abort listeners', () => {
  it('many retries of one request and many queued requests on one run signal print no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const server = await serve((req, res, n) => {
        if (req.url === '/flaky' && n < 40) return void req.socket.destroy()
        if (n % 3 === 0) return void req.socket.destroy()
        res.end('ok')
      })
      const controller = new AbortController()
      const client = createHttpClient({ ...fast, signal: controller.signal, maxRetries: 60, retriesTimeoutMs: 600_000 })
      assert.equal(await client.request(`${server.url}/flaky`, {}, (r) => r.text()), 'ok')
      const many = Array.from({ length: 40 }, (_, i) => client.request(`${server.url}/n${i}`, {}, (r) => r.text()))
      assert.deepEqual(new Set(await Promise.all(many)), new Set(['ok']))
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    assert.deepEqual(warnings.map((w) => w.name), [])
  })
})

describe('permanent 5xx', () => {
  const failed = JSON.stringify({ error: { message: 'Failed to resolve remote user.', code: 'FAILED_TO_RESOLVE_REMOTE_USER', id: 'ef7b9be4-9cba-4e6f-ab41-90ed171c7d3c', kind: 'server' } })

  it('a 5xx whose body a registered reader calls permanent is handed over at once, not retried', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
      res.end(failed)
    })
    const client = createHttpClient(fast)
    client.registerBodyReader(MISSKEY_BODIES)
    const seen = await client.request(`${server.url}/api/users/show`, { method: 'POST', body: '{}' }, async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code])
    assert.deepEqual(seen, [500, 'FAILED_TO_RESOLVE_REMOTE_USER'])
    assert.equal(server.hits.length, 1)
    const res = await client.fetch(`${server.url}/api/users/show`, { method: 'POST', body: '{}' })
    assert.equal(res.status, 500)
    assert.equal(server.hits.length, 2)
    assert.equal(client.stats.retries, 0)
  })

  it('without the reader (or for another code) the same 500 is retried', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(failed)
    })
    const other: BodyReader = { permanent: (_status, body) => (body as { code?: string }).code === 'GONE' }
    const client = createHttpClient({ ...fast, maxRetries: 2, bodyReaders: [other] })
    const status = await client.fetch(server.url).then((r) => r.status)
    assert.equal(status, 500)
    assert.equal(server.hits.length, 3)
  })
})

describe('rate-limit buckets', () => {
  it('a used-up window holds only the bucket that said so; the limits reach the caller', async () => {
    const clock = fakeClock()
    const resetAt = clock.now() + 10 * 60_000
    const arrivals: Array<[string, number]> = []
    const server = await serve((req, res) => {
      arrivals.push([req.url ?? '', clock.now()])
      res.sendDate = false
      if (req.url === '/follow') res.writeHead(200, { 'x-ratelimit-limit': '400', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': new Date(resetAt).toISOString() })
      res.end('{}')
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e) })
    let limits: RateLimitInfo | undefined
    await client.request(`${server.url}/follow`, { method: 'POST' }, async (r, l) => {
      limits = l
      return r.text()
    }, { bucket: 'follows' })
    assert.deepEqual(limits, { retryAfterMs: undefined, limit: 400, remaining: 0, resetInMs: 600_000 })
    await client.request(`${server.url}/other`, {}, (r) => r.text())
    assert.deepEqual(clock.waits, [], 'another bucket of the host goes at once')
    await client.request(`${server.url}/follow`, { method: 'POST' }, (r) => r.text(), { bucket: 'follows' })
    assert.deepEqual(clock.waits, [600_000], 'the same bucket waits for its reset')
    assert.deepEqual(arrivals.map(([url]) => url), ['/follow', '/other', '/follow'])
    assert.equal(arrivals[2]![1], resetAt)
    assert.deepEqual(events.map((e) => e.type), ['paced'])
  })

  it('a 429 holds its bucket only; reserve 0 spends the last request of a window', async () => {
    const clock = fakeClock()
    const server = await serve((req, res, n) => {
      res.sendDate = false
      if (req.url === '/limited' && n === 0) {
        res.writeHead(429, { 'retry-after': '30' })
        return void res.end()
      }
      res.writeHead(200, { 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': new Date(clock.now() + 60_000).toISOString() })
      res.end('{}')
    })
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep })
    const limited = client.request(`${server.url}/limited`, {}, (r) => r.text(), { bucket: 'a' })
    await limited
    assert.deepEqual(clock.waits, [30_000])
    await client.request(`${server.url}/b1`, {}, (r) => r.text(), { bucket: 'b', reserve: 0 })
    await client.request(`${server.url}/b2`, {}, (r) => r.text(), { bucket: 'b', reserve: 0 })
    assert.deepEqual(clock.waits, [30_000], 'remaining 1 with reserve 0 holds nothing')
    await client.request(`${server.url}/c1`, {}, (r) => r.text(), { bucket: 'c' })
    await client.request(`${server.url}/c2`, {}, (r) => r.text(), { bucket: 'c' })
    assert.deepEqual(clock.waits, [30_000, 60_000], 'remaining 1 with the default reserve holds the bucket')
  })
})
