// `backup pds-dir` and `restore pds-dir` against a fake PDS data directory laid out like @atproto/pds lays it out
// (config/config.ts, actor-store/actor-store.ts, disk-blobstore.ts), with real WAL-mode SQLite databases that a child
// process keeps writing to during the backup.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { chmod, mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir, hostname } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { run as backupCommand, runOnce as backup } from '../../src/commands/backup-pds-dir.js'
import { run as restore } from '../../src/commands/restore-pds-dir.js'
import { openStore } from '../../src/store/store.js'
import type { PdsDirData } from '../../src/store/pds-dir/types.js'
import type { Snapshot } from '../../src/store/format.js'
import { AuthError, PartialFailureError, UsageError } from '../../src/errors.js'
import { captureCli } from '../_util/cli.js'

const ALICE = 'did:plc:alice'
const BOB = 'did:plc:bob'

async function cidOf(bytes: Uint8Array): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(bytes)).toString()
}

function makeDb(path: string, rows: number, schema = 'CREATE TABLE rows (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL)'): void {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(schema)
  const table = /CREATE TABLE (\w+)/.exec(schema)![1]
  if (table === 'rows') {
    const insert = db.prepare('INSERT INTO rows (payload) VALUES (?)')
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(`seed ${i} `.repeat(40))
    })()
  }
  db.close()
}

interface FakePds {
  root: string
  dataDir: string
  blobs: Record<string, Buffer>
}

async function fakePds(): Promise<FakePds> {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-pds-'))
  const dataDir = join(root, 'pds')
  await mkdir(join(dataDir, 'actors', 'ab', ALICE), { recursive: true })
  await mkdir(join(dataDir, 'actors', 'cd', BOB), { recursive: true })
  makeDb(join(dataDir, 'account.sqlite'), 3000)
  makeDb(join(dataDir, 'did_cache.sqlite'), 10)
  makeDb(
    join(dataDir, 'sequencer.sqlite'),
    0,
    'CREATE TABLE repo_seq (seq INTEGER PRIMARY KEY AUTOINCREMENT, did VARCHAR NOT NULL, eventType VARCHAR NOT NULL, event BLOB NOT NULL, invalidated INT2 NOT NULL DEFAULT 0, sequencedAt VARCHAR NOT NULL)',
  )
  const seq = new Database(join(dataDir, 'sequencer.sqlite'))
  for (let i = 0; i < 5; i++) seq.prepare('INSERT INTO repo_seq (did, eventType, event, sequencedAt) VALUES (?, ?, ?, ?)').run(ALICE, 'append', Buffer.from('e'), new Date().toISOString())
  seq.close()
  makeDb(join(dataDir, 'actors', 'ab', ALICE, 'store.sqlite'), 2000)
  makeDb(join(dataDir, 'actors', 'cd', BOB, 'store.sqlite'), 50)
  await writeFile(join(dataDir, 'actors', 'ab', ALICE, 'key'), Buffer.alloc(32, 7), { mode: 0o600 })
  await writeFile(join(dataDir, 'actors', 'cd', BOB, 'key'), Buffer.alloc(32, 9), { mode: 0o600 })
  const blobs: Record<string, Buffer> = {}
  for (const [did, text] of [[ALICE, 'a cat picture'], [ALICE, 'a dog picture'], [BOB, 'a cat picture']] as const) {
    const bytes = Buffer.from(text)
    const cid = await cidOf(bytes)
    await mkdir(join(dataDir, 'blocks', did), { recursive: true })
    await writeFile(join(dataDir, 'blocks', did, cid), bytes)
    blobs[`${did}/${cid}`] = bytes
  }
  await mkdir(join(dataDir, 'blocks', 'tempt', ALICE), { recursive: true })
  await writeFile(join(dataDir, 'blocks', 'tempt', ALICE, 'uploading'), 'half an upload')
  await writeFile(join(dataDir, 'pds.env'), 'PDS_HOSTNAME=pds.example.com\nPDS_JWT_SECRET=0123456789abcdef0123456789abcdef\n', { mode: 0o600 })
  return { root, dataDir, blobs }
}

function startWriter(paths: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/children/sqlite-writer.ts', ...paths], { stdio: ['pipe', 'pipe', 'inherit'] })
  let last: number[] = []
  let lines = 0
  const waiters: Array<() => void> = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    last = line.split(' ').map(Number)
    lines++
    for (const w of waiters.splice(0)) w()
  })
  return {
    /** The highest committed id of each database as last reported. */
    committed: () => [...last],
    lines: () => lines,
    waitForLines: async (n: number) => {
      while (lines < n) await new Promise<void>((resolve) => waiters.push(resolve))
    },
    stop: () =>
      new Promise<number | null>((resolve) => {
        child.once('exit', resolve)
        child.stdin.end()
      }),
  }
}

function rowsOf(path: string): { count: number; max: number; integrity: string } {
  const db = new Database(path, { readonly: true })
  try {
    const { count, max } = db.prepare('SELECT count(*) AS count, max(id) AS max FROM rows').get() as { count: number; max: number }
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]!.integrity_check
    return { count, max, integrity }
  } finally {
    db.close()
  }
}

test('pds-dir: a backup taken while the PDS writes is consistent, complete, and restores into an empty directory', async () => {
  const pds = await fakePds()
  const storeDir = join(pds.root, 'store')
  const accountDb = join(pds.dataDir, 'account.sqlite')
  const aliceDb = join(pds.dataDir, 'actors', 'ab', ALICE, 'store.sqlite')
  const writer = startWriter([accountDb, aliceDb])
  let snapshotId: string
  let before: number[]
  try {
    await writer.waitForLines(50)
    before = writer.committed()
    const linesBefore = writer.lines()
    const cli = captureCli()
    const report = await backup({ dataDir: pds.dataDir, store: storeDir }, cli.cli)
    await writer.waitForLines(linesBefore + 20)
    assert.ok(writer.lines() > linesBefore, 'the writer kept committing during the backup')
    snapshotId = report.data.snapshot as string
    assert.match(cli.stderr(), /pds\.env is not in this snapshot/)
  } finally {
    assert.equal(await writer.stop(), 0)
  }

  const store = await openStore(storeDir)
  const snapshot = (await store.readSnapshot(snapshotId)) as unknown as Snapshot<PdsDirData>
  assert.equal(snapshot.kind, 'pds-dir')
  assert.equal(snapshot.subject.id, `${hostname()}:${pds.dataDir}`)
  const listed = snapshot.data.files.map((f) => `${f.root}:${f.path}:${f.type}`).sort()
  assert.deepEqual(listed, [
    'blobstore:did:plc:alice/' + Object.keys(pds.blobs)[0]!.split('/')[1] + ':blob',
    'blobstore:did:plc:alice/' + Object.keys(pds.blobs)[1]!.split('/')[1] + ':blob',
    'blobstore:did:plc:bob/' + Object.keys(pds.blobs)[2]!.split('/')[1] + ':blob',
    'data:account.sqlite:sqlite',
    'data:actors/ab/did:plc:alice/key:file',
    'data:actors/ab/did:plc:alice/store.sqlite:sqlite',
    'data:actors/cd/did:plc:bob/key:file',
    'data:actors/cd/did:plc:bob/store.sqlite:sqlite',
    'data:did_cache.sqlite:sqlite',
    'data:sequencer.sqlite:sqlite',
  ].sort(), 'no -wal/-shm, no tempt/, no pds.env')
  assert.equal(snapshot.stats.blobs, 3)
  assert.equal(snapshot.stats.newObjects, snapshot.objects.length, 'the same cat picture of two accounts is stored once')
  assert.equal(snapshot.objects.length, 9)

  const target = join(pds.root, 'restored')
  const cli = captureCli()
  const restored = await restore({ store: storeDir, snapshot: 'latest', to: target }, cli.cli)
  assert.equal(restored.files, 10)
  for (const [i, path] of [join(target, 'account.sqlite'), join(target, 'actors', 'ab', ALICE, 'store.sqlite')].entries()) {
    const rows = rowsOf(path)
    assert.equal(rows.integrity, 'ok')
    assert.ok(rows.max >= before![i]!, `every row committed before the backup began is in the copy (${rows.max} >= ${before![i]})`)
    assert.equal(rows.count, rows.max, 'rows are contiguous: the copy is one transaction-consistent state')
  }
  assert.equal(rowsOf(join(target, 'actors', 'cd', BOB, 'store.sqlite')).count, 50)
  for (const [relative, bytes] of Object.entries(pds.blobs)) assert.deepEqual(await readFile(join(target, 'blocks', relative)), bytes)
  assert.deepEqual(await readFile(join(target, 'actors', 'ab', ALICE, 'key')), Buffer.alloc(32, 7))
  assert.equal((await stat(join(target, 'actors', 'ab', ALICE, 'key'))).mode & 0o777, 0o600)
  await assert.rejects(stat(join(target, 'pds.env')))
  assert.match(cli.stderr(), /relay/)

  // A non-empty target is refused, and nothing is written into it.
  await assert.rejects(restore({ store: storeDir, snapshot: 'latest', to: target }, captureCli().cli), (e: unknown) => e instanceof UsageError && e.exitCode === 2)
  await mkdir(join(pds.root, 'busy'))
  await writeFile(join(pds.root, 'busy', 'keep.txt'), 'mine')
  await assert.rejects(restore({ store: storeDir, snapshot: snapshotId, to: join(pds.root, 'busy') }, captureCli().cli), UsageError)
  assert.deepEqual(await readdir(join(pds.root, 'busy')), ['keep.txt'])
})

test('pds-dir: an unchanged directory costs no new objects; --env-file adds pds.env; the relay-seq fix', async () => {
  const pds = await fakePds()
  const storeDir = join(pds.root, 'store')
  const first = await backup({ dataDir: pds.dataDir, store: storeDir, envFile: join(pds.dataDir, 'pds.env') }, captureCli().cli)
  const second = await backup({ dataDir: pds.dataDir, store: storeDir, envFile: join(pds.dataDir, 'pds.env') }, captureCli().cli)
  const s1 = first.data.stats as Record<string, number>
  const s2 = second.data.stats as Record<string, number>
  assert.equal(s1.files, 11)
  assert.equal(s2.newObjects, 0, 'nothing new is stored')
  assert.equal(s2.reused, s2.files, 'no file is read again')
  assert.equal((first.data.subject as { server?: string }).server, 'pds.example.com')

  // A database written to since the last snapshot is copied again; the rest is not.
  const db = new Database(join(pds.dataDir, 'actors', 'cd', BOB, 'store.sqlite'))
  db.prepare('INSERT INTO rows (payload) VALUES (?)').run('new post')
  db.close()
  const third = await backup({ dataDir: pds.dataDir, store: storeDir, envFile: join(pds.dataDir, 'pds.env') }, captureCli().cli)
  const s3 = third.data.stats as Record<string, number>
  assert.equal(s3.newObjects, 1)
  assert.equal(s3.reused, s3.files - 1)

  const target = join(pds.root, 'restored')
  const cli = captureCli({ json: true })
  const result = await restore({ store: storeDir, snapshot: third.data.snapshot as string, to: target, relaySeq: 1000 }, cli.cli)
  assert.deepEqual(result.sequence, { before: 5, after: 1001 })
  assert.equal(rowsOf(join(target, 'actors', 'cd', BOB, 'store.sqlite')).count, 51)
  assert.match(await readFile(join(target, 'pds.env'), 'utf8'), /PDS_JWT_SECRET=/)
  assert.equal((await stat(join(target, 'pds.env'))).mode & 0o777, 0o600)
  const seq = new Database(join(target, 'sequencer.sqlite'))
  const next = seq.prepare('INSERT INTO repo_seq (did, eventType, event, sequencedAt) VALUES (?, ?, ?, ?)').run(ALICE, 'append', Buffer.from('e'), 'now')
  seq.close()
  assert.equal(Number(next.lastInsertRowid), 1002, 'the next event is numbered past what the relay saw')
  const events = cli.stdout().trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(events.at(-1).event, 'result')
  assert.ok(!cli.stdout().includes('0123456789abcdef0123456789abcdef'), 'no secret in the output')
})

test('pds-dir: a blob that does not match its CID, or a damaged database, is stored, reported, and exits 3', async () => {
  const pds = await fakePds()
  const storeDir = join(pds.root, 'store')
  const bad = await cidOf(Buffer.from('what the name promises'))
  await writeFile(join(pds.dataDir, 'blocks', ALICE, bad), 'something else')
  await chmod(join(pds.dataDir, 'blocks', ALICE, bad), 0o644)
  const cli = captureCli()
  await assert.rejects(
    backup({ dataDir: pds.dataDir, store: storeDir }, cli.cli, { blobRetryDelayMs: 5 }),
    (e: unknown) => e instanceof PartialFailureError && e.exitCode === 3 && /1 copy failed/.test(e.message),
  )
  const store = await openStore(storeDir)
  const snapshot = (await store.readSnapshot('latest')) as unknown as Snapshot<PdsDirData>
  assert.equal(snapshot.data.problems.length, 1)
  assert.match(snapshot.data.problems[0]!, new RegExp(`${bad}: bytes do not match the CID`))
  assert.ok(snapshot.data.files.some((f) => f.path.endsWith(bad)), 'the file is still in the snapshot')
  assert.match(cli.stderr(), /problem: blobstore\/did:plc:alice\//)
})

test('pds-dir: a directory that is not a PDS data directory is refused before anything is written', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-pds-'))
  await mkdir(join(root, 'empty'))
  await assert.rejects(backup({ dataDir: join(root, 'empty'), store: join(root, 'store') }, captureCli().cli), UsageError)
  await assert.rejects(backup({ dataDir: join(root, 'absent'), store: join(root, 'store') }, captureCli().cli), (e: unknown) => (e as { exitCode?: number }).exitCode === 10)
  await assert.rejects(stat(join(root, 'store')), 'no store is created for a mistyped directory')
})

test('pds-dir: --every runs the backup on a schedule until told to stop', async () => {
  const pds = await fakePds()
  const storeDir = join(pds.root, 'store')
  const cli = captureCli({ json: true })
  await backupCommand({ dataDir: pds.dataDir, store: storeDir, every: '10ms' }, cli.cli, { maxRuns: 2 })
  const snapshots = await (await openStore(storeDir)).listSnapshots({ kind: 'pds-dir' })
  assert.equal(snapshots.length, 2)
  assert.equal(snapshots[1]!.stats.newObjects, 0)
  const events = cli.stdout().trim().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(events.filter((e) => e.event === 'run-finished').map((e) => e.snapshot), snapshots.map((s) => s.id))
  assert.equal(events.at(-1).runs, 2)
})

test('pds-dir into an encrypted store: secrets, keys and blobs are not on disk in the clear; unchanged files are reused; restore is exact', async () => {
  const pds = await fakePds()
  const storeDir = join(pds.root, 'encrypted')
  const env = { LIFEBOAT_STORE_PASSPHRASE: 'pds operator passphrase' }
  const options = { dataDir: pds.dataDir, store: storeDir, envFile: join(pds.dataDir, 'pds.env'), encrypt: true }
  const first = await backup(options, captureCli({ env }).cli)
  const second = await backup(options, captureCli({ env }).cli)
  assert.equal((second.data.stats as Record<string, number>).newObjects, 0, 'unchanged files are found under their keyed names')

  const files = (await readdir(storeDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
  const stored = Buffer.concat(await Promise.all(files.map((f) => readFile(f))))
  for (const needle of ['PDS_JWT_SECRET', 'a cat picture', 'seed 1 seed 1', 'SQLite format 3', ALICE, ...Object.keys(pds.blobs).map((k) => k.split('/')[1]!)]) {
    assert.equal(stored.indexOf(needle), -1, `${needle} is in the store`)
  }
  assert.equal(stored.indexOf(Buffer.alloc(32, 7)), -1, 'the repo signing key is not in the store')

  await assert.rejects(restore({ store: storeDir, snapshot: 'latest', to: join(pds.root, 'never') }, captureCli({ env: { LIFEBOAT_STORE_PASSPHRASE: 'wrong' } }).cli), (e: unknown) => e instanceof AuthError && e.exitCode === 4)
  const target = join(pds.root, 'restored')
  const restored = await restore({ store: storeDir, snapshot: first.data.snapshot as string, to: target }, captureCli({ env }).cli)
  assert.equal(restored.files, 11)
  for (const [relative, bytes] of Object.entries(pds.blobs)) assert.deepEqual(await readFile(join(target, 'blocks', relative)), bytes)
  assert.deepEqual(await readFile(join(target, 'actors', 'ab', ALICE, 'key')), Buffer.alloc(32, 7))
  assert.equal(rowsOf(join(target, 'account.sqlite')).count, 3000)
  assert.match(await readFile(join(target, 'pds.env'), 'utf8'), /PDS_JWT_SECRET=/)
})
