// Paging, limits, rate-limit headers and 429s, the daily follow cap, scopes and error bodies of the Mastodon test
// server, over real HTTP with plain fetch.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startMastodonServer, type MastodonTestServer } from './mastodon-server.js'
import { call, pageAll, parseLink } from './test-client.js'

describe('Mastodon test server: paging and limits', () => {
  let server: MastodonTestServer
  let alice: { id: string }
  let token: string
  let followIds: string[]

  before(async () => {
    server = await startMastodonServer({ domain: 'old.test', rateLimits: { enabled: false } })
    alice = server.seed.account({ username: 'alice', displayName: 'Alice' })
    token = server.seed.token(alice.id)
    server.seed.statuses(alice.id, 20_000, (i) => ({ text: `post ${i}`, visibility: i % 10 === 0 ? 'private' : 'public' }))
    followIds = []
    for (let i = 0; i < 130; i++) {
      const friend = server.seed.account({ username: `friend${i}`, domain: 'remote.test' })
      server.seed.follow(alice.id, friend.id)
      followIds.push(friend.id)
    }
  })
  after(() => server.close())

  it('pages all 20,000 statuses through Link headers, newest first, 40 at most per page', async () => {
    const { items, pages } = await pageAll(`${server.url}/api/v1/accounts/${alice.id}/statuses?limit=80`, token)
    assert.equal(items.length, 20_000)
    assert.equal(pages, 501, '500 full pages of 40, then an empty one ends the walk')
    const ids = items.map((s) => BigInt(s.id))
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! > ids[i]!, 'strictly descending')
    assert.equal(items[0].content, '<p>post 19999</p>')
  })

  it('defaults to 20, hides private statuses from anonymous readers, and links prev with min_id', async () => {
    const res = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses`)
    assert.equal(res.status, 200)
    assert.equal(res.json.length, 20)
    assert.ok(res.json.every((s: any) => s.visibility === 'public'))
    const link = parseLink(res.headers.get('link'))
    assert.equal(link.next, `${server.url}/api/v1/accounts/${alice.id}/statuses?max_id=${res.json[19].id}`)
    assert.equal(link.prev, `${server.url}/api/v1/accounts/${alice.id}/statuses?min_id=${res.json[0].id}`)
  })

  it('pages forward with min_id: the statuses immediately newer, still newest first', async () => {
    const all = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?limit=40`, { token })
    const oldest = all.json[39].id
    const newer = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?min_id=${oldest}&limit=5`, { token })
    assert.deepEqual(newer.json.map((s: any) => s.id), all.json.slice(34, 39).map((s: any) => s.id))
  })

  it('carries limit and filters into the Link URLs, with query keys sorted', async () => {
    const res = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?exclude_replies=true&limit=3`, { token })
    const next = parseLink(res.headers.get('link')).next!
    assert.match(next, /\?exclude_replies=true&limit=3&max_id=\d+$/)
  })

  it('pages following only through the Link header: max_id is a Follow id, 40 by default, 80 at most', async () => {
    const first = await call(`${server.url}/api/v1/accounts/${alice.id}/following`)
    assert.equal(first.json.length, 40)
    const next = parseLink(first.headers.get('link')).next!
    const cursor = new URL(next).searchParams.get('max_id')!
    assert.ok(!followIds.includes(cursor), 'the cursor is not an account id')
    const { items, pages } = await pageAll(`${server.url}/api/v1/accounts/${alice.id}/following?limit=200`)
    assert.equal(items.length, 130)
    assert.equal(pages, 2, '80 then 50')
    assert.deepEqual(new Set(items.map((a) => a.id)), new Set(followIds))
    assert.equal(items[0].acct, 'friend129@remote.test', 'newest follow first')
  })

  it('shows the viewer its own statuses of every visibility', async () => {
    const res = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?limit=10`, { token })
    assert.ok(res.json.some((s: any) => s.visibility === 'private'))
  })
})

describe('Mastodon test server: rate limits', () => {
  let server: MastodonTestServer
  let clock = Date.parse('2025-01-01T00:00:10.250Z')
  let alice: { id: string }
  let token: string

  before(async () => {
    server = await startMastodonServer({
      now: () => clock,
      rateLimits: { perToken: { limit: 5, periodSeconds: 60 }, paging: { limit: 3, periodSeconds: 120 }, follows: { limit: 3, periodSeconds: 86_400 } },
    })
    alice = server.seed.account({ username: 'alice' })
    token = server.seed.token(alice.id)
  })
  after(() => server.close())

  it('sends X-RateLimit-* with an ISO-8601 Reset and answers 429 once the budget is spent', async () => {
    server.resetRateLimits()
    const first = await call(`${server.url}/api/v1/accounts/verify_credentials`, { token })
    assert.equal(first.status, 200)
    assert.equal(first.json.source.privacy, 'public')
    assert.equal(first.headers.get('x-ratelimit-limit'), '5')
    assert.equal(first.headers.get('x-ratelimit-remaining'), '4')
    assert.equal(first.headers.get('x-ratelimit-reset'), '2025-01-01T00:01:00.250000Z')
    for (let i = 0; i < 4; i++) assert.equal((await call(`${server.url}/api/v1/accounts/verify_credentials`, { token })).status, 200)
    const limited = await call(`${server.url}/api/v1/accounts/verify_credentials`, { token })
    assert.equal(limited.status, 429)
    assert.deepEqual(limited.json, { error: 'Too many requests' })
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0')
    assert.equal(limited.headers.get('x-ratelimit-limit'), '5')
    clock += 60_000
    assert.equal((await call(`${server.url}/api/v1/accounts/verify_credentials`, { token })).status, 200, 'a new window')
  })

  it('counts requests with max_id/min_id/since_id against the separate paging budget', async () => {
    server.resetRateLimits()
    for (let i = 0; i < 3; i++) {
      const res = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?max_id=999999999999999999`, { token })
      assert.equal(res.status, 200)
    }
    const paging = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?max_id=999999999999999999`, { token })
    assert.equal(paging.status, 429)
    assert.equal(paging.headers.get('x-ratelimit-limit'), '3')
    assert.equal((await call(`${server.url}/api/v1/accounts/${alice.id}/statuses`, { token })).status, 200, 'non-paging requests still pass')
  })

  it('caps new follows per account per day with 429 and the follows family headers', async () => {
    server.resetRateLimits()
    const targets = ['a', 'b', 'c', 'd'].map((n) => server.seed.account({ username: n }).id)
    const remaining: string[] = []
    for (const id of targets.slice(0, 3)) {
      clock += 61_000 // keep the per-token budget out of the way
      const res = await call(`${server.url}/api/v1/accounts/${id}/follow`, { token, method: 'POST' })
      assert.equal(res.status, 200)
      assert.equal(res.json.following, true)
      remaining.push(res.headers.get('x-ratelimit-remaining')!)
    }
    assert.deepEqual(remaining, ['2', '1', '0'])
    clock += 61_000
    const capped = await call(`${server.url}/api/v1/accounts/${targets[3]}/follow`, { token, method: 'POST' })
    assert.equal(capped.status, 429)
    assert.deepEqual(capped.json, { error: 'Too many requests' })
    assert.equal(capped.headers.get('x-ratelimit-limit'), '3')
    assert.equal(capped.headers.get('x-ratelimit-remaining'), '0')
    assert.match(capped.headers.get('x-ratelimit-reset')!, /^\d{4}-\d\d-\d\dT00:00:00\.\d{6}Z$/)
    const rel = await call(`${server.url}/api/v1/accounts/relationships?id[]=${targets[3]}`, { token })
    assert.equal(rel.json[0].following, false, 'nothing was followed')
    const again = await call(`${server.url}/api/v1/accounts/${targets[0]}/follow`, { token, form: { reblogs: 'false' } })
    assert.equal(again.status, 200, 'changing settings of an existing follow is not a new follow')
    assert.equal(again.json.showing_reblogs, false)
    clock += 86_400_000
    assert.equal((await call(`${server.url}/api/v1/accounts/${targets[3]}/follow`, { token, method: 'POST' })).status, 200, 'the next day')
  })

  it('logs requests by route pattern', () => {
    assert.ok(server.count('POST /api/v1/accounts/:id/follow') >= 6)
    assert.ok(server.counters()['GET /api/v1/accounts/verify_credentials']! >= 7)
  })
})

describe('Mastodon test server: tokens and errors', () => {
  let server: MastodonTestServer
  let alice: { id: string }

  before(async () => {
    server = await startMastodonServer()
    alice = server.seed.account({ username: 'alice' })
  })
  after(() => server.close())

  it('renders 401, 403, 404 and 422 as Mastodon does', async () => {
    const none = await call(`${server.url}/api/v1/accounts/verify_credentials`)
    assert.deepEqual([none.status, none.json], [401, { error: 'The access token is invalid' }])
    const bad = await call(`${server.url}/api/v1/accounts/${alice.id}`, { token: 'nope' })
    assert.deepEqual([bad.status, bad.json], [401, { error: 'The access token is invalid' }])
    const writeOnly = server.seed.token(alice.id, { scopes: ['write'] })
    const scoped = await call(`${server.url}/api/v1/accounts/verify_credentials`, { token: writeOnly })
    assert.deepEqual([scoped.status, scoped.json], [403, { error: 'This action is outside the authorized scopes' }])
    const readOnly = server.seed.token(alice.id, { scopes: ['read'] })
    const cannotFollow = await call(`${server.url}/api/v1/accounts/${alice.id}/follow`, { token: readOnly, method: 'POST' })
    assert.equal(cannotFollow.status, 403)
    const app = server.seed.token(null, { scopes: ['read'] })
    const noUser = await call(`${server.url}/api/v1/accounts/verify_credentials`, { token: app })
    assert.deepEqual([noUser.status, noUser.json], [422, { error: 'This method requires an authenticated user' }])
    const missing = await call(`${server.url}/api/v1/accounts/123`)
    assert.deepEqual([missing.status, missing.json], [404, { error: 'Record not found' }])
    const lookup = await call(`${server.url}/api/v1/accounts/lookup?acct=nobody`)
    assert.equal(lookup.status, 404)
    const self = await call(`${server.url}/api/v1/accounts/${alice.id}/follow`, { token: server.seed.token(alice.id), method: 'POST' })
    assert.deepEqual([self.status, self.json], [403, { error: 'Following your own account is not allowed' }])
  })
})
