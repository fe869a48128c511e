// Write pacing: the pacer's arithmetic on the headers a reference PDS sends (xrpc-server rate-limiter.ts
// `setStatusHeaders`), and the RepoWriter against a real PDS with its limits on and a 5-second "hour".
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { TestNetworkNoAppView, type TestPds } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { randomBytes } from 'node:crypto'
import { WritePacer, readRateWindow } from '../../src/adapters/atproto/pacing.js'
import { RepoWriter } from '../../src/adapters/atproto/target-writer.js'
import { ExistingRecords } from '../../src/adapters/atproto/target-existing.js'
import { PdsSession } from '../../src/adapters/atproto/session.js'
import { adapterContext } from '../../src/run-context.js'
import { captureCli } from '../_util/cli.js'
import { createRateLimitedPds } from './_short-window.js'

const WINDOW_MS = 5000

let network: TestNetworkNoAppView
let limited: TestPds

before(async () => {
  network = await TestNetworkNoAppView.create({})
  limited = await createRateLimitedPds(network.plc.url, WINDOW_MS)
})

after(async () => {
  await limited?.close()
  await network?.close()
})

function headers(limit: number, remaining: number, resetEpochSeconds: number, window: number): Headers {
  return new Headers({ 'ratelimit-limit': String(limit), 'ratelimit-remaining': String(remaining), 'ratelimit-reset': String(resetEpochSeconds), 'ratelimit-policy': `${limit};w=${window}` })
}

function fakeDid(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  return `did:plc:${[...randomBytes(24)].map((b) => alphabet[b % 32]).join('')}`
}

test('the pacer probes first, spends what the headers allow minus headroom, waits for an hourly reset and defers past a daily one', async () => {
  let clock = 1_000_000_000_000
  const waits: number[] = []
  const pacer = new WritePacer({
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms)
      clock += ms
    },
  })
  assert.deepEqual(await pacer.allow(600, 3), { points: 3 }, 'nothing known yet: one write finds out')
  pacer.observe(headers(5000, 4997, clock / 1000 + 3600, 3600))
  assert.deepEqual(await pacer.allow(600, 3), { points: 600 })
  // 5% headroom of 5000 is 250: with 400 left, 150 may be spent (a partial batch of 50 creates).
  pacer.observe(headers(5000, 400, clock / 1000 + 1800, 3600))
  assert.deepEqual(await pacer.allow(600, 3), { points: 150 })
  pacer.observe(headers(5000, 250, clock / 1000 + 1800, 3600))
  assert.deepEqual(await pacer.allow(600, 3), { points: 3 }, 'after waiting for the reset it probes again')
  assert.deepEqual(waits, [1_801_000])
  // The daily bucket is the tightest now and spent: no waiting for hours, the caller defers.
  pacer.observe(headers(35000, 100, clock / 1000 + 20 * 3600, 86400))
  const deferred = await pacer.allow(600, 3)
  assert.ok('until' in deferred)
  assert.equal(deferred.until, clock + 20 * 3600_000 + 1000)
  assert.match(deferred.reason, /35000 points per day/)
  // A PDS without limits sends no headers: no probing after that.
  pacer.observe(new Headers())
  assert.deepEqual(await pacer.allow(600, 3), { points: 600 })
  assert.equal(readRateWindow(new Headers({ 'ratelimit-limit': '10', 'ratelimit-remaining': '5', 'ratelimit-reset': '30' }), 0)?.resetAt, 30_000, 'a small reset is seconds from now')
})

/** A fresh account on the limited PDS with `points` of its hourly bucket already spent. */
async function spentAccount(name: string, points: number) {
  const agent = new AtpAgent({ service: limited.url })
  await agent.createAccount({ handle: `${name}.test`, email: `${name}@example.test`, password: `${name}-password-1` })
  // The limiter charges before the handler validates (xrpc-server server.ts createHandlerInternal), so creates of
  // invalid records spend points at once without writing anything.
  let creates = Math.ceil(points / 3)
  while (creates > 0) {
    const n = Math.min(creates, 200)
    creates -= n
    const res = await fetch(`${limited.url}/xrpc/com.atproto.repo.applyWrites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.session!.accessJwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: agent.session!.did, writes: Array.from({ length: n }, () => ({ $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.graph.follow', value: { $type: 'app.bsky.graph.follow', subject: 'not a did', createdAt: new Date().toISOString() } })) }),
    })
    assert.equal(res.status, 400)
  }
  const { cli } = captureCli()
  const context = adapterContext(cli)
  const session = await PdsSession.open(context, limited.url, `${name}.test`, `${name}-password-1`)
  return { agent, context, session }
}

async function count(agent: AtpAgent, did: string, collection: string): Promise<number> {
  let n = 0
  let cursor: string | undefined
  do {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100, cursor })
    n += data.records.length
    cursor = data.records.length ? data.cursor : undefined
  } while (cursor)
  return n
}

test('against the real limiter: what is left is spent, at most one wait for the reset, no 429 is met, every record is written once', async () => {
  const { agent, context, session } = await spentAccount('paced', 4500)
  const waits: number[] = []
  const pacer = new WritePacer({ onWait: (ms) => waits.push(ms) })
  const writer = new RepoWriter(context, session, pacer, new ExistingRecords(context, limited.url, session.did))
  const outcomes = await writer.create(
    'app.bsky.graph.follow',
    Array.from({ length: 200 }, () => ({ $type: 'app.bsky.graph.follow', subject: fakeDid(), createdAt: new Date().toISOString() })),
  )
  assert.ok(outcomes.every((o) => o.status === 'applied'), JSON.stringify(outcomes.find((o) => o.status !== 'applied')))
  assert.equal(context.http.stats.rateLimited, 0, 'no 429 was met')
  // 500 points left, 250 of them kept as headroom: 83 creates now, the other 117 after the reset.
  // The PDS's limiter runs on wall time: on an idle machine the 117 later creates wait once for the reset; on a busy
  // one the window may already have passed when they are due. Either way at most one wait, never a 429 (above); the
  // wait itself is shown on an injected clock in the first test of this file.
  assert.ok(waits.length <= 1 && waits.every((ms) => ms <= WINDOW_MS + 1000), `waited ${JSON.stringify(waits)}`)
  assert.equal(await count(agent, session.did, 'app.bsky.graph.follow'), 200)
})

test('when the reset is further away than the run may wait, the rest is deferred with the time to come back', async () => {
  const { agent, context, session } = await spentAccount('deferred', 4800)
  const writer = new RepoWriter(context, session, new WritePacer({ maxWaitMs: 100 }), new ExistingRecords(context, limited.url, session.did))
  const before = Date.now()
  const outcomes = await writer.create(
    'app.bsky.graph.block',
    Array.from({ length: 50 }, () => ({ $type: 'app.bsky.graph.block', subject: fakeDid(), createdAt: new Date().toISOString() })),
  )
  const applied = outcomes.filter((o) => o.status === 'applied').length
  const deferred = outcomes.filter((o) => o.status === 'deferred')
  assert.equal(applied, 1, 'one write learns that 197 points are left, less than the headroom')
  assert.equal(deferred.length, 49)
  const until = Date.parse((deferred[0] as { until: string }).until)
  assert.ok(until > before && until <= Date.now() + WINDOW_MS + 1000, 'the time to come back is the window\'s reset')
  assert.match((deferred[0] as { reason: string }).reason, /5000 points per 5 s/)
  assert.equal(context.http.stats.rateLimited, 0)
  assert.equal(await count(agent, session.did, 'app.bsky.graph.block'), 1)
})
