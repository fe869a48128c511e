// Restore and the refreshing session against a real PDS (@atproto/dev-env), through the built CLI.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { createAccount, seedSampleWorld, type SampleWorld } from '../../src/demo/sample-account.js'
import { runOnce as backup } from '../../src/commands/backup-atproto.js'
import { run as restore } from '../../src/commands/restore-atproto.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { AuthError } from '../../src/errors.js'
import { openStore } from '../../src/store/store.js'
import type { AtprotoSnapshotData } from '../../src/adapters/atproto/backup.js'
import type { Snapshot } from '../../src/store/format.js'
import { cidSha256Hex } from '../../src/files/cid.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { captureCli, runCli } from '../_util/cli.js'
import { PAST_ACCESS_TOKEN_LIFE_MS, withPdsClock, xrpcWatcher } from '../_util/pds-clock.js'

let network: TestNetworkNoAppView
let world: SampleWorld
let dir: string
let store: string
let snapshot: Snapshot<AtprotoSnapshotData>

before(async () => {
  network = await TestNetworkNoAppView.create({})
  world = await seedSampleWorld(network.pds.url)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-restore-'))
  store = join(dir, 'store')
  await backup(world.alice.did, { store, pds: network.pds.url, passwordEnv: 'PW' }, captureCli({ env: { PW: world.alice.password } }).cli)
  snapshot = (await (await openStore(store)).readSnapshot('latest', { kind: 'atproto-repo' })) as Snapshot<AtprotoSnapshotData>
  assert.ok(snapshot.data.blobs.length >= 2)
})

after(async () => {
  await network?.close()
})

test('restore checks every blob against its CID: a damaged object is named, never uploaded, and the exit is 12', async () => {
  const s = await openStore(store)
  const damaged = snapshot.data.blobs[0]!.cid
  const path = s.objectPath(cidSha256Hex(damaged)!)
  const original = await readFile(path)
  const bytes = Buffer.from(original)
  bytes[bytes.length >> 1] ^= 0xff
  await chmod(path, 0o600)
  await writeFile(path, bytes)
  const w = xrpcWatcher()
  const proxy = await startFaultProxy({ target: network.pds.url, skip: (req) => w.skip(req) })
  try {
    const target = await createAccount(network.pds.url, 'damaged')
    const run = await runCli(['--json', 'restore', '--store', store, '--snapshot', 'latest', '--to-pds', proxy.url, '--did', target.did, '--password-env', 'TPW'], { env: { TPW: target.password } })
    assert.equal(run.code, 12, run.stderr)
    assert.match(run.stderr, new RegExp(`blob ${damaged} .*do not match the CID`))
    const result = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; ok?: boolean; error?: { message: string; missingBlobs?: { cid: string }[] } }).at(-1)!
    assert.equal(result.ok, false)
    assert.match(result.error!.message, new RegExp(damaged))
    assert.deepEqual(result.error!.missingBlobs!.map((b) => b.cid), [damaged])
    // The PDS's own list is the judge; only the intact blobs were sent.
    const missing = await target.agent.com.atproto.repo.listMissingBlobs({})
    assert.deepEqual(missing.data.blobs.map((b) => b.cid), [damaged])
    assert.equal(w.count('com.atproto.repo.uploadBlob'), snapshot.data.blobs.length - 1)

    // With the object repaired, the same command completes the restore and uploads only what was missing.
    await writeFile(path, original)
    w.seen.clear()
    const again = await runCli(['restore', '--store', store, '--snapshot', 'latest', '--to-pds', proxy.url, '--did', target.did, '--password-env', 'TPW'], { env: { TPW: target.password } })
    assert.equal(again.code, 0, again.stderr)
    assert.equal(w.count('com.atproto.repo.uploadBlob'), 1)
    assert.deepEqual((await target.agent.com.atproto.repo.listMissingBlobs({})).data.blobs, [])
  } finally {
    await writeFile(path, original)
    await proxy.close()
  }
})

// The login and the reading of the backup run side by side (restore-atproto.ts): a refused login is still the error,
// nothing reaches the account, and the working directory beside the archive is gone when the run ends.
test('a refused login is the error while the archive is read beside it; nothing is imported, no working files are left', async () => {
  const archives = await mkdtemp(join(tmpdir(), 'lifeboat-restore-login-'))
  const archive = join(archives, 'alice.zip')
  await exportAtproto(world.alice.did, { output: archive, pds: network.pds.url }, captureCli().cli)
  const target = await createAccount(network.pds.url, 'refused')
  await assert.rejects(
    restore({ archive, toPds: network.pds.url, did: target.did, passwordEnv: 'TPW' }, captureCli({ env: { TPW: 'not-the-password' } }).cli),
    (e: unknown) => e instanceof AuthError && /refused the login/.test(e.message),
  )
  assert.deepEqual(await readdir(archives), ['alice.zip'], 'the working directory is removed')
  const status = await target.agent.com.atproto.server.checkAccountStatus()
  assert.equal(status.data.indexedRecords, 0)

  // The right password: the same archive restores, and the working directory goes again.
  const restored = await restore({ archive, toPds: network.pds.url, did: target.did, passwordEnv: 'TPW' }, captureCli({ env: { TPW: target.password } }).cli)
  assert.equal(restored.missing.length, 0)
  assert.equal(restored.status.importedBlobs, restored.status.expectedBlobs)
  assert.deepEqual(await readdir(archives), ['alice.zip'])
})

// The PDS runs in this process and the CLI in a child: moving the PDS's clock on in the middle of a run makes every
// token the child holds expire for real (test/_util/pds-clock.ts).
test('an access token that expires mid-run is refreshed once and the run completes: restore, export, backup', async () => {
  const w = xrpcWatcher()
  const proxy = await startFaultProxy({ target: network.pds.url, skip: (req) => w.skip(req) })
  try {
    await withPdsClock(async (advance) => {
      const expire = () => advance(PAST_ACCESS_TOKEN_LIFE_MS)
      // Restore: the tokens expire as the first blob upload arrives; several uploads are in flight and share one refresh.
      const target = await createAccount(network.pds.url, 'refreshed')
      let expired = w.onFirst('com.atproto.repo.uploadBlob', expire)
      const restored = await runCli(['restore', '--store', store, '--snapshot', 'latest', '--to-pds', proxy.url, '--did', target.did, '--password-env', 'TPW'], { env: { TPW: target.password } })
      assert.equal(restored.code, 0, restored.stderr)
      assert.ok(expired())
      assert.equal(w.count('com.atproto.server.refreshSession'), 1)
      assert.equal(w.count('com.atproto.server.createSession'), 1, 'refreshed, not logged in again')
      assert.ok(w.count('com.atproto.repo.uploadBlob') > snapshot.data.blobs.length, 'the expired uploads were repeated')
      assert.deepEqual((await target.agent.com.atproto.repo.listMissingBlobs({})).data.blobs, [])

      // Export with a login: the tokens expire while blobs download; preferences are still read at the end.
      w.seen.clear()
      expired = w.onFirst('com.atproto.sync.getBlob', expire)
      const archive = join(dir, 'refreshed.zip')
      const exported = await runCli(['export', 'atproto', world.alice.did, '--pds', proxy.url, '-o', archive, '--password-env', 'PW'], { env: { PW: world.alice.password } })
      assert.equal(exported.code, 0, exported.stderr)
      assert.ok(expired())
      assert.equal(w.count('com.atproto.server.refreshSession'), 1)
      assert.equal(w.count('app.bsky.actor.getPreferences'), 1)

      // Backup with a login, full CAR: the tokens expire as the repo is fetched.
      w.seen.clear()
      expired = w.onFirst('com.atproto.sync.getRepo', expire)
      const backedUp = await runCli(['backup', 'atproto', world.alice.did, '--pds', proxy.url, '--store', join(dir, 'refreshed-store'), '--password-env', 'PW'], { env: { PW: world.alice.password } })
      assert.equal(backedUp.code, 0, backedUp.stderr)
      assert.ok(expired())
      assert.equal(w.count('com.atproto.server.refreshSession'), 1)
    })
  } finally {
    await proxy.close()
  }
})
