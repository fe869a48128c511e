// An AT Protocol archive (exported from a real PDS) replayed as posts onto another account with --replies and
// --reposts: mentions resolved to DIDs, a quote of someone else's post embedding it, images byte-identical to the
// source blobs, a link card, a repost; and the same through the fault proxy at 20% faults: every record exactly once.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { seedSampleWorld, createAccount, type SampleWorld } from '../../src/demo/sample-account.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { captureCli } from '../_util/cli.js'
import { startFaultProxy } from '../_util/fault-proxy.js'

let network: TestNetworkNoAppView
let world: SampleWorld
let archive: string

registerTargetFactory('atproto', () => import('../../src/adapters/atproto/index.js').then((m) => m.replayTarget))

before(async () => {
  network = await TestNetworkNoAppView.create({})
  world = await seedSampleWorld(network.pds.url)
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-posts-at-'))
  archive = join(dir, 'alice.zip')
  await exportAtproto(world.alice.did, { output: archive, pds: network.pds.url }, captureCli().cli)
})

after(async () => {
  await network?.close()
})

async function list(agent: AtpAgent, did: string, collection: string) {
  const out: { uri: string; cid: string; value: Record<string, any> }[] = []
  let cursor: string | undefined
  do {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100, cursor })
    out.push(...(data.records as any))
    cursor = data.records.length ? data.cursor : undefined
  } while (cursor)
  return out
}

async function blob(agent: AtpAgent, did: string, cid: string): Promise<Buffer> {
  return Buffer.from((await agent.com.atproto.sync.getBlob({ did, cid })).data)
}

function slice(text: string, index: { byteStart: number; byteEnd: number }): string {
  return Buffer.from(text).subarray(index.byteStart, index.byteEnd).toString('utf8')
}

async function replayOnto(name: string, pds: string) {
  const account = await createAccount(network.pds.url, name)
  const out = captureCli({ env: { APP_PW: account.password } })
  const summary = await replay(archive, { to: 'atproto', handle: account.handle, pds, plc: network.plc.url, passwordEnv: 'APP_PW', posts: true, replies: true, reposts: true }, out.cli).catch((error) => {
    throw new Error(`${error.message}\n${out.stderr()}`)
  })
  return { account, summary }
}

test('an AT Protocol archive: facets, self-reply, quote of another account, images, link card and repost', async () => {
  const { account, summary } = await replayOnto('alice-home', network.pds.url)
  assert.equal(summary.failed, 0)
  assert.deepEqual(summary.counts.posts, { applied: 6 })
  const source = await list(world.alice.agent, world.alice.did, 'app.bsky.feed.post')
  const posts = await list(account.agent, account.did, 'app.bsky.feed.post')
  assert.equal(posts.length, source.length)
  const copyOf = (text: string) => posts.find((p) => p.value.text === text)!
  for (const original of source) {
    const copy = copyOf(original.value.text)
    assert.equal(copy.value.createdAt, original.value.createdAt)
    assert.deepEqual(copy.value.langs, original.value.langs)
  }
  const hello = source.find((p) => p.value.text.startsWith('Hello'))!
  const helloCopy = copyOf(hello.value.text)
  assert.deepEqual(
    helloCopy.value.facets.map((f: any) => [slice(helloCopy.value.text, f.index), f.features[0].did ?? f.features[0].uri ?? f.features[0].tag]),
    [[`@${world.friends[0]!.handle}`, world.friends[0]!.did], ['https://atproto.com', 'https://atproto.com'], ['#lifeboat', 'lifeboat']],
  )
  assert.deepEqual(copyOf('Replying to myself').value.reply, { root: { uri: helloCopy.uri, cid: helloCopy.cid }, parent: { uri: helloCopy.uri, cid: helloCopy.cid } })
  const quote = source.find((p) => p.value.text === 'Quoting bob')!
  assert.deepEqual(copyOf('Quoting bob').value.embed.record, { uri: quote.value.embed.record.uri, cid: quote.value.embed.record.cid })
  const pictures = source.find((p) => p.value.text === 'Two pictures')!
  const picturesCopy = copyOf('Two pictures')
  for (const [i, image] of pictures.value.embed.images.entries()) {
    const copied = picturesCopy.value.embed.images[i]
    assert.equal(copied.alt, image.alt)
    assert.ok((await blob(account.agent, account.did, copied.image.ref.toString())).equals(await blob(world.alice.agent, world.alice.did, image.image.ref.toString())))
  }
  assert.equal(copyOf('A link card').value.embed.external.uri, 'https://example.com/article')
  const reposts = await list(account.agent, account.did, 'app.bsky.feed.repost')
  const originalReposts = await list(world.alice.agent, world.alice.did, 'app.bsky.feed.repost')
  assert.deepEqual(reposts.map((r) => [r.value.subject, r.value.createdAt]), originalReposts.map((r) => [r.value.subject, r.value.createdAt]))
})

test('through the fault proxy at 20% faults: every post exactly once', async () => {
  const flaky = await startFaultProxy({ target: network.pds.url, rates: { reset: 0.1, status503: 0.1 }, retryAfterSeconds: 0, seed: 11 })
  try {
    const { account, summary } = await replayOnto('alice-flaky', flaky.url)
    assert.equal(summary.failed, 0, JSON.stringify(summary.items))
    assert.ok(Object.values(flaky.stats.injected).some((n) => n > 0), 'faults were injected')
    const posts = await list(account.agent, account.did, 'app.bsky.feed.post')
    const source = await list(world.alice.agent, world.alice.did, 'app.bsky.feed.post')
    assert.deepEqual(posts.map((p) => p.value.text).sort(), source.map((p) => p.value.text).sort())
    assert.equal((await list(account.agent, account.did, 'app.bsky.feed.repost')).length, 1)
  } finally {
    await flaky.close()
  }
})
