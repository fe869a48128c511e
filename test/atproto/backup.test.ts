import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView, TestPds } from '@atproto/dev-env'
import { CID } from 'multiformats/cid'
import { seedSampleWorld, createAccount, type SampleWorld } from '../../src/demo/sample-account.js'
import { runOnce as backup } from '../../src/commands/backup-atproto.js'
import { run as restore } from '../../src/commands/restore-atproto.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { openStore } from '../../src/store/store.js'
import { walkSnapshot, type AtprotoSnapshotData } from '../../src/adapters/atproto/backup.js'
import type { Snapshot } from '../../src/store/format.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { startFaultProxy, type FaultProxy } from '../_util/fault-proxy.js'
import { captureCli, runCli } from '../_util/cli.js'
import { entryAppears } from '../_util/wait.js'
import { startS3rver } from '../_util/s3rver.js'
import { run as forget } from '../../src/commands/forget.js'

let network: TestNetworkNoAppView
let world: SampleWorld
let dir: string
let proxy: FaultProxy

before(async () => {
  network = await TestNetworkNoAppView.create({})
  world = await seedSampleWorld(network.pds.url)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-backup-'))
  proxy = await startFaultProxy({ target: network.pds.url })
})

after(async () => {
  await proxy?.close()
  await network?.close()
})

async function latest(store: string): Promise<Snapshot<AtprotoSnapshotData>> {
  return (await (await openStore(store)).readSnapshot('latest', { kind: 'atproto-repo' })) as Snapshot<AtprotoSnapshotData>
}

async function recordUris(store: string, snapshot: Snapshot<AtprotoSnapshotData>): Promise<string[]> {
  const s = await openStore(store)
  const { CarBlockStore } = await import('../../src/adapters/atproto/car-file.js')
  const { walkRecords } = await import('../../src/adapters/atproto/mst.js')
  const blocks = new CarBlockStore()
  for (const pack of snapshot.data.packs) await blocks.addFile(s.objectPath(pack))
  const uris: string[] = []
  for await (const r of walkRecords(blocks, CID.parse(snapshot.data.commit))) uris.push(`${r.collection}/${r.rkey} ${r.cid}`)
  await blocks.close()
  return uris
}

test('backups: full, then unchanged in at most three requests, then a diff that reflects a post and a deletion; restore onto a second PDS', async () => {
  const store = join(dir, 'store')
  const env = { PW: world.alice.password }
  const first = await backup(world.alice.did, { store, pds: proxy.url, passwordEnv: 'PW' }, captureCli({ env }).cli)
  assert.equal(first[0]!.status, 'changed')
  const full = await latest(store)
  assert.equal(full.data.full, true)
  assert.equal(full.data.blobs.length, world.created.images)
  assert.ok(full.data.preferences)

  proxy.resetStats()
  const unchanged = await backup(world.alice.did, { store, pds: proxy.url, passwordEnv: 'PW' }, captureCli({ env }).cli)
  assert.equal(unchanged[0]!.status, 'unchanged')
  assert.ok(proxy.stats.requests <= 3, `an unchanged backup made ${proxy.stats.requests} requests`)
  proxy.resetStats()
  await backup(world.alice.did, { store, pds: proxy.url }, captureCli().cli)
  assert.equal(proxy.stats.requests, 1, 'without a login an unchanged backup is one getLatestCommit')

  const added = await world.alice.agent.post({ text: 'new after the first backup', createdAt: new Date().toISOString() })
  const deleted = world.created.posts[0]!
  await world.alice.agent.deletePost(deleted)
  const third = await backup(world.alice.did, { store, pds: proxy.url }, captureCli().cli)
  assert.equal(third[0]!.status, 'changed')
  const diff = await latest(store)
  assert.equal(diff.data.full, false, 'the second changed snapshot is a diff')
  assert.equal(diff.data.packs.length, 2)
  const uris = await recordUris(store, diff)
  assert.ok(uris.some((u) => u.startsWith(`app.bsky.feed.post/${added.uri.split('/').pop()}`)), 'the new post is in the snapshot')
  assert.ok(!uris.some((u) => u.startsWith(`app.bsky.feed.post/${deleted.split('/').pop()}`)), 'the deleted post is gone from the snapshot')
  const onPds = await world.alice.agent.com.atproto.sync.getLatestCommit({ did: world.alice.did })
  assert.equal(diff.data.commit, onPds.data.cid)
  // The older snapshot still shows the repo as it was.
  assert.ok((await recordUris(store, full)).some((u) => u.startsWith(`app.bsky.feed.post/${deleted.split('/').pop()}`)))

  const s = await openStore(store)
  assert.deepEqual((await s.verify()).problems ?? [], [])

  // Restore the latest snapshot onto an account on a second PDS: same record CIDs, identical blobs.
  const pds2 = await TestPds.create({ didPlcUrl: network.plc.url })
  try {
    const target = await createAccount(pds2.url, 'restored')
    const restored = await restore({ store, snapshot: 'latest', toPds: pds2.url, did: target.did, passwordEnv: 'TPW' }, captureCli({ env: { TPW: target.password } }).cli)
    assert.equal(restored.missing.length, 0)
    assert.equal(restored.status.importedBlobs, restored.status.expectedBlobs)
    const walked = await walkSnapshot(s, diff.data.packs, CID.parse(diff.data.commit))
    assert.equal(restored.status.indexedRecords, walked.records)
    for (const blob of diff.data.blobs) {
      const got = await target.agent.com.atproto.sync.getBlob({ did: target.did, cid: blob.cid })
      const sha = CID.parse(blob.cid).multihash.digest
      assert.deepEqual(Buffer.from(got.data).equals(await readFile(s.objectPath(Buffer.from(sha).toString('hex')))), true)
    }
    const sourceRecords = await world.alice.agent.com.atproto.repo.listRecords({ repo: world.alice.did, collection: 'app.bsky.feed.post', limit: 100 })
    const targetRecords = await target.agent.com.atproto.repo.listRecords({ repo: target.did, collection: 'app.bsky.feed.post', limit: 100 })
    assert.deepEqual(
      targetRecords.data.records.map((r) => `${r.uri.split('/').pop()} ${r.cid}`).sort(),
      sourceRecords.data.records.map((r) => `${r.uri.split('/').pop()} ${r.cid}`).sort(),
    )
    // A second restore changes nothing and uploads nothing.
    const again = await restore({ store, snapshot: 'latest', toPds: pds2.url, did: target.did, passwordEnv: 'TPW' }, captureCli({ env: { TPW: target.password } }).cli)
    assert.equal(again.uploadedBlobs, 0)

    // From an archive instead of a snapshot: the same records and blobs arrive.
    const archive = join(dir, 'for-restore.zip')
    await exportAtproto(world.alice.did, { output: archive, pds: network.pds.url }, captureCli().cli)
    const fromArchive = await createAccount(pds2.url, 'from-archive')
    const viaArchive = await restore({ archive, toPds: pds2.url, did: fromArchive.handle, passwordEnv: 'APW' }, captureCli({ env: { APW: fromArchive.password } }).cli)
    assert.equal(viaArchive.status.importedBlobs, viaArchive.status.expectedBlobs)
    const archived = await fromArchive.agent.com.atproto.repo.listRecords({ repo: fromArchive.did, collection: 'app.bsky.feed.post', limit: 100 })
    assert.deepEqual(
      archived.data.records.map((r) => `${r.uri.split('/').pop()} ${r.cid}`).sort(),
      sourceRecords.data.records.map((r) => `${r.uri.split('/').pop()} ${r.cid}`).sort(),
    )
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('.restore-')), [], 'the working directory is removed')
  } finally {
    await pds2.close()
  }
})

test('the same backup, verify-store, restore, forget and prune with the store in S3 (s3rver)', async () => {
  const server = await startS3rver()
  Object.assign(process.env, server.env)
  const pds2 = await TestPds.create({ didPlcUrl: network.plc.url })
  try {
    const store = `s3://${server.bucket}/atproto`
    const env = { PW: world.alice.password }
    assert.equal((await backup(world.alice.did, { store, pds: network.pds.url, passwordEnv: 'PW' }, captureCli({ env }).cli))[0]!.status, 'changed')
    await world.alice.agent.post({ text: 'after the first S3 backup', createdAt: new Date().toISOString() })
    assert.equal((await backup(world.alice.did, { store, pds: network.pds.url, passwordEnv: 'PW' }, captureCli({ env }).cli))[0]!.status, 'changed')
    const s = await openStore(store)
    const diff = (await s.readSnapshot('latest', { kind: 'atproto-repo' })) as Snapshot<AtprotoSnapshotData>
    assert.equal(diff.data.full, false, 'the second snapshot is a diff, walked through both packs downloaded from S3')
    assert.deepEqual((await s.verify()).problems, [])

    const target = await createAccount(pds2.url, 's3-restored')
    const restored = await restore({ store, snapshot: 'latest', toPds: pds2.url, did: target.did, passwordEnv: 'TPW' }, captureCli({ env: { TPW: target.password } }).cli)
    assert.equal(restored.missing.length, 0)
    assert.equal(restored.status.importedBlobs, restored.status.expectedBlobs)
    const walked = await walkSnapshot(s, diff.data.packs, CID.parse(diff.data.commit))
    assert.equal(restored.status.indexedRecords, walked.records)
    for (const blob of diff.data.blobs) {
      const got = await target.agent.com.atproto.sync.getBlob({ did: target.did, cid: blob.cid })
      assert.ok(Buffer.from(got.data).equals(await s.readObject(Buffer.from(CID.parse(blob.cid).multihash.digest).toString('hex'))))
    }
    const sourceRecords = await world.alice.agent.com.atproto.repo.listRecords({ repo: world.alice.did, collection: 'app.bsky.feed.post', limit: 100 })
    const targetRecords = await target.agent.com.atproto.repo.listRecords({ repo: target.did, collection: 'app.bsky.feed.post', limit: 100 })
    assert.deepEqual(
      targetRecords.data.records.map((r) => `${r.uri.split('/').pop()} ${r.cid}`).sort(),
      sourceRecords.data.records.map((r) => `${r.uri.split('/').pop()} ${r.cid}`).sort(),
    )

    // forget --keep-last 1 --prune: the full snapshot goes; the diff still needs its pack, which prune keeps.
    const forgot = await forget({ store, last: 1, prune: true }, captureCli().cli)
    assert.equal(forgot.removed.length, 1)
    const after = await s.verify()
    assert.deepEqual(after.problems, [])
    assert.equal(after.snapshots, 1)
    await s.close()
  } finally {
    await pds2.close()
    await server.stop()
  }
})

test('with 20% injected faults, export and backup end with the same records and media as without', async () => {
  const faulty = await startFaultProxy({ target: network.pds.url, rates: { status429: 0.05, status500: 0.04, status502: 0.03, status503: 0.03, reset: 0.03, truncate: 0.02 }, retryAfterSeconds: 0, seed: 7 })
  try {
    const clean = join(dir, 'clean.zip')
    const noisy = join(dir, 'noisy.zip')
    await exportAtproto(world.alice.did, { output: clean, pds: network.pds.url }, captureCli().cli)
    await exportAtproto(world.alice.did, { output: noisy, pds: faulty.url }, captureCli().cli)
    const injected = Object.values(faulty.stats.injected).reduce((a, b) => a + b, 0)
    assert.ok(injected > 0, 'faults were injected')
    const a = await ArchiveReader.open(clean)
    const b = await ArchiveReader.open(noisy)
    for (const member of ['posts.jsonl', 'following.jsonl', 'lists.jsonl', 'media.jsonl', 'native/atproto/repo.car']) {
      assert.equal(a.manifest.members[member]!.sha256, b.manifest.members[member]!.sha256, member)
    }
    a.close()
    b.close()

    const cleanStore = join(dir, 'clean-store')
    const noisyStore = join(dir, 'noisy-store')
    await backup(world.alice.did, { store: cleanStore, pds: network.pds.url }, captureCli().cli)
    await backup(world.alice.did, { store: noisyStore, pds: faulty.url }, captureCli().cli)
    const x = await latest(cleanStore)
    const y = await latest(noisyStore)
    assert.equal(x.data.commit, y.data.commit)
    assert.deepEqual(y.data.blobs.map((b) => b.cid).sort(), x.data.blobs.map((b) => b.cid).sort())
    assert.deepEqual(await recordUris(noisyStore, y), await recordUris(cleanStore, x))
  } finally {
    await faulty.close()
  }
})

test('a backup killed with SIGKILL and run again completes, and the store verifies', async () => {
  const slow = await startFaultProxy({ target: network.pds.url, latencyMs: 150 })
  try {
    const store = join(dir, 'killed-store')
    // killed once the run has stored its first object (objects/<xx>/ appeared), not after a delay
    const killed = await runCli(['backup', 'atproto', world.alice.did, '--store', store, '--pds', slow.url], { killWhen: () => entryAppears(join(store, 'objects')), signal: 'SIGKILL' })
    assert.equal(killed.code, null, 'the first run was killed')
    const rerun = await runCli(['--json', 'backup', 'atproto', world.alice.did, '--store', store, '--pds', slow.url])
    assert.equal(rerun.code, 0, rerun.stderr)
    const verified = await runCli(['verify-store', '--store', store])
    assert.equal(verified.code, 0, verified.stderr + verified.stdout)
    assert.equal((await (await openStore(store)).listSnapshots()).length, 1)
  } finally {
    await slow.close()
  }
})

test('--all-accounts backs up every active account on the PDS, each as its own snapshot, and reports the inactive', async () => {
  const store = join(dir, 'all-store')
  const mallory = world.friends[2]!
  await mallory.agent.com.atproto.server.deactivateAccount({})
  const { cli } = captureCli({ json: true })
  const outcomes = await backup(undefined, { store, pds: network.pds.url, allAccounts: true }, cli)
  assert.equal(outcomes.length, 4)
  assert.deepEqual(outcomes.filter((o) => o.status === 'changed').map((o) => o.did).sort(), [world.alice.did, world.friends[0]!.did, world.friends[1]!.did].sort())
  const skipped = outcomes.find((o) => o.did === mallory.did)!
  assert.equal(skipped.status, 'skipped')
  assert.match(skipped.reason!, /deactivated/)
  const snapshots = await (await openStore(store)).listSnapshots()
  assert.deepEqual(new Set(snapshots.map((s) => s.subject.id)), new Set([world.alice.did, world.friends[0]!.did, world.friends[1]!.did]))
})
