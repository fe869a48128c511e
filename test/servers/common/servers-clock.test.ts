// Each test server on one ManualClock: the 429 in its own dialect, a reset read from that clock, the request allowed
// again once the clock has moved, and timestamps taken from the same clock. No real time passes.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startMastodonServer } from '../mastodon/mastodon-server.js'
import { startMatrixServer } from '../matrix/server.js'
import { startMisskeyServer } from '../misskey/server.js'
import { ManualClock } from './clock.js'

describe('test servers on a shared ManualClock', () => {
  it('Misskey: 429 RATE_LIMIT_EXCEEDED, info.resetMs and Retry-After from the clock, allowed after the window', async () => {
    const clock = new ManualClock('2026-11-22T10:00:00.000Z')
    const t0 = clock.now()
    const server = await startMisskeyServer({ clock, rateLimits: { overrides: { 'following/create': { duration: 1000, max: 1 } } } })
    try {
      const alice = server.seed.user({ username: 'alice' })
      const bob = server.seed.user({ username: 'bob' })
      const i = server.seed.token(alice)
      const post = async () => {
        const res = await fetch(`${server.url}/api/following/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: bob.id, i }) })
        return { status: res.status, retryAfter: res.headers.get('retry-after'), rateHeaders: [...res.headers.keys()].filter((k) => k.startsWith('x-ratelimit')), body: (await res.json()) as any }
      }
      assert.equal((await post()).status, 200)
      const limited = await post()
      assert.equal(limited.status, 429)
      assert.equal(limited.body.error.code, 'RATE_LIMIT_EXCEEDED')
      assert.deepEqual(limited.body.error.info, { remaining: 0, reset: Math.floor((t0 + 1000) / 1000), resetMs: t0 + 1000, total: 1 })
      assert.equal(limited.retryAfter, '1')
      assert.deepEqual(limited.rateHeaders, [], 'Misskey sends no X-RateLimit-* headers')
      clock.advance(1000)
      assert.equal((await post()).body.error?.code, 'ALREADY_FOLLOWING', 'past the window the call goes through')
      assert.equal(server.log[0]!.at, t0)
      assert.equal(server.log.at(-1)!.at, t0 + 1000)
      assert.equal(server.clock, clock)
    } finally {
      await server.close()
    }
  })

  it('Mastodon: X-RateLimit-* with an ISO Reset from the clock, 429 at the limit, a new window after it', async () => {
    const clock = new ManualClock('2025-01-01T00:00:10.250Z')
    const server = await startMastodonServer({ clock, rateLimits: { perToken: { limit: 2, periodSeconds: 60 } } })
    try {
      const alice = server.seed.account({ username: 'alice' })
      const token = server.seed.token(alice.id)
      const get = async () => {
        const res = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token}` } })
        return { status: res.status, limit: res.headers.get('x-ratelimit-limit'), remaining: res.headers.get('x-ratelimit-remaining'), reset: res.headers.get('x-ratelimit-reset'), body: (await res.json()) as any }
      }
      const first = await get()
      assert.deepEqual([first.status, first.limit, first.remaining, first.reset], [200, '2', '1', '2025-01-01T00:01:00.250000Z'])
      assert.equal((await get()).remaining, '0')
      const limited = await get()
      assert.deepEqual([limited.status, limited.limit, limited.remaining, limited.reset], [429, '2', '0', '2025-01-01T00:01:00.250000Z'])
      assert.deepEqual(limited.body, { error: 'Too many requests' })
      clock.set('2025-01-01T00:01:00.000Z')
      const next = await get()
      assert.deepEqual([next.status, next.remaining, next.reset], [200, '1', '2025-01-01T00:02:00.000000Z'])
      assert.equal(server.requests[0]!.at, Date.parse('2025-01-01T00:00:10.250Z'))
      assert.equal(server.clock, clock)
    } finally {
      await server.close()
    }
  })

  it('Matrix (synapse167): M_LIMIT_EXCEEDED with retry_after_ms only, allowed after it; events stamped by the clock', async () => {
    const clock = new ManualClock('2026-11-22T09:42:15.000Z')
    const t0 = clock.now()
    const server = await startMatrixServer({ compat: 'synapse167', clock, rateLimits: { createRoom: { perSecond: 0.5, burst: 1 } } })
    try {
      const alice = server.seed.user('alice')
      const create = async () => {
        const res = await fetch(`${server.url}/_matrix/client/v3/createRoom`, { method: 'POST', headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' }, body: '{}' })
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any }
      }
      const first = await create()
      assert.equal(first.status, 200)
      const limited = await create()
      assert.equal(limited.status, 429)
      assert.equal(limited.retryAfter, null)
      assert.deepEqual(limited.body, { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 2000 })
      clock.advance(limited.body.retry_after_ms)
      assert.equal((await create()).status, 200)
      const room = server.state.rooms.get(first.body.room_id)!
      const createEvent = room.current('m.room.create', '')!
      assert.equal(createEvent.origin_server_ts, t0)
      assert.equal(server.requests[0]!.at, t0)
    } finally {
      await server.close()
    }
  })
})
