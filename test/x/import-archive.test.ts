// `lifeboat import x-archive`: every fixture era (real X archive files, fixtures/x/README.md) becomes a verified
// Lifeboat archive whose record counts, texts and media match the fixture read independently.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { run as importX } from '../../src/commands/import-x-archive.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { mediaMember } from '../../src/archive/format.js'
import type { PostRecord } from '../../src/archive/records.js'
import { runCommand } from '../_util/cli.js'
import { dataFile, ERAS, expectedCounts, zipOf, type Expected } from './_archives.js'

let dir: string
let expected: Record<string, Expected>

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-x-import-'))
  expected = await expectedCounts()
})

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

async function importEra(source: string, name: string) {
  const output = join(dir, `${name}.zip`)
  const run = await runCommand({}, (cli) => importX(source, { output }, cli))
  assert.equal(run.stderr.includes('    at '), false, 'no stack trace')
  assert.ok((await verifyArchive(output)).ok, `${output} verifies`)
  const reader = await ArchiveReader.open(output)
  return { run, reader, output }
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

for (const [era, folder] of Object.entries(ERAS)) {
  test(`${era}: the ${basename(folder)} archive imports with every tweet, relation and media file`, async () => {
    const want = expected[basename(folder)]!
    const { run, reader } = await importEra(folder, era)
    const manifest = reader.manifest
    assert.equal(manifest.source.network, 'x')
    assert.equal(manifest.source.server, 'https://x.com')
    const posts = await collect(reader.records('posts'))
    const media = await collect(reader.records('media'))
    const failedMedia = manifest.notes.filter((n) => n.startsWith('failed media ')).length
    if (want.tweets !== undefined) {
      assert.equal(posts.length, want.tweets)
      assert.equal(posts.filter((p) => p.repostOf).length, want.retweets)
      assert.equal(new Set(posts.map((p) => p.id)).size, posts.length, 'one record per tweet')
      const me = manifest.source.account.id
      const replies = posts.filter((p) => p.replyTo)
      assert.equal(replies.filter((p) => (p.native as any).in_reply_to_user_id_str === me).length, want.replies_self)
      assert.equal(replies.length, want.replies_self! + want.replies_others!)
      // Every media file of the fixture is in the archive, byte for byte, attached to its tweet.
      assert.equal(media.length, want.media_files_present)
      for (const file of want.media_files) {
        const bytes = await readFile(join(folder, 'data', folder.includes('tweets.js') ? 'tweets_media' : 'tweet_media', file))
        const hash = sha256(bytes)
        assert.ok(reader.has(mediaMember(hash)), `${file} stored`)
        const tweetId = file.split('-')[0]!
        assert.ok(posts.find((p) => p.id === tweetId)!.media!.some((m) => m.sha256 === hash), `${file} attached to ${tweetId}`)
      }
      // Media the trimmed fixture lacks are reported one by one (partial failure, exit 3); Grailbird has none at all.
      const missing = era === 'grailbird' ? 0 : want.media_entities! - want.media_files_present!
      assert.equal(failedMedia, missing)
      assert.equal(run.code, missing > 0 ? 3 : 0)
      if (missing > 0) assert.match(run.stderr, /error: \d+ items? could not be exported; the archive holds everything else\./)
    } else {
      assert.equal(run.code, 0)
      assert.equal(posts.length, 0)
    }
    const fileCount = (file: string) => want.file_items[`data/${file}`]
    const kinds: [string, 'following' | 'followers' | 'blocks' | 'mutes' | 'likes'][] = [['following.js', 'following'], ['follower.js', 'followers'], ['block.js', 'blocks'], ['mute.js', 'mutes'], ['like.js', 'likes']]
    for (const [file, kind] of kinds) {
      if (fileCount(file) === undefined) assert.equal(manifest.counts[kind], undefined)
      else assert.equal(manifest.counts[kind], fileCount(file), kind)
    }
    const lists = (fileCount('lists-created.js') ?? 0) + (fileCount('lists-subscribed.js') ?? 0) + (fileCount('lists-member.js') ?? 0)
    assert.equal(manifest.counts.lists ?? 0, lists)
    reader.close()
  })
}

test('tweet.js era: Japanese text is exact, HTML entities are unescaped, t.co links expanded, quotes and replies kept', async () => {
  const { reader } = await importEra(ERAS.tweetJs, 'tweetjs-texts')
  const posts = new Map((await collect(reader.records('posts'))).map((p) => [p.id, p]))
  const tweets: any[] = (await dataFile(join(ERAS.tweetJs, 'data/tweet.js'))).map((t: any) => t.tweet)
  // A known Japanese post with `&lt;` and `&amp;&amp;` in X's text.
  const known = posts.get('1108258249218748416')!
  const source = tweets.find((t) => t.id_str === '1108258249218748416')
  assert.equal(known.text, unescape(source.full_text))
  assert.match(known.text, /^春合宿A\nクエリはZ<-max\(Z,X\+Y\)としてから/)
  assert.match(known.text, /S<X&&T<Yはない$/)
  assert.deepEqual(known.langs, ['ja'])
  assert.equal(known.createdAt, '2019-03-20T06:45:31.000Z')
  // Every plain post without links or media is X's text, unescaped, character for character.
  for (const tweet of tweets.filter((t) => !t.full_text.startsWith('RT @') && !t.full_text.includes('https://t.co/'))) {
    assert.equal(posts.get(tweet.id_str)!.text, unescape(tweet.full_text))
  }
  const linked = posts.get('841163574529613824')!
  assert.equal(linked.text, '難易度表が破壊されてる\nhttps://docs.google.com/spreadsheets/d/1zXDtkFmskO5NSxkqck8uDbcJtAhTVZtzPh2hLw64Sw4/htmlview?pli=1')
  assert.equal(posts.get('941942299843371010')!.quoteOf, '941940610453213184')
  assert.equal(posts.get('842586074962575364')!.replyTo!.id, '842535905818632192')
  const media = posts.get('1080574585613864960')!
  assert.equal(media.text, 'Hello UEFI!\n昨日の夕方に始めたのにいつの間にか朝になってる', 'the media link leaves the text')
  assert.equal(media.media!.length, 1)
  reader.close()
})

test('tweets.js era: long posts get note-tweet.js text in full; videos their mp4; followers named from tweets', async () => {
  const { reader } = await importEra(ERAS.tweetsJs2024, 'alrocar-notes')
  const posts = await collect(reader.records('posts'))
  const notes: any[] = (await dataFile(join(ERAS.tweetsJs2024, 'data/note-tweet.js'))).map((n: any) => n.noteTweet)
  assert.deepEqual(reader.manifest.notes.filter((n) => n.includes('note-tweet.js')), [], 'every note found its tweet')
  const note = notes.find((n) => n.core.text.startsWith('2/100 #100DaysOfCode'))
  const post = posts.find((p) => p.text.startsWith('2/100 #100DaysOfCode'))!
  assert.equal(post.text, note.core.text)
  assert.ok([...post.text].length > 280, 'not truncated')
  // A stub is cut with `…`, before any trailing t.co links (fixtures/x/README.md counts the 11 that end in a link).
  const tweets: any[] = (await dataFile(join(ERAS.tweetsJs2024, 'data/tweets.js'))).map((t: any) => t.tweet)
  const stubs = tweets.filter((t) => !t.full_text.startsWith('RT @') && t.full_text.replace(/(\s*https:\/\/t\.co\/\w+)*\s*$/, '').endsWith('…'))
  assert.equal(stubs.length, 26)
  assert.deepEqual(posts.filter((p) => (p.native as any)?.noteTweet).map((p) => p.id).sort(), stubs.map((t) => t.id_str).sort(), 'every stub is matched with its note')
  for (const p of posts.filter((p) => (p.native as any)?.noteTweet)) assert.equal(p.text.includes('…'), (p.native as any).noteTweet.core.text.includes('…'))
  const video = posts.find((p) => p.id === '1761720930114388258')!
  assert.equal(video.media![0]!.mime, 'video/mp4')
  reader.close()

  const jack = await importEra(ERAS.tweetsJs2022, 'jack-relations')
  const followers = await collect(jack.reader.records('followers'))
  const named = followers.filter((f) => f.account.handle)
  const jackTweets: any[] = (await dataFile(join(ERAS.tweetsJs2022, 'data/tweets.js'))).map((t: any) => t.tweet)
  const mentioned = new Map<string, string>()
  for (const t of jackTweets) for (const m of t.entities.user_mentions) mentioned.set(m.id_str, m.screen_name)
  assert.ok(named.length > 0)
  for (const f of followers) {
    if (mentioned.has(f.account.id)) assert.deepEqual([f.account.handle, f.account.url], [mentioned.get(f.account.id), `https://x.com/${mentioned.get(f.account.id)}`])
    else assert.deepEqual(f.account, { id: f.account.id, url: `https://x.com/intent/user?user_id=${f.account.id}` })
  }
  const gif = (await collect(jack.reader.records('posts'))).find((p) => p.id === '1571521051921629184')!
  assert.equal(gif.media!.length, 1)
  assert.equal(gif.media![0]!.mime, 'video/mp4')
  jack.reader.close()
})

test('Grailbird: retweets name the original tweet, dates and Chinese text come through', async () => {
  const { reader } = await importEra(ERAS.grailbird, 'grailbird-texts')
  const posts = await collect(reader.records('posts'))
  const months: any[] = (await dataFile(join(ERAS.grailbird, 'data/js/tweets/2014_05.js')))
  const first = posts.find((p) => p.id === months[0].id_str)!
  assert.equal(first.text, '一个肉眼明显看得出的 BUG，又被反问为什么以前一直好的？')
  assert.equal(first.createdAt, '2014-05-27T12:24:35.000Z')
  const retweets = posts.filter((p) => p.repostOf)
  for (const rt of retweets) assert.equal(rt.repostOf, (rt.native as any).retweeted_status.id_str)
  assert.ok(reader.manifest.notes.some((n) => n.startsWith('Grailbird archives hold no media files: 9 photos')))
  reader.close()
})

test('tweet.js era with relations: lists, blocks, mutes, likes and the direct message', async () => {
  const { reader } = await importEra(ERAS.noTweets, 'hotoo-2020')
  const lists = await collect(reader.records('lists'))
  assert.deepEqual(lists.find((l) => l.id === 'https://twitter.com/hotoo/lists/kindle'), {
    id: 'https://twitter.com/hotoo/lists/kindle', name: 'kindle', description: null, purpose: 'created', members: [],
    native: { url: 'https://twitter.com/hotoo/lists/kindle', relation: 'created', owner: 'hotoo' },
  })
  const mutes = await collect(reader.records('mutes'))
  assert.deepEqual(mutes[0]!.account, { id: '91485365', url: 'https://x.com/intent/user?user_id=91485365' })
  const likes = await collect(reader.records('likes'))
  assert.equal(likes[0]!.subject, '1291738124347875328')
  const chunks: Buffer[] = []
  for await (const chunk of await reader.openMember('native/x/direct-messages.jsonl')) chunks.push(chunk as Buffer)
  const dms = Buffer.concat(chunks).toString('utf8').trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(dms.length, 1)
  assert.equal(dms[0].messages[0].messageCreate.text, 'Hi! Thanks for following us. For support questions, check out http://www.wordpress.org/support')
  const profile = await reader.readJson<any>('profile.json')
  assert.equal(profile.fields.find((f: any) => f.name === 'Location').value, '杭州')
  assert.equal(JSON.stringify(profile).includes('redacted@example.com'), false, 'the e-mail address is not copied')
  reader.close()
})

test('a zipped archive inside one folder, split tweets-part files and deleted tweets import too', async () => {
  const folder = join(dir, 'split')
  await cp(ERAS.tweetsJs2022, folder, { recursive: true })
  const tweets = await dataFile(join(folder, 'data/tweets.js'))
  // X splits large types into tweets.js, tweets-part1.js, …, each its own `window.YTD.tweets.partN`.
  await writeFile(join(folder, 'data/tweets.js'), `window.YTD.tweets.part0 = ${JSON.stringify(tweets.slice(0, 100), null, 2)}`)
  await writeFile(join(folder, 'data/tweets-part1.js'), `window.YTD.tweets.part1 = ${JSON.stringify(tweets.slice(100), null, 2)}`)
  const deleted = { ...tweets[0].tweet, id_str: '1500000000000000001', id: '1500000000000000001', full_text: 'gone &amp; deleted', deleted_at: 'Mon Jan 02 03:04:05 +0000 2023', entities: { urls: [], user_mentions: [], hashtags: [] } }
  delete deleted.extended_entities
  await writeFile(join(folder, 'data/deleted-tweets.js'), `window.YTD.deleted_tweets.part0 = [ {\n  "tweet" : ${JSON.stringify(deleted)}\n} ]`)
  // Community tweets live in their own file; one that is also in tweets.js stays one post.
  const community = { ...deleted, id_str: '1500000000000000002', id: '1500000000000000002', full_text: 'in a community' }
  delete community.deleted_at
  await writeFile(join(folder, 'data/community-tweet.js'), `window.YTD.community_tweet.part0 = ${JSON.stringify([{ tweet: community }, tweets[3]], null, 2)}`)
  const zip = join(dir, 'twitter-split.zip')
  await writeFile(zip, await zipOf(folder, { top: 'twitter-2022-11-06/' }))
  const { reader } = await importEra(zip, 'split-out')
  const posts = await collect(reader.records('posts'))
  assert.equal(posts.length, 302)
  assert.equal(new Set(posts.map((p) => p.id)).size, 302)
  assert.equal(posts.find((p) => p.id === '1500000000000000002')!.text, 'in a community')
  const gone = posts.find((p) => p.id === '1500000000000000001')!
  assert.equal(gone.text, 'gone & deleted')
  assert.equal(gone.deletedAt, '2023-01-02T03:04:05.000Z')
  assert.equal(posts.filter((p: PostRecord) => p.deletedAt).length, 1)
  assert.equal(reader.manifest.counts.media, 12)
  reader.close()
})

test('an import interrupted after its first media file exits 130; the rerun reuses the staged media and writes each post once', async () => {
  const output = join(dir, 'interrupted.zip')
  const staged = `${output}.partial.d/media-staged.jsonl`
  const first = await runCommand({}, async (cli, abort) => {
    let settled = false
    const running = importX(ERAS.tweetsJs2022, { output }, cli).finally(() => (settled = true))
    // Waits for the event (the writer's staging index gains its first line), not for a time.
    const watcher = (async () => {
      while (!settled) {
        const text = await readFile(staged, 'utf8').catch(() => '')
        if (text.includes('\n')) return abort()
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    try {
      return await running
    } finally {
      await watcher
    }
  })
  assert.equal(first.code, 130)
  assert.equal(await stat(output).then(() => true, () => false), false)
  const second = await runCommand({}, (cli) => importX(ERAS.tweetsJs2022, { output }, cli))
  assert.equal(second.code, 3)
  assert.match(second.stderr, /Resuming: \d+ media files were already downloaded/)
  const reader = await ArchiveReader.open(output)
  const posts = await collect(reader.records('posts'))
  assert.equal(posts.length, 300)
  assert.equal(new Set(posts.map((p) => p.id)).size, 300)
  assert.equal(reader.manifest.counts.media, 12)
  reader.close()
})
