// `replay --to atproto --posts` against a real PDS (dev-env): one record per source post plus split parts, original
// dates, reply chains, quotes, facet byte ranges that select exactly their text (Japanese and emoji), image blobs
// byte-identical to the archive (or downscaled under the lexicon's limit), videos, labels; a rerun writes nothing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { createAccount, type SampleAccount } from '../../src/demo/sample-account.js'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { graphemeCount, MAX_IMAGE_BYTES } from '../../src/adapters/atproto/posts-map.js'
import { captureCli } from '../_util/cli.js'
import { startFaultProxy, type FaultProxy } from '../_util/fault-proxy.js'
import { buildArchive, longJapanese, SELF, type BuiltArchive } from './_archive.js'

let network: TestNetworkNoAppView
let bob: SampleAccount
let dir: string
let archive: string
let built: BuiltArchive
let proxy: FaultProxy
let puts = 0

registerTargetFactory('atproto', () => import('../../src/adapters/atproto/index.js').then((m) => m.replayTarget))

before(async () => {
  network = await TestNetworkNoAppView.create({})
  bob = await createAccount(network.pds.url, 'bob')
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-posts-'))
  archive = join(dir, 'mastodon.zip')
  built = await buildArchive(archive, bob.handle)
  proxy = await startFaultProxy({
    target: network.pds.url,
    skip: (req) => {
      if (req.url?.includes('com.atproto.repo.putRecord')) puts++
      return true
    },
  })
})

after(async () => {
  await proxy?.close()
  await network?.close()
})

export async function listPosts(agent: AtpAgent, did: string, collection = 'app.bsky.feed.post') {
  const out: { uri: string; cid: string; value: Record<string, any> }[] = []
  let cursor: string | undefined
  do {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100, cursor })
    out.push(...(data.records as any))
    cursor = data.records.length ? data.cursor : undefined
  } while (cursor)
  return out
}

function byteSlice(text: string, index: { byteStart: number; byteEnd: number }): string {
  return Buffer.from(text).subarray(index.byteStart, index.byteEnd).toString('utf8')
}

test('posts are re-created with their dates, threads, facets, media and labels; a rerun writes nothing', async () => {
  const me = await createAccount(network.pds.url, 'myself')
  const { data } = await me.agent.com.atproto.server.createAppPassword({ name: 'lifeboat' })
  const env = { APP_PW: data.password }
  const flags = { to: 'atproto', handle: me.handle, pds: proxy.url, plc: network.plc.url, passwordEnv: 'APP_PW', posts: true }

  const dry = captureCli({ env })
  const planned = await replay(archive, { ...flags, dryRun: true }, dry.cli)
  assert.equal(puts, 0, 'a dry run writes nothing')
  assert.equal(planned.items.length, 8)
  assert.ok(planned.items.every((i) => i.status === 'planned'))
  assert.match(dry.stderr(), /8 posts to re-create as \d+ records/)
  assert.match(dry.stderr(), /takes within the hour/)
  assert.match(dry.stderr(), /Not re-created: 1 post not public/)
  assert.match(dry.stderr(), /Not re-created: 1 post replies to other people/)
  assert.match(dry.stderr(), /Not re-created: 1 post reposts/)

  const out = captureCli({ env })
  const summary = await replay(archive, flags, out.cli).catch((error) => {
    throw new Error(`${error.message}\n${out.stderr()}`)
  })
  assert.equal(summary.failed, 0, JSON.stringify(summary.items))
  assert.equal(summary.counts.posts!.applied, 8)
  const refused = summary.items.filter((i) => i.status === 'skipped')
  assert.equal(refused.length, 1, 'the video the PDS refuses is reported on its own')
  assert.match(refused[0]!.subject, /statuses\/6 video/)

  const records = await listPosts(me.agent, me.did)
  const byText = (t: string) => records.filter((r) => r.value.text === t)
  const source = (n: number) => built.posts.find((p) => p.id === `${SELF}/statuses/${n}`)!

  // The long post: a thread of parts, each within the limit, that together give back the text.
  const long = longJapanese(bob.handle)
  const unordered = records.filter((r) => r.value.createdAt === source(1).createdAt)
  // The thread's order: from the part that replies to nothing, along the parent references.
  const parts = unordered.filter((r) => !r.value.reply)
  for (let next; (next = unordered.find((r) => r.value.reply?.parent.uri === parts.at(-1)!.uri)); ) parts.push(next)
  assert.equal(parts.length, unordered.length)
  assert.ok(parts.length >= 2, `${parts.length} parts`)
  assert.equal(parts.map((p) => p.value.text).join(' ').replace(/\s+/g, ' '), long.replace(/\s+/g, ' '))
  for (const part of parts) {
    assert.ok(graphemeCount(part.value.text) <= 300)
    assert.deepEqual(part.value.langs, ['ja'])
  }
  assert.equal(parts[0]!.value.reply, undefined)
  for (let k = 1; k < parts.length; k++) {
    assert.deepEqual(parts[k]!.value.reply, { root: { uri: parts[0]!.uri, cid: parts[0]!.cid }, parent: { uri: parts[k - 1]!.uri, cid: parts[k - 1]!.cid } })
  }
  const facets = parts.flatMap((p) => (p.value.facets ?? []).map((f: any) => ({ text: byteSlice(p.value.text, f.index), feature: f.features[0] })))
  assert.deepEqual(
    facets.map((f) => f.text),
    ['https://example.com/引っ越し?x=1', '#引っ越し', `@${bob.handle}`],
  )
  assert.equal(facets[0]!.feature.uri, 'https://example.com/引っ越し?x=1')
  assert.equal(facets[1]!.feature.tag, '引っ越し')
  assert.equal(facets[2]!.feature.did, bob.did)

  // Every record carries its source post's date.
  for (const record of records) assert.ok(built.posts.some((p) => p.createdAt === record.value.createdAt), record.value.createdAt)

  const reply = byText('and a reply to myself')[0]!
  assert.deepEqual(reply.value.reply, { root: { uri: parts[0]!.uri, cid: parts[0]!.cid }, parent: { uri: parts.at(-1)!.uri, cid: parts.at(-1)!.cid } })
  const quote = byText('quoting myself')[0]!
  assert.deepEqual(quote.value.embed.record, { uri: parts[0]!.uri, cid: parts[0]!.cid })

  // Five images: four in the post, the fifth in a follow-up reply; small ones byte for byte, the big one downscaled.
  const pictures = byText('five pictures')[0]!
  assert.deepEqual(pictures.value.embed.images.map((i: any) => i.alt), ['picture 1', 'picture 2', 'picture 3', 'picture 4'])
  const follow = records.find((r) => r.value.reply?.parent.uri === pictures.uri)!
  assert.equal(follow.value.text, '')
  assert.deepEqual(follow.value.embed.images.map((i: any) => i.alt), ['picture 5'])
  for (const [i, image] of pictures.value.embed.images.entries()) {
    const blob = await me.agent.com.atproto.sync.getBlob({ did: me.did, cid: image.image.ref.toString() })
    assert.ok(Buffer.from(blob.data).equals(built.images[i]!), `image ${i + 1} is byte-identical`)
  }
  const big = follow.value.embed.images[0].image
  assert.ok(built.images[4]!.length > MAX_IMAGE_BYTES)
  assert.ok(big.size <= MAX_IMAGE_BYTES)
  assert.equal(big.mimeType, 'image/jpeg')

  assert.deepEqual(byText('behind a warning')[0]!.value.labels.values, [{ val: 'porn' }])
  assert.equal(byText('CW: spoilers\n\nthe ending of the film').length, 1)
  const clip = byText('a clip')[0]!
  assert.equal(clip.value.embed.$type, 'app.bsky.embed.video')
  assert.equal(clip.value.embed.alt, 'a short clip')
  assert.equal(byText('two videos')[0]!.value.embed, undefined)
  assert.equal(byText('only for followers').length + byText('replying to someone else').length, 0)
  assert.equal(records.length, parts.length + 8)

  // The same command again: the journal says everything is done; nothing is sent.
  puts = 0
  const again = await replay(archive, flags, captureCli({ env }).cli)
  assert.ok(again.items.every((i) => i.status === 'done-before'))
  assert.equal(puts, 0)

  // A copy of the archive (no journal): every record is found at its derived key; the repo does not change.
  const head = (await me.agent.com.atproto.sync.getLatestCommit({ did: me.did })).data
  const copy = join(dir, 'copy.zip')
  await copyFile(archive, copy)
  const fresh = await replay(copy, flags, captureCli({ env }).cli)
  assert.deepEqual(fresh.counts.posts, { unchanged: 8, skipped: 1 })
  assert.deepEqual((await me.agent.com.atproto.sync.getLatestCommit({ did: me.did })).data, head, 'nothing was written')
  assert.equal((await listPosts(me.agent, me.did)).length, records.length)
})

test('--since/--until choose a date range; --replies and --reposts need --posts', async () => {
  const me = await createAccount(network.pds.url, 'ranged')
  const env = { APP_PW: me.password }
  const flags = { to: 'atproto', handle: me.handle, pds: network.pds.url, plc: network.plc.url, passwordEnv: 'APP_PW', posts: true, since: '2019-03-12', until: '2019-03-14T00:00:00Z' }
  const summary = await replay(archive, flags, captureCli({ env }).cli)
  assert.equal(summary.counts.posts!.applied, 2)
  assert.deepEqual((await listPosts(me.agent, me.did)).map((r) => r.value.text).sort(), ['CW: spoilers\n\nthe ending of the film', 'five pictures', ''].sort())
  // --replies: a reply to someone else's post on another network stands alone (it has no AT Protocol parent).
  const replies = await replay(archive, { ...flags, since: '2019-03-17', until: '2019-03-18', replies: true }, captureCli({ env }).cli)
  assert.equal(replies.counts.posts!.applied, 1)
  const standalone = (await listPosts(me.agent, me.did)).find((r) => r.value.text === 'replying to someone else')!
  assert.equal(standalone.value.reply, undefined)
  await assert.rejects(replay(archive, { to: 'atproto', handle: me.handle, replies: true }, captureCli({ env }).cli), /--replies applies to posts only/)
  await assert.rejects(replay(archive, { ...flags, since: 'yesterday-ish' }, captureCli({ env }).cli), /--since "yesterday-ish" is not a date/)
})
