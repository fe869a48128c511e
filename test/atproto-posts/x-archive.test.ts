// The suspended-X-account story end to end, with the built CLI and the README's three commands: `import x-archive`
// of real fixture archives (tweet.js era: Japanese, self-reply threads, photos; tweets.js era: long posts, threads,
// photos and a video) plus one deleted tweet each,
// `verify`, and `replay --to atproto --posts` onto an account on a real PDS (dev-env). Read back with listRecords:
// every kept tweet once at the record key derived from it (plus split parts), `createdAt` equal to the tweet's
// date, self-reply chains intact, facets selecting exactly their text, the Japanese text intact, media
// byte-identical, the deleted tweet not re-created; a rerun writes nothing.
// Needs `npx tsc -p tsconfig.build.json` first (it spawns bin/lifeboat.js).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import type { AtpAgent } from '@atproto/api'
import { createAccount } from '../../src/demo/sample-account.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import type { PostRecord } from '../../src/archive/records.js'
import { postRkey } from '../../src/adapters/atproto/posts-map.js'
import { runCli } from '../_util/cli.js'
import { dataFile, ERAS } from '../x/_archives.js'

let network: TestNetworkNoAppView
let dir: string

before(async () => {
  network = await TestNetworkNoAppView.create({})
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-x-posts-'))
})

after(async () => {
  await network?.close()
})

const DELETED_ID = '1000000000000000001'
const KANA = /[\u3040-\u30ff]/u

async function listPosts(agent: AtpAgent, did: string) {
  const out: { uri: string; cid: string; value: Record<string, any> }[] = []
  let cursor: string | undefined
  do {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.feed.post', limit: 100, cursor })
    out.push(...(data.records as any))
    cursor = data.records.length ? data.cursor : undefined
  } while (cursor)
  return out
}

function byteSlice(text: string, index: { byteStart: number; byteEnd: number }): string {
  return Buffer.from(text).subarray(index.byteStart, index.byteEnd).toString('utf8')
}

interface Era {
  name: string
  fixture: string
  tweetsFile: string
  mediaDir: string
  /** Lower bounds of what the era holds, so that each check below checks something. */
  min: { kept: number; selfReplies: number; chained: number; japanese: number; quotesLinked: number; media: number; split: number }
}

const STORY: Era[] = [
  { name: 'tweet.js era (2020, Japanese, photos)', fixture: ERAS.tweetJs, tweetsFile: 'tweet.js', mediaDir: 'tweet_media', min: { kept: 200, selfReplies: 10, chained: 10, japanese: 150, quotesLinked: 1, media: 5, split: 0 } },
  { name: 'tweets.js era (2024, long posts, threads, photos and video)', fixture: ERAS.tweetsJs2024, tweetsFile: 'tweets.js', mediaDir: 'tweets_media', min: { kept: 150, selfReplies: 100, chained: 50, japanese: 0, quotesLinked: 0, media: 5, split: 1 } },
]

for (const era of STORY) test(`an X archive, ${era.name}: import, verify, replay --posts onto a PDS; a rerun writes nothing`, async () => {
  const { min } = era
  // The fixture archive, plus a deleted-tweets.js holding one deleted tweet (no fixture era has a non-empty one).
  const folder = join(dir, `twitter-${era.tweetsFile}`)
  await cp(era.fixture, folder, { recursive: true })
  const tweets = (await dataFile<{ tweet: Record<string, any> }[]>(join(folder, 'data', era.tweetsFile))).map((t) => t.tweet)
  const deleted: Record<string, any> = { ...tweets.find((t) => !t.full_text.startsWith('RT @') && !t.in_reply_to_status_id_str)!, id: DELETED_ID, id_str: DELETED_ID, deleted_at: 'Thu Apr 30 19:00:00 +0000 2020' }
  await writeFile(join(folder, 'data/deleted-tweets.js'), `window.YTD.deleted_tweets.part0 = ${JSON.stringify([{ tweet: deleted }], null, 2)}`)
  const { accountId: ownId, username: ownName } = (await dataFile<{ account: { accountId: string; username: string } }[]>(join(folder, 'data/account.js')))[0]!.account

  // The README's three commands (plus --plc: the test network's PLC directory).
  const archive = join(dir, `x-${era.mediaDir}.zip`)
  const imported = await runCli(['import', 'x-archive', folder, '-o', archive])
  assert.equal(imported.code, 3, `photos the fixture lacks are reported per item (exit 3)\n${imported.stderr}`)
  assert.doesNotMatch(imported.stderr, /\n\s+at /)
  const verified = await runCli(['verify', archive])
  assert.equal(verified.code, 0, verified.stderr)
  const me = await createAccount(network.pds.url, `x${era.mediaDir.length}`)
  const env = { LIFEBOAT_ATPROTO_PASSWORD: me.password }
  const replayArgs = ['replay', archive, '--to', 'atproto', '--handle', me.handle, '--pds', network.pds.url, '--plc', network.plc.url, '--posts']
  const dry = await runCli([...replayArgs, '--dry-run'], { env })
  assert.equal(dry.code, 0, dry.stderr)
  assert.match(dry.stderr, /Not re-created: 1 post deleted on their network/)
  assert.equal((await listPosts(me.agent, me.did)).length, 0, 'a dry run writes nothing')
  const replayed = await runCli(replayArgs, { env })
  assert.equal(replayed.code, 0, replayed.stderr)

  const reader = await ArchiveReader.open(archive)
  const posts: PostRecord[] = []
  for await (const post of reader.records('posts')) posts.push(post)
  assert.equal(posts.length, tweets.length + 1)
  assert.ok(posts.find((p) => p.id === DELETED_ID)!.deletedAt, 'the deleted tweet is kept in the archive, marked')

  // Which tweets come home: not deleted, not retweets, not replies to other people's tweets (the README's defaults).
  const ids = new Set(tweets.map((t) => t.id_str as string))
  const kept = tweets.filter((t) => !t.full_text.startsWith('RT @') && (!t.in_reply_to_status_id_str || ids.has(t.in_reply_to_status_id_str)))
  assert.ok(kept.length >= min.kept, `${kept.length} tweets kept`)
  const records = await listPosts(me.agent, me.did)
  const byRkey = new Map(records.map((r) => [r.uri.split('/').pop()!, r]))
  const threadOf = new Map<string, typeof records>()
  let parts = 0
  for (const tweet of kept) {
    const at = new Date(tweet.created_at).toISOString()
    const thread = []
    for (let k = 0; byRkey.has(postRkey(tweet.id_str, at, k)); k++) thread.push(byRkey.get(postRkey(tweet.id_str, at, k))!)
    assert.ok(thread.length >= 1, `tweet ${tweet.id_str} is re-created`)
    for (const record of thread) assert.equal(record.value.createdAt, at, `tweet ${tweet.id_str}: createdAt is the tweet's date`)
    threadOf.set(tweet.id_str, thread)
    parts += thread.length
  }
  assert.equal(records.length, parts, 'no record beyond the kept tweets and their parts')
  assert.ok(parts - kept.length >= min.split, `${parts - kept.length} split parts`)
  assert.ok(!byRkey.has(postRkey(DELETED_ID, new Date(deleted.created_at).toISOString(), 0)), 'the deleted tweet is not re-created')
  const twin = kept.find((t) => t.created_at === deleted.created_at && t.id_str !== DELETED_ID)!
  assert.equal(records.filter((r) => r.value.createdAt === new Date(deleted.created_at).toISOString()).length, threadOf.get(twin.id_str)!.length, 'only its living twin')

  // Reply chains to one's own tweets: the re-created reply answers the re-created tweet (its last part), same root.
  const selfReplies = kept.filter((t) => t.in_reply_to_status_id_str && t.in_reply_to_user_id_str === ownId)
  assert.ok(selfReplies.length >= min.selfReplies, `${selfReplies.length} self-replies`)
  let chained = 0
  for (const reply of selfReplies) {
    const record = threadOf.get(reply.id_str)![0]!
    // Continuing one's own reply to someone else (not re-created by default): the post stands alone.
    const parentThread = threadOf.get(reply.in_reply_to_status_id_str)
    if (!parentThread) {
      assert.equal(record.value.reply, undefined)
      continue
    }
    chained++
    const parent = parentThread.at(-1)!
    assert.deepEqual(record.value.reply.parent, { uri: parent.uri, cid: parent.cid })
    const root = parent.value.reply?.root ?? { uri: parent.uri, cid: parent.cid }
    assert.deepEqual(record.value.reply.root, root)
  }
  assert.ok(chained >= min.chained, `${chained} replies chained`)
  for (const tweet of kept.filter((t) => !t.in_reply_to_status_id_str)) assert.equal(threadOf.get(tweet.id_str)![0]!.value.reply, undefined)

  // The text: the archive's post text (HTML-unescaped, t.co expanded) joined back from its parts; Japanese intact.
  const postById = new Map(posts.map((p) => [p.id, p]))
  let japanese = 0
  for (const tweet of kept) {
    const text = threadOf.get(tweet.id_str)!.map((r) => r.value.text).filter(Boolean).join(' ')
    assert.equal(text.replace(/\s+/g, ' '), postById.get(tweet.id_str)!.text.trim().replace(/\s+/g, ' '))
    if (KANA.test(text)) japanese++
    if (!/[&@#…]|https?:/.test(tweet.full_text) && threadOf.get(tweet.id_str)!.length === 1) {
      assert.equal(threadOf.get(tweet.id_str)![0]!.value.text, tweet.full_text.trim(), 'a plain tweet is byte for byte the same')
    }
  }
  assert.ok(japanese >= min.japanese, `${japanese} Japanese posts`)

  // Quotes: of a re-created tweet, an embedded record; of someone else's tweet, its link (nothing else shows it).
  const quotes = posts.filter((p) => p.quoteOf && !p.deletedAt)
  let embedded = 0
  let linked = 0
  for (const quote of quotes) {
    if (!threadOf.has(quote.id)) continue // a reply to someone else, left out
    const record = threadOf.get(quote.id)![0]!
    const quoted = threadOf.get(quote.quoteOf!)
    if (quoted) {
      const embed = record.value.embed
      assert.ok(embed, `quote ${quote.id} of ${quote.quoteOf} embeds it: ${JSON.stringify(record.value)}`)
      assert.deepEqual(embed.$type === 'app.bsky.embed.recordWithMedia' ? embed.record.record : embed.record, { uri: quoted[0]!.uri, cid: quoted[0]!.cid })
      embedded++
      continue
    }
    const url = tweets.find((t) => t.id_str === quote.id)!.entities.urls.at(-1).expanded_url as string
    if (url.toLowerCase().includes(`/${ownName.toLowerCase()}/status/`)) continue // one's own tweet, gone from the archive
    const facet = (record.value.facets ?? []).find((f: any) => f.features[0].uri === url)
    assert.ok(facet, `quote ${quote.id} links the quoted tweet: ${record.value.text}`)
    assert.equal(byteSlice(record.value.text, facet.index), url)
    linked++
  }
  assert.ok(linked >= min.quotesLinked, `${quotes.length} quotes, ${linked} linked, ${embedded} embedded`)

  // Facets select exactly their text: a link its URL, a tag `#tag`, an X mention `@name` linking to the account.
  const seen = { link: 0, tag: 0, mention: 0 }
  for (const record of records) {
    for (const facet of record.value.facets ?? []) {
      const text = byteSlice(record.value.text, facet.index)
      const feature = facet.features[0]
      if (feature.$type === 'app.bsky.richtext.facet#tag') {
        assert.equal(text.replace(/^[#＃]/, ''), feature.tag)
        seen.tag++
      } else if (feature.$type === 'app.bsky.richtext.facet#link' && text.startsWith('@')) {
        assert.equal(feature.uri.toLowerCase(), `https://x.com/${text.slice(1)}`.toLowerCase())
        seen.mention++
      } else {
        assert.equal(feature.$type, 'app.bsky.richtext.facet#link')
        assert.ok(feature.uri === text || feature.uri === `https://${text}`, `${text} → ${feature.uri}`)
        seen.link++
      }
    }
  }
  assert.ok(seen.link > 0 && seen.mention > 0, JSON.stringify(seen))

  // Photos: the fixture's files, byte for byte, as image blobs of their tweet's post.
  let photos = 0
  for (const name of await readdir(join(folder, 'data', era.mediaDir))) {
    const thread = threadOf.get(name.split('-')[0]!)
    if (!thread) continue
    const refs = thread.flatMap((r) => [...(r.value.embed?.images ?? []).map((i: any) => i.image), ...(r.value.embed?.video ? [r.value.embed.video] : [])])
    const bytes = await readFile(join(folder, 'data', era.mediaDir, name))
    const blobs = await Promise.all(refs.map(async (ref: any) => Buffer.from((await me.agent.com.atproto.sync.getBlob({ did: me.did, cid: ref.ref.toString() })).data)))
    assert.ok(blobs.some((b) => b.equals(bytes)), `${name} is a blob of its post`)
    photos++
  }
  assert.ok(photos >= min.media, `${photos} photos`)

  // The same command again: nothing is written.
  const head = (await me.agent.com.atproto.sync.getLatestCommit({ did: me.did })).data
  const again = await runCli(replayArgs, { env })
  assert.equal(again.code, 0, again.stderr)
  assert.deepEqual((await me.agent.com.atproto.sync.getLatestCommit({ did: me.did })).data, head, 'a rerun writes nothing')
  assert.equal((await listPosts(me.agent, me.did)).length, records.length)
})
