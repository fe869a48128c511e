// The backup store: content addressing, write ordering, the version check, locking, forget + prune and verify
// (docs/backup-store.md). Every test runs against a local directory and against a real S3 API (s3rver).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { openStore, type BackupStore } from '../../src/store/store.js'
import { sha256Hex } from '../../src/files/hashing.js'
import { BadArchiveError, LockedError, NotFoundError, UsageError } from '../../src/errors.js'
import { run as forget } from '../../src/commands/forget.js'
import { run as listSnapshots } from '../../src/commands/snapshots.js'
import { run as verifyStoreCommand } from '../../src/commands/verify-store.js'
import { captureCli } from '../_util/cli.js'
import { bothBackends } from './_backends.js'

function bytes(text: string): Readable {
  return Readable.from([Buffer.from(text)])
}

async function snapshotOf(store: BackupStore, texts: string[], createdAt: string, subject = 'did:plc:alice') {
  const objects = []
  for (const text of texts) objects.push((await store.putObject(bytes(text))).sha256)
  return store.writeSnapshot({ kind: 'example', subject: { id: subject }, objects, data: {}, stats: {}, createdAt })
}

function objectKey(sha: string): string {
  return `objects/${sha.slice(0, 2)}/${sha}`
}

function childLines(script: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test/store/children', script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const next = () => new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)))
  })
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)))
  return { child, next, exited }
}

for (const backend of bothBackends({ before, after })) {
const local = backend.name === 'local'
const it = (name: string, fn: () => Promise<void>) => test(`[${backend.name}] ${name}`, fn)

it('objects are content-addressed, owner-only, and stored once however often they are put', async () => {
  const location = await backend.fresh()
  const store = await openStore(location, { create: true })
  const lock = await store.lock()
  const a = await store.putObject(bytes('hello'))
  const b = await store.putObject(bytes('hello'))
  assert.equal(a.sha256, sha256Hex('hello'))
  assert.equal(a.existed, false)
  assert.equal(b.existed, true)
  if (local) {
    assert.equal((await stat(store.objectPath(a.sha256))).mode & 0o777, 0o600)
    assert.equal((await stat(location)).mode & 0o777, 0o700)
  }
  assert.deepEqual((await backend.keys(location)).filter((f) => f.startsWith('objects/')), [objectKey(a.sha256)])
  const staging = await store.backend.stagingDir()
  assert.deepEqual(await readdir(staging), [], 'no temp file left behind')

  // A known hash of a stored object: the source is closed without being read.
  let read = false
  const lazy = new Readable({ read() { read = true; this.push(null) } })
  const c = await store.putObject(lazy, { expectSha256: a.sha256 })
  assert.deepEqual(c, { sha256: a.sha256, size: 5, existed: true })
  assert.equal(read, false)
  assert.ok(lazy.destroyed)

  // Bytes that do not match the announced hash are refused and not stored.
  await assert.rejects(store.putObject(bytes('evil'), { expectSha256: sha256Hex('good') }), BadArchiveError)
  assert.equal(await store.hasObject(sha256Hex('evil')), false)
  assert.deepEqual(await readdir(staging), [])

  assert.equal((await store.readObject(a.sha256)).toString(), 'hello')
  // A local file for random access: the object itself in a local store, a verified copy removed on release otherwise.
  const copy = await store.localCopy(a.sha256)
  assert.equal((await import('node:fs/promises').then((fs) => fs.readFile(copy.path))).toString(), 'hello')
  await copy.release()
  if (!local) assert.deepEqual(await readdir(staging), [], 'the copy is gone')
  await assert.rejects(store.localCopy(sha256Hex('absent')), NotFoundError)
  await lock.release()
  await store.close()
})

it('local copies of several objects are released after use, and an interrupt before them copies nothing', async () => {
  const store = await openStore(await backend.fresh(), { create: true })
  const lock = await store.lock()
  const shas = [(await store.putObject(bytes('first'))).sha256, (await store.putObject(bytes('second'))).sha256]
  const staging = await store.backend.stagingDir()
  const texts = await store.withLocalObjects(shas, (paths) => Promise.all(paths.map((path) => import('node:fs/promises').then((fs) => fs.readFile(path, 'utf8')))))
  assert.deepEqual(texts, ['first', 'second'])
  assert.deepEqual(await readdir(staging), [], 'the copies are gone')
  const interrupted = new AbortController()
  interrupted.abort(new Error('interrupted'))
  let used = false
  await assert.rejects(store.withLocalObjects(shas, async () => (used = true), interrupted.signal), /interrupted/)
  assert.equal(used, false)
  assert.deepEqual(await readdir(staging), [], 'nothing was copied')
  await lock.release()
  await store.close()
})

it('writes need the lock, and a snapshot naming a missing object is refused', async () => {
  const store = await openStore(await backend.fresh(), { create: true })
  await assert.rejects(store.putObject(bytes('x')), /needs the store lock/)
  const lock = await store.lock()
  await assert.rejects(
    store.writeSnapshot({ kind: 'example', subject: { id: 'h:/pds' }, objects: [sha256Hex('never stored')], data: {}, stats: {} }),
    /not in the store/,
  )
  assert.deepEqual(await store.listSnapshots(), [])
  await lock.release()
  await store.close()
})

it('config.json is checked first: unknown format or version is exit 12; a foreign location is refused', async () => {
  await assert.rejects(openStore(await backend.fresh()), (e: unknown) => e instanceof NotFoundError && e.exitCode === 10)
  const future = await backend.fresh()
  await backend.write(future, 'config.json', JSON.stringify({ format: 'lifeboat-store', version: 3, createdAt: 'x' }))
  await assert.rejects(openStore(future, { create: true }), (e: unknown) => e instanceof BadArchiveError && e.exitCode === 12 && /version 3/.test(e.message))
  // Version 2 (encrypted) without its encryption block is damage, found before any passphrase is asked for.
  const keyless = await backend.fresh()
  await backend.write(keyless, 'config.json', JSON.stringify({ format: 'lifeboat-store', version: 2, createdAt: 'x' }))
  await assert.rejects(openStore(keyless), (e: unknown) => e instanceof BadArchiveError && /encryption settings/.test(e.message))
  const other = await backend.fresh()
  await backend.write(other, 'config.json', JSON.stringify({ format: 'restic', version: 1 }))
  await assert.rejects(openStore(other), BadArchiveError)
  const photos = await backend.fresh()
  await backend.write(photos, 'cat.jpg', 'meow')
  await assert.rejects(openStore(photos, { create: true }), BadArchiveError)
  assert.deepEqual(await backend.keys(photos), ['cat.jpg'], 'nothing written into a foreign location')
  const empty = await backend.fresh()
  const store = await openStore(empty, { create: true })
  assert.equal(store.config.version, 1)
  assert.deepEqual(await backend.keys(empty), ['config.json'], 'config.json is written first')
  assert.equal((await openStore(empty)).config.format, 'lifeboat-store')
  await store.close()
})

it('snapshots are listed oldest first and found by id, prefix, latest and filters', async () => {
  const store = await openStore(await backend.fresh(), { create: true })
  const lock = await store.lock()
  const s1 = await snapshotOf(store, ['a'], '2026-01-01T03:00:00.000Z')
  const s2 = await snapshotOf(store, ['b'], '2026-01-02T03:00:00.000Z', 'did:plc:bob')
  const s3 = await snapshotOf(store, ['c'], '2026-01-03T03:00:00.000Z')
  await lock.release()
  assert.match(s1.id, /^2026-01-01T03-00-00Z-[0-9a-f]{6}$/)
  assert.deepEqual((await store.listSnapshots()).map((s) => s.id), [s1.id, s2.id, s3.id])
  assert.equal((await store.readSnapshot('latest')).id, s3.id)
  assert.equal((await store.readSnapshot('latest', { subject: 'did:plc:bob' })).id, s2.id)
  assert.equal((await store.readSnapshot('2026-01-02')).id, s2.id)
  assert.equal((await store.readSnapshot(s1.id)).id, s1.id)
  await assert.rejects(store.readSnapshot('2026-01'), UsageError)
  await assert.rejects(store.readSnapshot('2025'), NotFoundError)
  await assert.rejects(store.readSnapshot(s1.id, { kind: 'pds-dir' }), UsageError)
  await store.close()
})

it('a run killed before writing its snapshot leaves nothing visible, and prune cleans up after it', async () => {
  const location = await backend.fresh()
  const child = childLines('crash-writer.ts', [location, 'orphan one', 'orphan two'])
  assert.equal(await child.next(), 'stored')
  assert.equal(await child.exited, 'SIGKILL')
  const store = await openStore(location)
  assert.deepEqual(await store.listSnapshots(), [])
  assert.equal(await store.hasObject(sha256Hex('orphan one')), true, 'the objects reached the store')
  if (local) assert.equal((await readdir(join(location, 'tmp'))).length, 1, 'a half-written temp file is left')
  // The dead run's lock is stale and is taken over.
  const lock = await store.lock()
  const report = await store.prune()
  await lock.release()
  assert.equal(report.removedObjects, 2)
  if (local) assert.equal(report.removedTempFiles, 1)
  assert.deepEqual(await backend.keys(location), ['config.json'])
  await store.close()
})

it('forget + prune removes exactly the objects no remaining snapshot needs', async () => {
  const location = await backend.fresh()
  const store = await openStore(location, { create: true })
  const lock = await store.lock()
  // Three days of snapshots sharing a "shared" object; each day also has its own object.
  await snapshotOf(store, ['shared', 'day1'], '2026-01-01T03:00:00.000Z')
  await snapshotOf(store, ['shared', 'day2'], '2026-01-02T03:00:00.000Z')
  await snapshotOf(store, ['shared', 'day3'], '2026-01-03T03:00:00.000Z')
  await snapshotOf(store, ['bob'], '2026-01-01T04:00:00.000Z', 'did:plc:bob')
  await store.putObject(bytes('never referenced'))
  await lock.release()

  const dry = captureCli()
  const planned = await forget({ store: location, daily: 2, prune: true, dryRun: true }, dry.cli)
  assert.equal(planned.removed.length, 1)
  assert.equal(planned.prune!.removedObjects, 2, 'day1 and the unreferenced object')
  assert.equal((await store.listSnapshots()).length, 4, 'a dry run changes nothing')
  assert.match(dry.stderr(), /remove 2026-01-01T03-00-00Z/)

  const cli = captureCli({ json: true })
  const result = await forget({ store: location, daily: 2, prune: true }, cli.cli)
  assert.equal(result.removed.length, 1)
  assert.equal(result.kept.length, 3, "bob's only snapshot is in its own group and stays")
  for (const gone of ['day1', 'never referenced']) assert.equal(await store.hasObject(sha256Hex(gone)), false, gone)
  for (const kept of ['shared', 'day2', 'day3', 'bob']) assert.equal(await store.hasObject(sha256Hex(kept)), true, kept)
  const events = cli.stdout().trim().split('\n').map((l) => JSON.parse(l))
  const keep = events.filter((e) => e.event === 'keep')
  assert.deepEqual(keep[0].reasons, ['daily snapshot'])
  assert.equal(events.at(-1).event, 'result')
  assert.equal(events.at(-1).prune.removedObjects, 2)

  const verify = captureCli()
  const report = await verifyStoreCommand({ store: location }, verify.cli)
  assert.equal(report.ok, true)
  assert.equal(report.objects, 4)
  await store.close()
})

it('a second run while one holds the store gets LockedError (exit 11)', async () => {
  const location = await backend.fresh()
  const store = await openStore(location, { create: true })
  const holder = childLines('lock-holder.ts', [location])
  assert.equal(await holder.next(), 'locked')
  const cli = captureCli()
  await assert.rejects(forget({ store: location, last: 1, prune: true }, cli.cli), (e: unknown) => e instanceof LockedError && e.exitCode === 11 && /pid \d+/.test(e.message))
  await assert.rejects(store.lock(), LockedError)
  holder.child.stdin!.end()
  assert.equal(await holder.exited, 0)
  const lock = await store.lock()
  await lock.release()
  if (!local) assert.deepEqual((await backend.keys(location)).filter((k) => k.startsWith('locks/')), [], 'released locks are deleted')
  await store.close()
})

it('verify-store finds missing and corrupt objects and unreadable snapshots; prune refuses to guess', async () => {
  const location = await backend.fresh()
  const store = await openStore(location, { create: true })
  const lock = await store.lock()
  const good = await snapshotOf(store, ['fine', 'will rot', 'will vanish'], '2026-01-01T03:00:00.000Z')
  await backend.write(location, objectKey(sha256Hex('will rot')), 'rotten')
  await backend.remove(location, objectKey(sha256Hex('will vanish')))
  await backend.write(location, 'snapshots/2026-01-02T03-00-00Z-abcdef.json', '{ not json')
  await backend.write(location, 'objects/zz/not-an-object', 'stray')
  const report = await store.verify()
  assert.equal(report.ok, false)
  assert.equal(report.problems.length, 4, report.problems.join('\n'))
  assert.ok(report.problems.some((p) => p.includes(sha256Hex('will rot')) && p.includes('corrupt') && p.includes(good.id)))
  assert.ok(report.problems.some((p) => p.includes(sha256Hex('will vanish')) && p.includes('missing')))
  assert.ok(report.problems.some((p) => p.includes('2026-01-02T03-00-00Z-abcdef') && p.includes('JSON')))
  assert.ok(report.problems.includes('objects/zz/not-an-object: not an object name'))
  const quick = await store.verify({ readData: false })
  assert.equal(quick.problems.length, 3, 'without reading, the rotten object goes unnoticed')
  await assert.rejects(store.prune(), BadArchiveError)
  assert.equal(await store.hasObject(sha256Hex('fine')), true)
  await lock.release()
  await assert.rejects(verifyStoreCommand({ store: location }, captureCli().cli), (e: unknown) => e instanceof BadArchiveError && e.exitCode === 12)
  await assert.rejects(store.readObject(sha256Hex('will rot')), BadArchiveError)
  if (!local) await assert.rejects(store.localCopy(sha256Hex('will rot')), BadArchiveError, 'a downloaded copy is verified')

  // `snapshots` lists the sound ones, warns of the damaged one, and exits 12.
  const listing = captureCli()
  await assert.rejects(listSnapshots({ store: location }, listing.cli), (e: unknown) => e instanceof BadArchiveError && e.exitCode === 12)
  assert.match(listing.stdout(), /^ID\s+CREATED \(UTC\)\s+KIND\s+SUBJECT/)
  assert.match(listing.stdout(), new RegExp(good.id))
  assert.match(listing.stderr(), /warning: snapshots\/2026-01-02T03-00-00Z-abcdef\.json: not valid JSON/)
  await store.close()
})
}
