// The S3 store through the CLI, against a real S3 API (s3rver) behind the fault proxy: transient 500s and resets are
// retried and leave nothing half-written; a backup killed with SIGKILL in the middle of a multipart upload leaves no
// snapshot and loses nothing, and the rerun completes (docs/backup-store.md §4). Uses the built CLI (dist/).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openStore } from '../../src/store/store.js'
import type { PdsDirData } from '../../src/store/pds-dir/types.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { runCli } from '../_util/cli.js'
import { startS3rver, s3Env, type S3rver } from '../_util/s3rver.js'
import { s3Backend } from './_backends.js'

let server: S3rver
before(async () => {
  // The proxy rewrites the Host header the requests were signed for.
  server = await startS3rver({ allowMismatchedSignatures: true })
  Object.assign(process.env, server.env)
})
after(async () => {
  await server.stop()
})

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** A small PDS data directory plus one file big enough for a multipart upload (3 parts of 8 MiB). */
async function dataDir(): Promise<{ dir: string; files: Record<string, Buffer> }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'lifeboat-s3-pds-')), 'pds')
  await mkdir(join(dir, 'blocks', 'did:plc:alice'), { recursive: true })
  const db = new Database(join(dir, 'account.sqlite'))
  db.exec('CREATE TABLE t (x TEXT)')
  db.close()
  const files: Record<string, Buffer> = {
    'blocks/did:plc:alice/big': randomBytes(20 * 1024 * 1024),
    'blocks/did:plc:alice/small': Buffer.from('a small file'),
    'notes.txt': Buffer.from('not a database'),
  }
  for (const [path, bytes] of Object.entries(files)) await writeFile(join(dir, path), bytes)
  return { dir, files }
}

async function checkStore(location: string, files: Record<string, Buffer>): Promise<void> {
  const store = await openStore(location)
  const snapshots = await store.listSnapshots()
  assert.equal(snapshots.length, 1, 'exactly one snapshot')
  const data = snapshots[0]!.data as unknown as PdsDirData
  for (const [path, bytes] of Object.entries(files)) {
    const root = path.startsWith('blocks/') ? 'blobstore' : 'data'
    const rel = root === 'blobstore' ? path.slice('blocks/'.length) : path
    const file = data.files.find((f) => f.root === root && f.path === rel)
    assert.ok(file, `${path} is in the snapshot`)
    assert.equal(file.sha256, sha256(bytes))
    assert.equal(sha256(await store.readObject(file.sha256)), sha256(bytes), `${path} reads back whole`)
  }
  assert.equal((await store.verify()).ok, true)
  await store.close()
}

test('transient 500s and connection resets between the CLI and S3 are retried; the backup is whole', async () => {
  const { dir, files } = await dataDir()
  const proxy = await startFaultProxy({ target: server.endpoint, rates: { status500: 0.15, reset: 0.1 }, seed: 7 })
  try {
    const location = await s3Backend(() => server).fresh()
    const env = { ...s3Env(proxy.url), LIFEBOAT_TEST: '1' }
    const run = await runCli(['backup', 'pds-dir', dir, '--store', location], { env })
    assert.equal(run.code, 0, run.stderr)
    assert.ok(proxy.stats.injected.status500 + proxy.stats.injected.reset > 0, 'faults were injected')
    assert.doesNotMatch(run.stderr + run.stdout, /S3RVER/, 'the secret key is never printed')
    const verify = await runCli(['verify-store', '--store', location], { env })
    assert.equal(verify.code, 0, verify.stderr)
    await checkStore(location, files)
  } finally {
    await proxy.close()
  }
})

test('SIGKILL during a multipart upload: no snapshot visible, nothing lost, the rerun completes', async () => {
  const { dir, files } = await dataDir()
  let sawPart: () => void = () => {}
  const partSeen = new Promise<void>((resolve) => (sawPart = resolve))
  // The proxy only watches: the kill comes when the first part of the big file is on its way.
  const proxy = await startFaultProxy({ target: server.endpoint, skip: (req) => (/[?&]partNumber=/.test(req.url ?? '') && sawPart(), true) })
  try {
    const backend = s3Backend(() => server)
    const location = await backend.fresh()
    const env = { ...s3Env(proxy.url), LIFEBOAT_TEST: '1' }
    const killed = await runCli(['backup', 'pds-dir', dir, '--store', location], { env, killWhen: () => partSeen, signal: 'SIGKILL' })
    assert.equal(killed.code, null, 'killed')
    const keys = await backend.keys(location)
    assert.deepEqual(keys.filter((k) => k.startsWith('snapshots/')), [], 'no snapshot is visible')
    assert.equal(keys.includes(`objects/${sha256(files['blocks/did:plc:alice/big']!).slice(0, 2)}/${sha256(files['blocks/did:plc:alice/big']!)}`), false, 'the big object is not half there')
    assert.equal(keys.filter((k) => k.startsWith('locks/')).length, 1, "the dead run's lock is left")

    const rerun = await runCli(['backup', 'pds-dir', dir, '--store', location], { env })
    assert.equal(rerun.code, 0, rerun.stderr)
    await checkStore(location, files)
    assert.deepEqual((await backend.keys(location)).filter((k) => k.startsWith('locks/')), [], 'the stale lock was taken over and released')
  } finally {
    await proxy.close()
  }
})
