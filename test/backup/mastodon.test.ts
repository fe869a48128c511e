// `lifeboat backup mastodon` into a backup store against the Mastodon test server (test/servers/mastodon): a first
// backup, a second that fetches only the new statuses, media, bookmarks and favourites, a restored archive equal to a
// fresh full export, a medium shared by two accounts stored once, and forget + prune leaving the newer one restorable.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/store.js'
import type { Snapshot } from '../../src/store/format.js'
import type { AccountArchiveData } from '../../src/backup/account-format.js'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { captureCli } from '../_util/cli.js'
import { seedAlice, sha256, startWorld, type SeededAlice, type World } from '../mastodon/_world.js'
import { assertSameAccount, lifeboat, VOLATILE_COUNTERS } from './_helpers.js'

describe('backup mastodon', () => {
  let world: World
  let seeded: SeededAlice
  let dir: string
  let store: string
  let env: NodeJS.ProcessEnv
  const snapshots: string[] = []

  before(async () => {
    world = await startWorld()
    seeded = seedAlice(world.old, world.friendsServer, 60)
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-backup-mastodon-'))
    store = join(dir, 'store')
    env = { LIFEBOAT_MASTODON_TOKEN: seeded.token }
  })
  after(async () => {
    await world.close()
    await rm(dir, { recursive: true, force: true })
  })

  const backup = async () => {
    const { result } = await lifeboat(['backup', 'mastodon', '--server', world.old.url, '--store', store], env)
    assert.equal(result.ok, true)
    snapshots.push(result.snapshot as string)
    return result
  }
  const read = async (id: string) => (await (await openStore(store)).readSnapshot(id)) as Snapshot<AccountArchiveData>
  const downloads = () => world.old.requests.filter((e) => e.path.startsWith('/system/'))

  it('a first backup stores every status, medium and collection', async () => {
    const result = await backup()
    assert.equal(result.full, true)
    const snapshot = await read(snapshots[0]!)
    assert.equal(snapshot.data.network, 'mastodon')
    assert.equal(snapshot.data.segments.find((s) => s.kind === 'posts')!.records, seeded.counts.statuses)
  })

  it('a second backup fetches only what is new, and its archive equals a fresh full export', async () => {
    const { old } = world
    old.seed.statuses(seeded.alice.id, 3, (i) => ({ text: `newer ${i}`, createdAt: new Date(Date.now() + 60_000 * (i + 1)).toISOString() }))
    const newest = old.seed.status(seeded.alice.id, { text: 'newest with media', media: [{ bytes: Buffer.from('new media'), description: 'new' }], createdAt: new Date(Date.now() + 3_600_000).toISOString() })
    old.seed.bookmark(seeded.alice.id, newest.id)
    old.resetRequestLog()
    const result = await backup()
    assert.equal(result.full, false)
    const added = result.newRecords as Record<string, number>
    assert.equal(added.posts, 4)
    assert.equal(added.bookmarks, 1)
    assert.equal(added.likes, 0)
    const fetched = downloads().map((e) => e.path)
    assert.ok(fetched.length <= 3, `the new medium, and at most the avatar and header: ${fetched.join(', ')}`)
    const snapshot = await read(snapshots[1]!)
    assert.ok(snapshot.data.media.includes(sha256(Buffer.from('new media'))))

    const restored = join(dir, 'restored.zip')
    await lifeboat(['restore', 'archive', '--store', store, '--snapshot', snapshots[1]!, '-o', restored])
    assert.equal((await lifeboat(['verify', restored])).result.ok, true)
    const fresh = join(dir, 'fresh.zip')
    await exportMastodon({ server: old.url, output: fresh }, captureCli({ env }).cli)
    // the embedded author of each old status still says 60 statuses: an incremental run does not fetch them again
    await assertSameAccount(restored, fresh, VOLATILE_COUNTERS)
  })

  it('an unchanged account downloads no media and, from its second run, adds no objects', async () => {
    await backup()
    world.old.resetRequestLog()
    const result = await backup()
    assert.equal(result.status, 'unchanged')
    assert.equal(result.newObjects, 0)
    const routes = world.old.counters()
    console.log(`# an unchanged Mastodon account's backup made ${world.old.count()} requests: ${JSON.stringify(routes)}`)
    assert.deepEqual(downloads().filter((e) => !/\/(avatars|headers)\//.test(e.path)).map((e) => e.path), [], 'no media but the avatar and header the profile names')
  })

  it('a medium shared by two accounts is stored once', async () => {
    const zoe = world.old.seed.account({ username: 'zoe', displayName: 'Zoe' })
    const token = world.old.seed.token(zoe.id)
    world.old.seed.status(zoe.id, { text: 'the same picture', media: [{ bytes: Buffer.from('new media'), description: 'same' }] })
    const { result } = await lifeboat(['backup', 'mastodon', '--server', world.old.url, '--store', store], { LIFEBOAT_MASTODON_TOKEN: token })
    const other = await read(result.snapshot as string)
    assert.ok(other.data.media.includes(sha256(Buffer.from('new media'))))
    assert.notEqual(other.subject.id, (await read(snapshots[1]!)).subject.id)
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
