// Replay of an AT Protocol archive's follows, blocks, lists and likes onto a different account on a second PDS
// (dev-env: one PLC directory, two real PDSes).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView, TestPds } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { seedSampleWorld, createAccount, type SampleWorld, type SampleAccount } from '../../src/demo/sample-account.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { captureCli, runCommand } from '../_util/cli.js'
import { startFaultProxy, type FaultProxy } from '../_util/fault-proxy.js'

let network: TestNetworkNoAppView
let pds2: TestPds
let world: SampleWorld
let dave: SampleAccount
let dir: string
let archive: string
let proxy: FaultProxy
let writes = 0

registerTargetFactory('atproto', () => import('../../src/adapters/atproto/index.js').then((m) => m.replayTarget))

before(async () => {
  network = await TestNetworkNoAppView.create({})
  world = await seedSampleWorld(network.pds.url)
  // dave is followed, then deleted from his PDS: his DID still resolves in the PLC directory.
  dave = await createAccount(network.pds.url, 'dave')
  await world.alice.agent.follow(dave.did)
  const deleted = await fetch(`${network.pds.url}/xrpc/com.atproto.admin.deleteAccount`, {
    method: 'POST',
    headers: { ...network.pds.adminAuthHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ did: dave.did }),
  })
  assert.equal(deleted.status, 200)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-replay-'))
  archive = join(dir, 'alice.zip')
  await exportAtproto(world.alice.did, { output: archive, pds: network.pds.url }, captureCli().cli)
  pds2 = await TestPds.create({ didPlcUrl: network.plc.url })
  proxy = await startFaultProxy({
    target: pds2.url,
    skip: (req) => {
      if (req.url?.includes('com.atproto.repo.applyWrites')) writes++
      return true
    },
  })
})

after(async () => {
  await proxy?.close()
  await pds2?.close()
  await network?.close()
})

async function newAccount(name: string): Promise<{ account: SampleAccount; appPassword: string }> {
  const account = await createAccount(pds2.url, name)
  const { data } = await account.agent.com.atproto.server.createAppPassword({ name: 'lifeboat' })
  return { account, appPassword: data.password }
}

async function records(agent: AtpAgent, did: string, collection: string): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = []
  let cursor: string | undefined
  do {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100, cursor })
    out.push(...data.records.map((r) => r.value as Record<string, any>))
    cursor = data.records.length ? data.cursor : undefined
  } while (cursor)
  return out
}

test('replay onto another account yields the same subjects; gone accounts are reported; a second run writes nothing', async () => {
  const { account, appPassword } = await newAccount('alice2')
  const flags = { to: 'atproto', handle: account.handle, pds: proxy.url, plc: network.plc.url, passwordEnv: 'APP_PW', only: 'follows,blocks,lists,likes' }
  const env = { APP_PW: appPassword }

  const dry = await replay(archive, { ...flags, dryRun: true }, captureCli({ env }).cli)
  assert.ok(dry.items.every((i) => i.status === 'planned'))
  assert.equal(writes, 0, 'a dry run writes nothing')

  const first = captureCli({ env })
  const summary = await replay(archive, flags, first.cli)
  const byKind = (kind: string, status: string) => summary.items.filter((i) => i.kind === kind && i.status === status)
  assert.equal(byKind('follows', 'applied').length, 2)
  assert.deepEqual(byKind('follows', 'skipped').map((i) => i.subject), [dave.did])
  assert.match(byKind('follows', 'skipped')[0]!.reason!, /no longer exists: deleted from/)
  assert.equal(byKind('blocks', 'applied').length, 1)
  assert.equal(byKind('lists', 'applied').length, 2)
  assert.equal(byKind('likes', 'applied').length, 1)
  // One call per kind, plus the first write of the run (one record: it learns the PDS's write limits).
  assert.ok(writes <= 6, `${writes} applyWrites calls`)

  const { did } = account
  const agent = account.agent
  assert.deepEqual(new Set((await records(agent, did, 'app.bsky.graph.follow')).map((r) => r.subject)), new Set(world.created.follows))
  assert.deepEqual((await records(agent, did, 'app.bsky.graph.block')).map((r) => r.subject), world.created.blocks)
  const lists = await records(agent, did, 'app.bsky.graph.list')
  assert.deepEqual(lists.map((l) => [l.name, l.purpose, l.description]), [['Friends', 'app.bsky.graph.defs#curatelist', 'People I trust']])
  const items = await records(agent, did, 'app.bsky.graph.listitem')
  assert.deepEqual(new Set(items.map((i) => i.subject)), new Set(world.created.listMembers))
  const likes = await records(agent, did, 'app.bsky.feed.like')
  const originalLikes = await records(world.alice.agent, world.alice.did, 'app.bsky.feed.like')
  assert.deepEqual(likes.map((l) => l.subject), originalLikes.map((l) => l.subject))

  // Same archive: the journal says everything is done.
  writes = 0
  const again = await replay(archive, flags, captureCli({ env }).cli)
  assert.ok(again.items.every((i) => i.status === 'done-before'), JSON.stringify(again.items.filter((i) => i.status !== 'done-before')))
  assert.equal(writes, 0)

  // A copy of the archive (a fresh journal): the account's own records say everything is there.
  const copy = join(dir, 'alice-copy.zip')
  await copyFile(archive, copy)
  const fresh = await replay(copy, flags, captureCli({ env }).cli)
  assert.equal(writes, 0, 'nothing is written twice')
  assert.ok(fresh.items.filter((i) => i.subject !== dave.did).every((i) => i.status === 'unchanged'), JSON.stringify(fresh.items))
  assert.equal((await records(agent, did, 'app.bsky.graph.follow')).length, 2)
})

test('likes are replayed only when asked', async () => {
  const { account, appPassword } = await newAccount('alice3')
  const summary = await replay(archive, { to: 'atproto', handle: account.handle, pds: pds2.url, plc: network.plc.url, passwordEnv: 'APP_PW' }, captureCli({ env: { APP_PW: appPassword } }).cli)
  assert.deepEqual(Object.keys(summary.counts).sort(), ['blocks', 'follows', 'lists'])
  assert.equal((await records(account.agent, account.did, 'app.bsky.feed.like')).length, 0)
})

test('with connections reset after the PDS committed, every record is still written exactly once', async () => {
  const { account, appPassword } = await newAccount('alice4')
  const flaky = await startFaultProxy({ target: pds2.url, rates: { reset: 0.3, status503: 0.1 }, retryAfterSeconds: 0, seed: 3 })
  const out = captureCli({ env: { APP_PW: appPassword } })
  try {
    const summary = await replay(
      archive,
      { to: 'atproto', handle: account.handle, pds: flaky.url, plc: network.plc.url, passwordEnv: 'APP_PW', only: 'follows,blocks,lists' },
      out.cli,
    ).catch((error) => {
      throw new Error(`${error.message}\n${out.stderr()}`)
    })
    assert.equal(summary.failed, 0, JSON.stringify(summary.items.filter((i) => i.status === 'failed')))
    assert.ok(Object.values(flaky.stats.injected).some((n) => n > 0), 'faults were injected')
  } finally {
    await flaky.close()
  }
  const follows = await records(account.agent, account.did, 'app.bsky.graph.follow')
  assert.deepEqual(follows.map((f) => f.subject).sort(), [...world.created.follows].sort())
  assert.equal((await records(account.agent, account.did, 'app.bsky.graph.listitem')).length, 2)
  assert.equal((await records(account.agent, account.did, 'app.bsky.graph.list')).length, 1)
})

test('accounts of other networks cannot be resolved: a warning, the rest replayed, exit 3 naming them', async () => {
  const { account, appPassword } = await newAccount('alice5')
  const fediverse = join(dir, 'mastodon.zip')
  const writer = await ArchiveWriter.open({ path: fediverse, source: { network: 'mastodon', server: 'https://social.example', account: { id: 'https://social.example/users/me' } } })
  writer.declare('following')
  await writer.write('following', { account: { id: 'https://other.example/users/x', handle: 'x@other.example' } })
  await writer.write('following', { account: { id: world.friends[0]!.did } })
  await writer.finish()
  const run = await runCommand({ APP_PW: appPassword }, (cli) => replay(fediverse, { to: 'atproto', handle: account.handle, pds: pds2.url, plc: network.plc.url, passwordEnv: 'APP_PW', only: 'follows' }, cli), { json: true })
  assert.equal(run.code, 3, run.stderr)
  const result = run.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'result')
  assert.deepEqual(result.items.map((i: { status: string }) => i.status), ['unresolved', 'applied'])
  assert.deepEqual(result.unresolved, [{ kind: 'follows', subject: 'x@other.example' }])
  assert.match(run.stderr, /not an AT Protocol account/)
  assert.match(run.stderr, /error: 1 item could not be resolved on the target: follows x@other\.example\./)
})
