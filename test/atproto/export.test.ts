import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { seedSampleWorld, type SampleWorld } from '../../src/demo/sample-account.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { captureCli, runCli } from '../_util/cli.js'
import { entryAppears } from '../_util/wait.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { readdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cidSha256Hex } from '../../src/files/cid.js'
import { run as follows } from '../../src/commands/follows.js'

let network: TestNetworkNoAppView
let world: SampleWorld
let dir: string

before(async () => {
  network = await TestNetworkNoAppView.create({})
  world = await seedSampleWorld(network.pds.url)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-atproto-'))
})

after(async () => {
  await network?.close()
})

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

test('export holds every record, blob and the preferences, matching what the PDS has', async () => {
  const output = join(dir, 'alice.zip')
  const { cli } = captureCli({ env: { ALICE_PW: world.alice.password } })
  const result = await exportAtproto(world.alice.handle, { output, pds: network.pds.url, plc: network.plc.url, passwordEnv: 'ALICE_PW' }, cli)
  assert.equal(result.failures.length, 0)
  assert.ok((await verifyArchive(output)).ok)

  const reader = await ArchiveReader.open(output)
  const posts = await collect(reader.records('posts'))
  assert.deepEqual(posts.map((p) => p.id).sort(), [...world.created.posts].sort())
  // Record CIDs in the archive are the ones the PDS holds.
  const listed = await world.alice.agent.com.atproto.repo.listRecords({ repo: world.alice.did, collection: 'app.bsky.feed.post' })
  assert.deepEqual(new Set(posts.map((p) => `${p.id} ${p.cid}`)), new Set(listed.data.records.map((r) => `${r.uri} ${r.cid}`)))

  const first = posts.find((p) => p.text.startsWith('Hello'))!
  assert.deepEqual(first.mentions, [{ id: world.friends[0]!.did }])
  assert.deepEqual(first.links, ['https://atproto.com'])
  assert.deepEqual(first.tags, ['lifeboat'])
  const images = posts.find((p) => p.text === 'Two pictures')!
  assert.deepEqual(images.media!.map((m) => m.alt), ['a red square', 'a green square'])
  assert.ok(posts.find((p) => p.text === 'Replying to myself')!.replyTo?.id)
  assert.ok(posts.find((p) => p.text === 'Quoting bob')!.quoteOf?.startsWith('at://'))
  assert.equal(posts.find((p) => p.text === 'A link card')!.external?.uri, 'https://example.com/article')

  const following = await collect(reader.records('following'))
  assert.deepEqual(following.map((f) => f.account.id).sort(), [...world.created.follows].sort())
  assert.deepEqual((await collect(reader.records('blocks'))).map((b) => b.account.id), world.created.blocks)
  // Follows and blocks name accounts by DID; the export records the handle each DID document (here on the test PLC) claims.
  const handleOf = new Map(world.friends.map((f) => [f.did, f.handle]))
  for (const f of following) assert.equal(f.account.handle, handleOf.get(f.account.id), f.account.id)
  assert.deepEqual((await collect(reader.records('blocks'))).map((b) => b.account.handle), world.created.blocks.map((did) => handleOf.get(did)))
  const lists = await collect(reader.records('lists'))
  assert.equal(lists.length, 1)
  assert.deepEqual(lists[0]!.members.map((m) => m.id).sort(), [...world.created.listMembers].sort())
  assert.equal((await collect(reader.records('likes'))).length, world.created.likes)
  assert.equal((await collect(reader.records('reposts'))).length, world.created.reposts)

  // Every blob is present and its bytes hash to its CID.
  const media = await collect(reader.records('media'))
  assert.equal(media.length, world.created.images)
  for (const m of media) assert.equal(m.sha256, cidSha256Hex(m.source.cid!))
  const prefs = await reader.readJson<{ preferences: { $type: string }[] }>('native/atproto/preferences.json')
  assert.ok(prefs.preferences.some((p) => p.$type === 'app.bsky.actor.defs#adultContentPref'))
  assert.ok(reader.has('native/atproto/repo.car'))
  const profile = await reader.readJson<{ displayName: string; avatar: { sha256: string } }>('profile.json')
  assert.equal(profile.displayName, 'Alice Example')
  assert.ok(media.some((m) => m.sha256 === profile.avatar.sha256))
  reader.close()
})

test('public export needs no login and notes that preferences were skipped', async () => {
  const output = join(dir, 'public.zip')
  const { cli } = captureCli()
  const result = await exportAtproto(world.alice.did, { output, pds: network.pds.url }, cli)
  assert.ok(result.manifest.notes.some((n) => n.includes('preferences not exported')))
  assert.equal(result.manifest.counts.posts, world.created.posts.length)
  // With --server alone no directory is read, so the follows keep their DIDs only, and the archive says so.
  assert.ok(result.manifest.notes.some((n) => n.startsWith('handles of followed and blocked accounts not looked up')), result.manifest.notes.join('\n'))
})

test('the repo CAR is asked for uncompressed (the reference PDS compresses it block by block, slower than sending it)', async () => {
  const encodings: (string | undefined)[] = []
  const proxy = await startFaultProxy({
    target: network.pds.url,
    skip(req) {
      if (req.url?.startsWith('/xrpc/com.atproto.sync.getRepo')) encodings.push(req.headers['accept-encoding'])
      return true
    },
  })
  try {
    const output = join(dir, 'uncompressed.zip')
    const { cli } = captureCli()
    const result = await exportAtproto(world.alice.did, { output, pds: proxy.url }, cli)
    assert.equal(result.manifest.counts.posts, world.created.posts.length)
    assert.ok((await verifyArchive(output)).ok)
    assert.deepEqual(encodings, ['identity'])
  } finally {
    await proxy.close()
  }
})

test('follows of an exported AT Protocol archive: handles in text, Bridgy Fed addresses in Mastodon CSV', async () => {
  const output = join(dir, 'handles.zip')
  await exportAtproto(world.alice.did, { output, pds: network.pds.url, plc: network.plc.url }, captureCli().cli)
  const followed = world.friends.filter((f) => world.created.follows.includes(f.did))
  const text = captureCli()
  await follows(output, {}, text.cli)
  assert.deepEqual(text.stdout().split('\n').filter(Boolean).sort(), followed.map((f) => `${f.handle}\t${f.did}`).sort())
  assert.doesNotMatch(text.stderr(), /known only by id/)
  const csv = captureCli()
  await follows(output, { format: 'csv', bridgyFed: true }, csv.cli)
  const rows = csv.stdout().split('\n').filter(Boolean)
  assert.equal(rows[0], 'Account address,Show boosts,Notify on new posts,Languages')
  assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]).sort(), followed.map((f) => `${f.handle}@bsky.brid.gy`).sort())
  assert.match(csv.stderr(), /works only for accounts that opted into the bridge/)
})

test('a DID document that cannot be read leaves that account by DID only, noted in the archive; the export succeeds', async () => {
  const output = join(dir, 'plc-down.zip')
  // The PLC as seen through a proxy that answers 410 (tombstoned) for the documents of the followed accounts.
  const followed = new Set(world.created.follows)
  const proxy = createServer(async (req, res) => {
    if (followed.has(decodeURIComponent((req.url ?? '').slice(1)))) return void res.writeHead(410).end()
    const answer = await fetch(network.plc.url + req.url)
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()))
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const plc = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  try {
    const { cli } = captureCli()
    const result = await exportAtproto(world.alice.did, { output, pds: network.pds.url, plc }, cli)
    assert.equal(result.failures.length, 0)
    assert.ok(result.manifest.notes.some((n) => n.startsWith(`handles of ${followed.size} followed or blocked accounts not looked up`)), result.manifest.notes.join('\n'))
    const reader = await ArchiveReader.open(output)
    const following = await collect(reader.records('following'))
    const blocks = await collect(reader.records('blocks'))
    reader.close()
    assert.deepEqual(following.map((f) => f.account.handle), following.map(() => undefined))
    assert.ok(blocks.every((b) => typeof b.account.handle === 'string'), 'the blocked account\'s document was read')
  } finally {
    proxy.closeAllConnections()
    await new Promise((resolve) => proxy.close(resolve))
  }
})

test('the password never appears in output, errors or the archive (CLI run)', async () => {
  const output = join(dir, 'secret.zip')
  const env = { ALICE_PW: world.alice.password }
  const ok = await runCli(['--json', '--verbose', 'export', 'atproto', world.alice.handle, '-o', output, '--pds', network.pds.url, '--password-env', 'ALICE_PW'], { env })
  assert.equal(ok.code, 0, ok.stderr)
  const bytes = await readFile(output)
  for (const text of [ok.stdout, ok.stderr, bytes.toString('latin1')]) assert.ok(!text.includes(world.alice.password))
  const wrong = await runCli(['export', 'atproto', world.alice.handle, '-o', join(dir, 'wrong.zip'), '--pds', network.pds.url, '--password-env', 'BAD_PW'], {
    env: { BAD_PW: 'not-the-password-xyz' },
  })
  assert.equal(wrong.code, 4, wrong.stderr)
  assert.match(wrong.stderr, /refused the login/)
  assert.ok(!wrong.stderr.includes('not-the-password-xyz'))
  assert.ok(!wrong.stderr.includes('    at '), 'no stack trace')
})

test('bad input gets one clear line and a documented exit code', async () => {
  const malformed = await runCli(['export', 'atproto', 'not a handle!', '-o', join(dir, 'x.zip')])
  assert.equal(malformed.code, 2)
  assert.match(malformed.stderr, /is not a valid handle/)
  const insecure = await runCli(['export', 'atproto', 'alice.test', '-o', join(dir, 'y.zip'), '--pds', 'http://pds.example.com'])
  assert.equal(insecure.code, 2)
  assert.match(insecure.stderr, /https/)
  const unreachable = await runCli(['export', 'atproto', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', '-o', join(dir, 'z.zip'), '--pds', 'http://127.0.0.1:9'])
  assert.equal(unreachable.code, 5, unreachable.stderr)
  assert.equal(unreachable.stderr.split('\n').filter((l) => l.startsWith('error: ')).length, 1, unreachable.stderr)
  assert.match(unreachable.stderr, /^hint: /m)
  assert.ok(!unreachable.stderr.includes('    at '), 'no stack trace')
})

test('Ctrl-C stops an export with exit 130 and leaves nothing that looks like an archive; a rerun completes', async () => {
  const slow = await startFaultProxy({ target: network.pds.url, latencyMs: 250 })
  try {
    const sub = await mkdtemp(join(dir, 'interrupt-'))
    const output = join(sub, 'alice.zip')
    const args = ['export', 'atproto', world.alice.did, '-o', output, '--pds', slow.url]
    // Ctrl-C once the run has started writing (its staging entry appeared next to the output), not after a delay
    const interrupted = await runCli(args, { killWhen: () => entryAppears(sub), signal: 'SIGINT' })
    assert.equal(interrupted.code, 130, interrupted.stderr)
    assert.match(interrupted.stderr, /Interrupted|Stopping/)
    const left = await readdir(sub)
    assert.ok(!left.includes('alice.zip'), 'no archive under the final name')
    assert.ok(!left.includes('alice.zip.partial'), 'no zip that could pass for an archive')
    const rerun = await runCli(args)
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.deepEqual(await readdir(sub), ['alice.zip'])
  } finally {
    await slow.close()
  }
})
