// `lifeboat backup matrix` into a backup store against the Matrix test homeserver (test/servers/matrix): a first
// backup, a second that fetches only the new events and media, a restored archive equal to a fresh full export (room
// counts included), a medium shared by two accounts stored once, and forget + prune leaving the newer one restorable.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/store.js'
import type { Snapshot } from '../../src/store/format.js'
import type { AccountArchiveData } from '../../src/backup/account-format.js'
import { run as exportMatrix } from '../../src/commands/export-matrix.js'
import { solidPng } from '../../src/demo/png.js'
import { captureCli } from '../_util/cli.js'
import { startMatrixServer, type MatrixTestServer } from '../servers/matrix/server.js'
import type { SeededUser } from '../servers/matrix/seed.js'
import { sha256 } from '../matrix/helpers.js'
import { assertSameAccount, contents, lifeboat } from './_helpers.js'

describe('backup matrix', () => {
  let server: MatrixTestServer
  let alice: SeededUser
  let bob: SeededUser
  let chat: string
  let pictures: string
  let dir: string
  let store: string
  let env: NodeJS.ProcessEnv
  const snapshots: string[] = []
  const shared = solidPng(8, 8, [200, 10, 10])

  before(async () => {
    server = await startMatrixServer()
    const seed = server.seed
    alice = seed.user('alice')
    bob = seed.user('bob', { displayname: 'Bob' })
    seed.profile(alice.userId, { displayname: 'Alice', avatarUrl: seed.media({ bytes: solidPng(16, 16, [10, 10, 200]), contentType: 'image/png', fileName: 'me.png' }) })
    chat = seed.room({ creator: alice.userId, kind: 'private', name: 'Chat', members: [bob.userId] })
    seed.messages(chat, { count: 120, senders: [alice.userId, bob.userId], startTs: 1_600_000_000_000, intervalMs: 10 })
    pictures = seed.room({ creator: alice.userId, kind: 'public', name: 'Pictures', alias: 'pictures', members: [bob.userId] })
    const mxc = seed.media({ bytes: shared, contentType: 'image/png', fileName: 'red.png' })
    seed.message(pictures, bob.userId, { msgtype: 'm.image', body: 'a red square', url: mxc, info: { mimetype: 'image/png' } })
    const dm = seed.room({ creator: alice.userId, kind: 'dm', members: [bob.userId], direct: true })
    seed.message(dm, bob.userId, 'hi alice')
    seed.tag(alice.userId, chat, 'm.favourite', { order: 0.5 })
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-backup-matrix-'))
    store = join(dir, 'store')
    env = { LIFEBOAT_MATRIX_TOKEN: alice.accessToken }
  })
  after(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  const backup = async () => {
    const { result } = await lifeboat(['backup', 'matrix', '--server', server.url, '--user', alice.userId, '--store', store], env)
    assert.equal(result.ok, true)
    snapshots.push(result.snapshot as string)
    return result
  }
  const read = async (id: string) => (await (await openStore(store)).readSnapshot(id)) as Snapshot<AccountArchiveData>
  const downloads = () => server.requests.filter((r) => r.path.includes('/media/') && r.path.includes('/download/'))
  const messagePages = () => server.requests.filter((r) => r.path.endsWith('/messages'))

  it('a first backup stores every room, event and medium', async () => {
    const result = await backup()
    assert.equal(result.full, true)
    const snapshot = await read(snapshots[0]!)
    assert.equal(snapshot.data.network, 'matrix')
    assert.equal(snapshot.subject.id, `matrix:${alice.userId}`)
    assert.ok(snapshot.data.media.includes(sha256(shared)))
  })

  it('a second backup fetches only the new events, and its archive equals a fresh full export', async () => {
    const mxc = server.seed.media({ bytes: Buffer.from('a new file'), contentType: 'text/plain', fileName: 'new.txt' })
    for (let i = 0; i < 3; i++) server.seed.message(chat, bob.userId, `new message ${i}`)
    server.seed.message(pictures, alice.userId, { msgtype: 'm.file', body: 'new.txt', url: mxc, info: { mimetype: 'text/plain' } })
    server.resetRequests()
    const result = await backup()
    assert.equal(result.full, false)
    assert.equal((result.newRecords as Record<string, number>).events, 4)
    const fetched = downloads().map((r) => r.path)
    assert.ok(fetched.length <= 2 && fetched.some((p) => p.endsWith(mxc.split('/').pop()!)), `the new file, and at most the avatar: ${fetched.join(', ')}`)
    const pages = messagePages().length
    assert.ok(pages <= 3 * 2, `${pages} /messages requests: at most two per room after its token`)

    const restored = join(dir, 'restored.zip')
    await lifeboat(['restore', 'archive', '--store', store, '--snapshot', snapshots[1]!, '-o', restored])
    assert.equal((await lifeboat(['verify', restored])).result.ok, true)
    const fresh = join(dir, 'fresh.zip')
    const { cli } = captureCli({ env })
    await exportMatrix({ homeserver: server.url, user: alice.userId, output: fresh }, cli)
    // `unsigned.age` of room state is computed by the server when asked: it differs between any two exports
    await assertSameAccount(restored, fresh, ['age'])
    const room = (await contents(restored)).records.rooms!.map((r) => JSON.parse(r) as { id: string; counts: { events: number } }).find((r) => r.id === chat)!
    assert.ok(room.counts.events > 120, 'the room counts every event of both runs')
  })

  it('an unchanged account fetches no event and no medium', async () => {
    await backup()
    server.resetRequests()
    const result = await backup()
    assert.equal((result.newRecords as Record<string, number>).events, 0)
    // the rooms segment changes every run all the same: room state carries `unsigned.age`, computed when asked
    assert.ok((result.newObjects as number) <= 1, `${String(result.newObjects)} new objects`)
    console.log(`# an unchanged Matrix account's backup made ${server.requests.length} requests: ${[...new Set(server.requests.map((r) => r.path.replace(/![^/]+/, ':room')))].join(', ')}`)
    assert.ok(downloads().length <= 1, 'at most the profile avatar')
  })

  it('a medium shared by two accounts is stored once', async () => {
    const { result } = await lifeboat(['backup', 'matrix', '--server', server.url, '--user', bob.userId, '--store', store], { LIFEBOAT_MATRIX_TOKEN: bob.accessToken })
    const other = await read(result.snapshot as string)
    assert.equal(other.subject.id, `matrix:${bob.userId}`)
    assert.ok(other.data.media.includes(sha256(shared)))
    assert.equal(result.newObjects !== undefined, true)
    const opened = await openStore(store)
    assert.equal((await opened.verify()).objects, new Set((await opened.listSnapshots()).flatMap((s) => s.objects)).size)
  })

  it('forgetting the first snapshot and pruning leaves the second restorable', async () => {
    const before = join(dir, 'before-forget.zip')
    await lifeboat(['restore', 'archive', '--store', store, '--snapshot', snapshots[1]!, '-o', before])
    await lifeboat(['forget', snapshots[0]!, '--store', store, '--prune'])
    assert.equal((await lifeboat(['verify-store', '--store', store])).result.ok, true)
    const after = join(dir, 'after-forget.zip')
    await lifeboat(['restore', 'archive', '--store', store, '--snapshot', snapshots[1]!, '-o', after])
    await assertSameAccount(after, before)
  })
})

describe('backup matrix: a run with failed items', () => {
  it('writes its snapshot and exits 3; the next run fetches what failed again, without duplicates', async () => {
    const server = await startMatrixServer()
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-backup-matrix-fail-'))
    try {
      const alice = server.seed.user('alice')
      const bob = server.seed.user('bob')
      const chat = server.seed.room({ creator: alice.userId, kind: 'private', name: 'Chat', members: [bob.userId] })
      server.seed.message(chat, bob.userId, 'first')
      const broken = server.seed.room({ creator: alice.userId, kind: 'private', name: 'Broken', members: [bob.userId] })
      server.seed.message(broken, bob.userId, 'in the broken room')
      const store = join(dir, 'store')
      const env = { LIFEBOAT_MATRIX_TOKEN: alice.accessToken }
      const args = ['backup', 'matrix', '--server', server.url, '--user', alice.userId, '--store', store]
      await lifeboat(args, env)
      server.seed.message(chat, bob.userId, 'second')
      server.seed.message(broken, bob.userId, 'also in the broken room')
      server.seed.failRoom(broken, { status: 500, errcode: 'M_UNKNOWN', error: 'boom', endpoints: ['messages'] })
      await assert.rejects(lifeboat(args, env), (error: Error & { exitCode?: number }) => error.exitCode === 3)
      const opened = await openStore(store)
      const failed = (await opened.listSnapshots()).at(-1) as Snapshot<AccountArchiveData>
      assert.ok(failed.data.failures > 0, 'the snapshot of the run with failures is written and says so')
      server.seed.failRoom(broken, null)
      const { result } = await lifeboat(args, env)
      assert.equal(result.ok, true)
      const restored = join(dir, 'restored.zip')
      await lifeboat(['restore', 'archive', '--store', store, '--snapshot', result.snapshot as string, '-o', restored])
      const fresh = join(dir, 'fresh.zip')
      await exportMatrix({ homeserver: server.url, user: alice.userId, output: fresh }, captureCli({ env }).cli)
      await assertSameAccount(restored, fresh, ['age'])
    } finally {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
