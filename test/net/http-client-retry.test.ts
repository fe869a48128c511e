// Retry behaviour of the HTTP client over real HTTP on 127.0.0.1.
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'

import { InterruptedError, RemoteError, UsageError } from '../../src/errors.js'
import { createHttpClient, type NetEvent } from '../../src/net/http-client.js'
import { clearRegisteredSecrets, registerSecret } from '../../src/net/redact.js'
import { closedPort, fakeClock, startTinyServer, type TinyServer } from './tiny-server.js'

let servers: TinyServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
  clearRegisteredSecrets()
})

async function serve(...args: Parameters<typeof startTinyServer>): Promise<TinyServer> {
  const server = await startTinyServer(...args)
  servers.push(server)
  return server
}

const fast = { baseDelayMs: 1, maxDelayMs: 5 }

describe('retries', () => {
  it('waits the Retry-After of a 429 before the next attempt', async () => {
    const server = await serve((_req, res, n) => {
      if (n === 0) {
        res.writeHead(429, { 'retry-after': '1' })
        res.end()
      } else res.end('ok')
    })
    const events: NetEvent[] = []
    const clock = fakeClock()
    const client = createHttpClient({ now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e) })
    const res = await client.fetch(`${server.url}/x`)
    assert.equal(await res.text(), 'ok')
    assert.equal(server.hits.length, 2)
    assert.deepEqual(clock.waits, [1000], 'the second request waited the whole second')
    assert.deepEqual(
      events.map((e) => [e.type, e.status, e.waitMs]),
      [['rate-limited', 429, 1000]],
    )
    assert.deepEqual({ ...client.stats }, { requests: 2, retries: 1, rateLimited: 1 })
  })

  for (const status of [400, 401, 403, 404, 422]) {
    it(`never retries ${status}; fetch returns it and request hands it to consume`, async () => {
      const server = await serve((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: `e${status}` }))
      })
      const client = createHttpClient(fast)
      const res = await client.fetch(server.url)
      assert.equal(res.status, status)
      assert.deepEqual(await res.json(), { error: `e${status}` })
      const seen = await client.request(server.url, {}, async (r) => r.status)
      assert.equal(seen, status)
      assert.equal(server.hits.length, 2)
      assert.equal(client.stats.retries, 0)
    })
  }

  for (const status of [500, 502, 503, 504]) {
    it(`retries ${status}`, async () => {
      const server = await serve((_req, res, n) => {
        res.writeHead(n === 0 ? status : 200)
        res.end(n === 0 ? 'fail' : 'fine')
      })
      const client = createHttpClient(fast)
      assert.equal(await client.request(server.url, {}, (r) => r.text()), 'fine')
      assert.equal(server.hits.length, 2)
    })
  }

  it('retries a connection reset before the headers (fetch path)', async () => {
    const server = await serve((req, res, n) => {
      if (n === 0) req.socket.destroy()
      else res.end('after reset')
    })
    const client = createHttpClient(fast)
    const res = await client.fetch(server.url, { method: 'POST', body: JSON.stringify({ a: 1 }) })
    assert.equal(await res.text(), 'after reset')
    assert.equal(server.hits.length, 2)
    assert.equal(server.hits[1]!.body, '{"a":1}', 'the body is sent again')
  })

  it('retries a truncated body as one unit in request()', async () => {
    const server = await serve((_req, res, n) => {
      res.writeHead(200, { 'content-length': '20' })
      if (n === 0) {
        res.write('0123456789')
        setTimeout(() => res.destroy(), 10)
      } else res.end('01234567890123456789')
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ ...fast, onEvent: (e) => events.push(e) })
    assert.equal(await client.request(server.url, {}, (r) => r.text()), '01234567890123456789')
    assert.equal(server.hits.length, 2)
    assert.equal(events[0]?.reason, 'response cut off before its end')
  })

  it('rethrows a consume error that is not a network failure, without retrying', async () => {
    const server = await serve((_req, res) => res.end('not json'))
    const client = createHttpClient(fast)
    await assert.rejects(client.request(server.url, {}, (r) => r.json()), SyntaxError)
    assert.equal(server.hits.length, 1)
  })

  it('retries when the headers do not come within headersTimeoutMs', async () => {
    const server = await serve((_req, res, n) => {
      if (n > 0) res.end('late but fine')
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ ...fast, headersTimeoutMs: 150, onEvent: (e) => events.push(e) })
    assert.equal(await client.request(server.url, {}, (r) => r.text()), 'late but fine')
    assert.equal(server.hits.length, 2)
    assert.equal(events[0]?.reason, 'timed out: no response headers within 150 ms')
  })

  it('does not time out a slow upload that keeps making progress', async () => {
    const server = await serve((_req, res) => res.end('stored'))
    // Five pauses of 300 ms: the upload takes longer than the timeout, each pause is well within it.
    const client = createHttpClient({ ...fast, headersTimeoutMs: 1000 })
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 5) return controller.close()
        await new Promise((resolve) => setTimeout(resolve, 300))
        sent++
        controller.enqueue(new TextEncoder().encode(`part${sent};`))
      },
    })
    const res = await client.fetch(server.url, { method: 'POST', body })
    assert.equal(await res.text(), 'stored')
    assert.equal(server.hits.length, 1)
    assert.equal(server.hits[0]!.body, 'part1;part2;part3;part4;part5;')
  })

  it('gives up after maxRetries: request throws RemoteError, fetch returns the last response', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('down for maintenance')
    })
    const client = createHttpClient({ ...fast, maxRetries: 2 })
    await assert.rejects(
      client.request(`${server.url}/api`, {}, (r) => r.text()),
      (error: unknown) =>
        error instanceof RemoteError &&
        error.status === 503 &&
        error.message === `127.0.0.1:${server.port} answered 503 Service Unavailable 3 times in a row.` &&
        /try again later/.test(error.hint ?? ''),
    )
    assert.equal(server.hits.length, 3)
    const res = await client.fetch(`${server.url}/api`)
    assert.equal(res.status, 503)
    assert.equal(await res.text(), 'down for maintenance')
    assert.equal(server.hits.length, 6)
  })

  it('reports a refused connection as "cannot reach" after a few attempts', async () => {
    const port = await closedPort()
    const client = createHttpClient(fast)
    await assert.rejects(
      client.fetch(`http://127.0.0.1:${port}/`),
      (error: unknown) => error instanceof RemoteError && error.message === `Cannot reach 127.0.0.1:${port}: connection refused (4 attempts).`,
    )
    assert.equal(client.stats.requests, 4)
  })

  it('does not resend a stream body that the server already read', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503)
      res.end()
    })
    const client = createHttpClient(fast)
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'))
        controller.close()
      },
    })
    const res = await client.fetch(server.url, { method: 'POST', body })
    assert.equal(res.status, 503)
    assert.equal(server.hits.length, 1)
    assert.equal(server.hits[0]!.body, 'streamed')
  })
})

describe('safety', () => {
  it('refuses plain http to a non-loopback host before any network call', async () => {
    let called = false
    const client = createHttpClient({
      fetchImpl: async () => {
        called = true
        return new Response('')
      },
    })
    await assert.rejects(client.fetch('http://mastodon.example/api/v1/instance'), UsageError)
    await assert.rejects(client.request('http://10.0.0.1/', {}, async () => 1), UsageError)
    assert.equal(called, false)
  })

  it('sends a User-Agent on every request; a caller-set one wins', async () => {
    const server = await serve((_req, res) => res.end())
    const client = createHttpClient()
    await (await client.fetch(server.url)).text()
    await (await client.fetch(server.url, { headers: { 'User-Agent': 'sdk/1' } })).text()
    assert.match(server.hits[0]!.headers['user-agent'] ?? '', /^lifeboat\/\d+\.\d+\.\d+/)
    assert.equal(server.hits[1]!.headers['user-agent'], 'sdk/1')
  })

  it('follows redirects itself: 307 keeps method and body, another origin loses Authorization, http elsewhere is refused', async () => {
    const target = await serve((_req, res) => res.end('landed'))
    const server = await serve((req, res) => {
      const location = req.url === '/same' ? '/final' : req.url === '/cross' ? `http://localhost:${target.port}/x` : 'http://evil.example/'
      if (req.url === '/final') return res.end('same-origin')
      res.writeHead(307, { location })
      res.end()
    })
    const client = createHttpClient(fast)
    const init = { method: 'POST', body: 'payload', headers: { authorization: 'Bearer tok' } }
    assert.equal(await (await client.fetch(`${server.url}/same`, init)).text(), 'same-origin')
    assert.equal(server.hits[1]!.method, 'POST')
    assert.equal(server.hits[1]!.body, 'payload')
    assert.equal(server.hits[1]!.headers.authorization, 'Bearer tok')
    assert.equal(await (await client.fetch(`${server.url}/cross`, init)).text(), 'landed')
    assert.equal(target.hits[0]!.headers.authorization, undefined)
    await assert.rejects(client.fetch(`${server.url}/evil`, init), UsageError)
  })

  it('keeps registered tokens out of events and error messages', async () => {
    registerSecret('syt_supersecret')
    const server = await serve((_req, res) => {
      res.writeHead(502)
      res.end()
    })
    const events: NetEvent[] = []
    const client = createHttpClient({ ...fast, maxRetries: 2, onEvent: (e) => events.push(e) })
    const error = await client.request(`${server.url}/sync?access_token=syt_supersecret&i=syt_supersecret`, {}, (r) => r.text()).catch((e: unknown) => e)
    assert.ok(error instanceof RemoteError)
    assert.equal(events.length, 2)
    const everything = JSON.stringify({ events, message: error.message, hint: error.hint, details: error.details })
    assert.ok(!everything.includes('supersecret'), everything)
    assert.ok(events[0]!.url.includes('access_token=***'))

    const port = await closedPort()
    const refused = await client.fetch(`http://127.0.0.1:${port}/x?access_token=syt_supersecret`).catch((e: unknown) => e)
    assert.ok(refused instanceof RemoteError)
    const text = JSON.stringify({ message: refused.message, hint: refused.hint, details: refused.details })
    assert.ok(!text.includes('supersecret'), text)
  })
})

describe('aborting', () => {
  it('rejects with InterruptedError promptly during a long Retry-After wait', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '60' })
      res.end()
    })
    const controller = new AbortController()
    // The 60 s wait is real: only the abort can end it before the test's own timeout.
    const client = createHttpClient({ signal: controller.signal, onEvent: () => controller.abort() })
    await assert.rejects(client.fetch(server.url), InterruptedError)
    assert.equal(server.hits.length, 1)
  })

  it('a per-call signal aborts a request queued behind a busy host', async () => {
    let release: () => void = () => undefined
    let arrived: () => void = () => undefined
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve))
    const server = await serve((_req, res) => {
      release = () => res.end('slow')
      arrived()
    })
    const client = createHttpClient({ concurrencyPerHost: 1 })
    const first = client.fetch(server.url)
    const controller = new AbortController()
    const second = client.fetch(server.url, { signal: controller.signal })
    await firstArrived
    controller.abort()
    await assert.rejects(second, InterruptedError)
    release()
    assert.equal(await (await first).text(), 'slow')
    assert.equal(server.hits.length, 1)
  })
})
