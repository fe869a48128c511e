// Issue 11: `follows` of an AT Protocol archive in Mastodon CSV (what could not be written, Bridgy Fed addresses),
// and `inspect`'s date range, size on disk and display name. The archive is written here with the real writer.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { runCli } from '../_util/cli.js'

let archive = ''

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-follows-'))
  archive = join(dir, 'bsky.zip')
  const account = { id: 'did:plc:alice000000000000000000', handle: 'alice.bsky.social' }
  const writer = await ArchiveWriter.open({ path: archive, source: { network: 'atproto', server: 'https://pds.example.com', account } })
  await writer.setProfile({ account, displayName: 'Alice Liddell', description: '', fields: [], aliases: [] })
  await writer.write('posts', { id: 'at://a/app.bsky.feed.post/2', createdAt: '2026-03-05T10:00:00.000Z', text: 'later' })
  await writer.write('posts', { id: 'at://a/app.bsky.feed.post/1', createdAt: '2025-12-24T08:30:00.000Z', text: 'first' })
  await writer.write('following', { account: { id: 'did:plc:bob00000000000000000000', handle: 'bob.bsky.social' } })
  await writer.write('following', { account: { id: 'did:plc:carol000000000000000000' } })
  await writer.write('following', { account: { id: 'https://mastodon.example/users/dan', handle: 'dan@mastodon.example' } })
  await writer.finish()
})

test('follows --format csv of an AT Protocol archive says what it could not write and offers Bridgy Fed', async () => {
  const csv = await runCli(['follows', archive, '--format', 'csv'])
  assert.equal(csv.code, 3, csv.stderr)
  assert.equal(csv.stdout, 'Account address,Show boosts,Notify on new posts,Languages\ndan@mastodon.example,true,false,\n')
  assert.match(csv.stderr, /not written: bob\.bsky\.social/)
  assert.match(csv.stderr, /not written: did:plc:carol/)
  assert.match(csv.stderr, /2 of 3 followed accounts could not be written/)
  assert.match(csv.stderr, /1 of them can be written as Bridgy Fed addresses .*--bridgy-fed/)
  const bridged = await runCli(['follows', archive, '--format', 'csv', '--bridgy-fed'])
  assert.equal(bridged.code, 3, 'carol, known only by DID, still cannot be written')
  assert.match(bridged.stdout, /^bob\.bsky\.social@bsky\.brid\.gy,true,false,$/m)
  assert.match(bridged.stdout, /^dan@mastodon\.example,/m)
  assert.match(bridged.stderr, /opted into the bridge/)
  assert.match(bridged.stderr, /not written: did:plc:carol0+ is known only by its DID: this archive does not record its handle/)
  assert.match(bridged.stderr, /hint: This archive knows them only by DID .*export again to record their handles/)
})

test('follows text shows handles first; JSON ends with a newline', async () => {
  const text = await runCli(['follows', archive])
  assert.equal(text.code, 0)
  assert.equal(text.stdout.split('\n')[0], 'bob.bsky.social\tdid:plc:bob00000000000000000000')
  assert.match(text.stderr, /1 are known only by id/)
  for (const args of [['--json', 'follows', archive], ['follows', archive, '--format', 'json']]) {
    const run = await runCli(args)
    assert.equal(run.code, 0)
    assert.ok(run.stdout.endsWith('\n'), args.join(' '))
  }
})

test('inspect shows the posts\' date range, the size on disk and the display name (text and --json)', async () => {
  const size = (await stat(archive)).size
  const json = await runCli(['--json', 'inspect', archive])
  assert.equal(json.code, 0, json.stderr)
  const result = JSON.parse(json.stdout.trim())
  assert.deepEqual(result.posts, { first: '2025-12-24T08:30:00.000Z', last: '2026-03-05T10:00:00.000Z' })
  assert.equal(result.sizeOnDisk, size)
  assert.equal(result.displayName, 'Alice Liddell')
  const text = await runCli(['inspect', archive])
  assert.match(text.stderr, /^account: +Alice Liddell, alice\.bsky\.social \(did:plc:alice0+\)$/m)
  assert.match(text.stderr, /^posts: +2025-12-24T08:30:00\.000Z to 2026-03-05T10:00:00\.000Z$/m)
  assert.match(text.stderr, new RegExp(`^size: +.* \\(${size} bytes\\) on disk$`, 'm'))
})
