// Post replay that is killed (SIGKILL, after a journal line or around a write) and run again: no post twice, none
// missing; and a replay stopped by the PDS's write limit, deferred, and continued after the reset.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView, type TestPds } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { createAccount, type SampleAccount } from '../../src/demo/sample-account.js'
import { run as replayCommand } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { replay } from '../../src/replay/replay.js'
import { ReplayJournal, journalPath } from '../../src/replay/journal.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { AtprotoTarget } from '../../src/adapters/atproto/target.js'
import { PdsSession } from '../../src/adapters/atproto/session.js'
import { planPost } from '../../src/adapters/atproto/posts-map.js'
import { adapterContext } from '../../src/run-context.js'
import { captureCli } from '../_util/cli.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { createRateLimitedPds } from '../atproto-migrate/_short-window.js'
import { buildArchive, type BuiltArchive } from './_archive.js'

let network: TestNetworkNoAppView
let limited: TestPds
let bob: SampleAccount
let dir: string
let archive: string
let built: BuiltArchive
let expected = 0

registerTargetFactory('atproto', () => import('../../src/adapters/atproto/index.js').then((m) => m.replayTarget))

before(async () => {
  network = await TestNetworkNoAppView.create({})
  limited = await createRateLimitedPds(network.plc.url, 10_000)
  bob = await createAccount(network.pds.url, 'bob')
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-posts-resume-'))
  archive = join(dir, 'mastodon.zip')
  built = await buildArchive(archive, bob.handle)
  // The eight posts re-created by default, each as its parts.
  const selected = built.posts.filter((p) => (p.visibility === 'public' || p.visibility === 'unlisted') && !p.repostOf && !(p.replyTo && p.replyTo.id === '12345'))
  expected = selected.reduce((n, p) => n + planPost(p).parts.length, 0)
})

after(async () => {
  await limited?.close()
  await network?.close()
})

async function listAll(agent: AtpAgent, did: string) {
  const out: Record<string, any>[] = []
  let cursor: string | undefined
  do {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.feed.post', limit: 100, cursor })
    out.push(...data.records.map((r) => r.value as Record<string, any>))
    cursor = data.records.length ? data.cursor : undefined
  } while (cursor)
  return out
}

/** Set while a child runs that is to be killed from outside when the PDS has seen this many putRecord requests. */
let killOnPut: { at: number; kill: () => void } | null = null
let puts = 0

function child(flags: object, after: number, env: NodeJS.ProcessEnv, killAtPut?: number): Promise<number | string | null> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/atproto-posts/_replay-child.ts', archive, JSON.stringify(flags), String(after)], {
      env: { ...process.env, ...env, LIFEBOAT_TEST: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    proc.stdout.resume()
    proc.stderr.resume()
    if (killAtPut !== undefined) killOnPut = { at: killAtPut, kill: () => proc.kill('SIGKILL') }
    proc.on('exit', (code, signal) => {
      killOnPut = null
      resolve(signal ?? code)
    })
  })
}

test('SIGKILL after a journal line or around a write, then a rerun: every post once, none missing', async () => {
  const me = await createAccount(network.pds.url, 'crashy')
  const proxy = await startFaultProxy({
    target: network.pds.url,
    skip: (req) => {
      if (req.url?.includes('com.atproto.repo.putRecord') && ++puts === killOnPut?.at) killOnPut.kill()
      return true
    },
  })
  const env = { APP_PW: me.password }
  const flags = { to: 'atproto', handle: me.handle, pds: proxy.url, plc: network.plc.url, passwordEnv: 'APP_PW', posts: true }
  try {
    assert.equal(await child(flags, 2, env), 'SIGKILL')
    assert.equal((await listAll(me.agent, me.did)).length >= 2, true)
    // Killed from outside the moment the PDS sees a write: it may or may not have committed it.
    assert.equal(await child(flags, 0, env, puts + 3), 'SIGKILL')
    assert.equal(await child(flags, 1, env), 'SIGKILL')
    assert.equal(await child(flags, 0, env, puts + 2), 'SIGKILL')
    const out = captureCli({ env })
    const summary = await replayCommand(archive, flags, out.cli)
    assert.equal(summary.failed, 0, out.stderr())
  } finally {
    await proxy.close()
  }
  const records = await listAll(me.agent, me.did)
  assert.equal(records.length, expected, 'no duplicates, nothing missing')
  const distinct = new Set(records.map((r) => `${r.createdAt}\0${r.text}\0${JSON.stringify(r.reply ?? null)}`))
  assert.equal(distinct.size, records.length)
  for (const post of built.posts.filter((p) => p.text && p.visibility === 'public' && !p.replyTo)) {
    assert.ok(records.some((r) => r.createdAt === post.createdAt), post.id)
  }
})

test('a write limit whose reset is further off than a run waits (the daily one) defers the rest with the time to come back; the next run continues', async () => {
  const agent = new AtpAgent({ service: limited.url })
  await agent.createAccount({ handle: 'paced.test', email: 'paced@example.test', password: 'paced-password-1' })
  // Spend most of the (10-second) hourly bucket with creates the PDS charges and then refuses: 4740 of 5000 points.
  for (const n of [200, 200, 200, 200, 200, 200, 200, 180]) {
    const res = await fetch(`${limited.url}/xrpc/com.atproto.repo.applyWrites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.session!.accessJwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: agent.session!.did, writes: Array.from({ length: n }, () => ({ $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.graph.follow', value: { $type: 'app.bsky.graph.follow', subject: 'not a did', createdAt: new Date().toISOString() } })) }),
    })
    assert.equal(res.status, 400)
  }
  // 260 left, 250 kept as headroom: a run that may wait only 100 ms writes a few records, then defers.
  const { cli } = captureCli()
  const context = adapterContext(cli)
  const session = await PdsSession.open(context, limited.url, 'paced.test', 'paced-password-1')
  const path = journalPath(archive, { network: 'atproto', server: limited.url, account: session.did })
  const runOnce = async (maxWaitMs: number) => {
    const target = new AtprotoTarget(context, { session, handle: 'paced.test', plc: network.plc.url, likes: false, posts: true, pacer: { maxWaitMs } })
    const reader = await ArchiveReader.open(archive)
    const journal = await ReplayJournal.open(path)
    try {
      return await replay({ archive: reader, target, journal, only: ['posts'], dryRun: false, context, posts: { replies: false, reposts: false } })
    } finally {
      await journal.close()
      reader.close()
    }
  }
  const started = Date.now()
  const first = await runOnce(100)
  assert.equal(first.deferred.length, 1, JSON.stringify(first.counts))
  assert.equal(first.deferred[0]!.kind, 'posts')
  const until = Date.parse(first.deferred[0]!.until)
  assert.ok(until >= started, 'the deferral names a time after the run began (the limiter\'s reset), not one in the past')
  const before = (await listAll(agent, session.did)).length
  assert.ok(before > 0 && before < expected, `${before} of ${expected} written before the limit`)
  // Come back when the PDS said to (the limiter's own reset time), as a scheduled rerun would.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())))
  const second = await runOnce(60_000)
  assert.equal(second.deferred.length, 0)
  assert.equal(second.failed, 0)
  assert.equal((await listAll(agent, session.did)).length, expected)
  assert.equal(context.http.stats.rateLimited, 0, 'no 429 was met')
})
