// `lifeboat backup misskey` into a backup store against the fake Misskey (test/servers/misskey): a first backup, a
// second that fetches only what is new, a restored archive equal to a fresh full export, a medium shared by two
// accounts stored once, and forget + prune leaving the newer snapshot restorable.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openStore } from '../../src/store/store.js'
import type { Snapshot } from '../../src/store/format.js'
import type { AccountArchiveData } from '../../src/backup/account-format.js'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { captureCli } from '../_util/cli.js'
import { startWorld, sha256, type World } from '../misskey/world.js'
import { assertSameAccount, lifeboat } from './_helpers.js'

describe('backup misskey', () => {
  let world: World
  let store: string
  let env: NodeJS.ProcessEnv
  const snapshots: string[] = []

  before(async () => {
    world = await startWorld()
    store = join(world.dir, 'store')
    env = { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp }
  })
  after(() => world.close())

  const backup = async () => {
    const { result } = await lifeboat(['backup', 'misskey', '--server', world.old.url, '--store', store], env)
    assert.equal(result.ok, true)
    snapshots.push(result.snapshot as string)
    return result
  }
  const read = async (id: string) => (await (await openStore(store)).readSnapshot(id)) as Snapshot<AccountArchiveData>

  it('a first backup stores every note, file and collection', async () => {
    const result = await backup()
    assert.equal(result.full, true)
    const snapshot = await read(snapshots[0]!)
    assert.equal(snapshot.kind, 'account-archive')
    assert.equal(snapshot.data.network, 'misskey')
    assert.match(snapshot.subject.id, /^misskey:http:\/\/127\.0\.0\.1:\d+\/users\//)
    assert.equal(snapshot.data.segments.find((s) => s.kind === 'posts')!.records, 250)
    assert.equal(snapshot.data.media.length, 40, "alice's 40 drive files (her avatar and banner among them)")
  })

  it('a second backup fetches only the new notes and files, and its archive equals a fresh full export', async () => {
    const { old, alice } = world
    const file = old.seed.file(alice, { name: 'new-file.txt', type: 'text/plain', bytes: 'new bytes' })
    old.seed.note(alice, { text: 'Written after the first backup' })
    old.seed.note(alice, { text: 'With a file', fileIds: [file.id] })
    old.log.length = 0
    const result = await backup()
    assert.equal(result.full, false)
    assert.deepEqual(result.newRecords, { posts: 2, media: 3, bookmarks: 0, likes: 0 }, 'two notes; the new file, the avatar and the banner')
    const downloads = old.log.filter((e) => e.path.startsWith('/files/')).map((e) => e.path)
    assert.equal(downloads.length, 3, `downloads: ${downloads.join(', ')}`)
    assert.equal(old.log.filter((e) => e.endpoint === 'users/notes').length, 2, 'the page of new notes after the cursor, and the empty page after it')
    const snapshot = await read(snapshots[1]!)
    assert.equal(snapshot.stats.newRecords, 5)
    assert.equal(snapshot.data.segments.filter((s) => s.kind === 'posts').length, 2, 'the first snapshot\'s notes and the new ones')
    assert.ok(snapshot.data.media.includes(sha256(Buffer.from('new bytes'))))

    const restored = join(world.dir, 'restored.zip')
    const { result: restoredResult } = await lifeboat(['restore', 'archive', '--store', store, '--snapshot', snapshots[1]!, '-o', restored])
    assert.equal((restoredResult.counts as Record<string, number>).posts, 252)
    assert.equal((await lifeboat(['verify', restored])).result.ok, true)
    const fresh = join(world.dir, 'fresh.zip')
    await exportMisskey({ server: old.url, output: fresh }, captureCli({ env }).cli)
    await assertSameAccount(restored, fresh)
  })

  it('an unchanged account writes a snapshot naming the same objects, and downloads nothing', async () => {
    // the first run after a change stores the avatar and banner records (listed by every run) as their own segment
    await backup()
    world.old.log.length = 0
    const result = await backup()
    const [a, b] = [await read(snapshots.at(-2)!), await read(snapshots.at(-1)!)]
    assert.deepEqual(b.data.files.filter((f) => !a.objects.includes(f.object)), [])
    assert.deepEqual(b.data.segments.filter((s) => !a.objects.includes(s.object)), [])
    assert.equal(result.status, 'unchanged')
    assert.equal(result.newObjects, 0)
    assert.equal(world.old.log.filter((e) => e.path.startsWith('/files/')).length, 2, 'only the avatar and banner the profile names')
    const requests = world.old.log.length
    assert.ok(requests > 0)
    console.log(`# an unchanged Misskey account's backup made ${requests} requests: ${[...new Set(world.old.log.map((e) => e.endpoint ?? e.path))].join(', ')}`)
  })

  it('a medium shared by two accounts is stored once', async () => {
    const { fresh, alice2 } = world
    fresh.seed.file(alice2, { name: 'same.txt', type: 'text/plain', bytes: 'new bytes' })
    const { result } = await lifeboat(['backup', 'misskey', '--server', fresh.url, '--store', store], { LIFEBOAT_MISSKEY_TOKEN: world.freshToken })
    const other = await read(result.snapshot as string)
    const shared = sha256(Buffer.from('new bytes'))
    assert.ok(other.data.media.includes(shared))
    assert.notEqual(other.subject.id, (await read(snapshots[1]!)).subject.id)
    const opened = await openStore(store)
    const all = new Set((await opened.listSnapshots()).flatMap((s) => s.objects))
    assert.equal((await opened.verify()).objects, all.size, 'each object once, whoever needs it')
    assert.equal((await lifeboat(['snapshots', '--store', store, '--kind', 'account-archive'])).result.ok, true)
  })

  it('forgetting the first snapshot and pruning leaves the second restorable', async () => {
    const before = join(world.dir, 'before-forget.zip')
    await lifeboat(['restore', 'archive', '--store', store, '--snapshot', snapshots[1]!, '-o', before])
    await lifeboat(['forget', snapshots[0]!, '--store', store, '--prune'])
    const opened = await openStore(store)
    assert.equal((await opened.listSnapshots()).some((s) => s.id === snapshots[0]), false)
    assert.equal((await lifeboat(['verify-store', '--store', store])).result.ok, true)
    const after = join(world.dir, 'after-forget.zip')
    await lifeboat(['restore', 'archive', '--store', store, '--snapshot', snapshots[1]!, '-o', after])
    await assertSameAccount(after, before)
  })
})
