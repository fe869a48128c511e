// The ActivityPub family replays across networks: a Misskey archive (exported by the Misskey adapter) onto the
// Mastodon test server, and a Mastodon archive onto a Misskey test server (with the Misskey adapter's Target).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { createTargetFactory } from '../../src/adapters/misskey/index.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { captureCli } from '../_util/cli.js'
import { createFediDirectory } from '../servers/mastodon/directory.js'
import { startMastodonServer, type MastodonTestServer } from '../servers/mastodon/mastodon-server.js'
import { call, pageAll } from '../servers/mastodon/test-client.js'
import { createMisskeyDirectory } from '../servers/misskey/directory.js'
import { localUserUri } from '../servers/misskey/instance.js'
import { startMisskeyServer, type MisskeyTestServer } from '../servers/misskey/server.js'
import type { UserRecord } from '../servers/misskey/state.js'
import { misskeyDirectoryMember } from './_misskey-bridge.js'

registerTargetFactory('mastodon', () => import('../../src/adapters/mastodon/index.js').then((m) => m.replayTarget))
registerTargetFactory('misskey', async () => createTargetFactory({ http: { baseDelayMs: 5, maxDelayMs: 50 } }))

const off = { rateLimits: { enabled: false }, exportDelayMs: 5 } as const

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

describe('a Misskey archive replays onto the Mastodon test server', () => {
  let mk: MisskeyTestServer
  let neu: MastodonTestServer

  before(async () => {
    mk = await startMisskeyServer({ ...off, directory: createMisskeyDirectory() })
    const directory = createFediDirectory()
    directory.register(misskeyDirectoryMember(mk))
    neu = await startMastodonServer({ domain: 'new.test', directory, rateLimits: { enabled: false } })
  })
  after(async () => {
    await Promise.all([mk?.close(), neu?.close()])
  })

  it('yields the same follows, lists, mutes and blocks', async () => {
    const [alice, bob, carol, dave, eve] = ['alice', 'bob', 'carol', 'dave', 'eve'].map((username) => mk.seed.user({ username, name: username.toUpperCase() }))
    mk.seed.follow(alice!, bob!)
    mk.seed.follow(alice!, carol!)
    mk.seed.list(alice!, 'Pals', [bob!])
    mk.seed.mute(alice!, dave!)
    mk.seed.block(alice!, eve!)
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-mk-to-masto-'))
    const archive = join(dir, 'alice-misskey.zip')
    await exportMisskey({ server: mk.url, output: archive }, captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: mk.seed.token(alice!, 'app') } }).cli)
    const reader = await ArchiveReader.open(archive)
    assert.equal(reader.manifest.source.network, 'misskey')
    const following = (await collect(reader.records('following'))).map((f) => f.account.handle).sort()
    reader.close()
    assert.deepEqual(following, [`bob@${mk.host}`, `carol@${mk.host}`])

    const me = neu.seed.account({ username: 'alice' })
    const token = neu.seed.token(me.id)
    const summary = await replay(archive, { to: 'mastodon', server: neu.url }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } }).cli)
    assert.equal(summary.failed, 0)
    const followed = (await pageAll(`${neu.url}/api/v1/accounts/${me.id}/following`, token)).items.map((a: any) => a.acct).sort()
    assert.deepEqual(followed, following)
    const bobHere = neu.accountId(`bob@${mk.host}`)!
    assert.equal((await call(`${neu.url}/api/v1/accounts/${bobHere}`)).json.uri, localUserUri(mk.instance, bob!), 'the same actor, not a namesake')
    const lists = (await call(`${neu.url}/api/v1/lists`, { token })).json
    assert.deepEqual(lists.map((l: any) => l.title), ['Pals'])
    assert.deepEqual((await pageAll(`${neu.url}/api/v1/lists/${lists[0].id}/accounts`, token)).items.map((a: any) => a.acct), [`bob@${mk.host}`])
    assert.deepEqual((await pageAll(`${neu.url}/api/v1/mutes`, token)).items.map((a: any) => a.acct), [`dave@${mk.host}`])
    assert.deepEqual((await pageAll(`${neu.url}/api/v1/blocks`, token)).items.map((a: any) => a.acct), [`eve@${mk.host}`])
  })
})

describe('a Mastodon archive replays onto a Misskey test server', () => {
  let old: MastodonTestServer
  let far: MisskeyTestServer
  let fresh: MisskeyTestServer

  before(async () => {
    const misskeys = createMisskeyDirectory()
    far = await startMisskeyServer({ ...off, directory: misskeys })
    fresh = await startMisskeyServer({ ...off, directory: misskeys })
    const directory = createFediDirectory()
    directory.register(misskeyDirectoryMember(far))
    old = await startMastodonServer({ domain: 'old.test', directory, rateLimits: { enabled: false } })
  })
  after(async () => {
    await Promise.all([old?.close(), far?.close(), fresh?.close()])
  })

  it('yields the same follows, lists, mutes and blocks', async () => {
    // alice on Mastodon follows, lists, mutes and blocks users of a Misskey server, which her server knows as remote accounts.
    const alice = old.seed.account({ username: 'alice' })
    const token = old.seed.token(alice.id)
    const remote = (user: UserRecord) => old.seed.account({ username: user.username, domain: far.host, uri: localUserUri(far.instance, user), url: `${far.url}/@${user.username}` })
    const [frank, gina, hank, ivy] = ['frank', 'gina', 'hank', 'ivy'].map((username) => far.seed.user({ username }))
    const [f, g, h, i] = [frank!, gina!, hank!, ivy!].map(remote)
    old.seed.follow(alice.id, f!.id, { reblogs: false })
    old.seed.follow(alice.id, g!.id)
    old.seed.list(alice.id, { title: 'Misskey friends', members: [f!.id] })
    old.seed.mute(alice.id, h!.id, { notifications: true })
    old.seed.block(alice.id, i!.id)
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-masto-to-mk-'))
    const archive = join(dir, 'alice-mastodon.zip')
    await exportMastodon({ server: old.url, output: archive }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } }).cli)

    const alice2 = fresh.seed.user({ username: 'alice2' })
    const summary = await replay(archive, { to: 'misskey', server: fresh.url }, captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: fresh.seed.token(alice2, 'app') } }).cli)
    assert.equal(summary.failed, 0)
    const s = fresh.instance.state
    const name = (id: string) => {
      const u = s.users.get(id)!
      return `${u.username}@${u.host ?? fresh.host}`
    }
    assert.deepEqual([...s.followings.values()].filter((x) => x.followerId === alice2.id).map((x) => name(x.followeeId)).sort(), [`frank@${far.host}`, `gina@${far.host}`])
    const list = [...s.lists.values()].find((l) => l.userId === alice2.id && l.name === 'Misskey friends')!
    assert.deepEqual([...s.memberships.values()].filter((m) => m.userListId === list.id).map((m) => name(m.userId)), [`frank@${far.host}`])
    assert.deepEqual([...s.mutings.values()].filter((m) => m.muterId === alice2.id).map((m) => name(m.muteeId)), [`hank@${far.host}`])
    assert.deepEqual([...s.blockings.values()].filter((b) => b.blockerId === alice2.id).map((b) => name(b.blockeeId)), [`ivy@${far.host}`])
    // The follows reached the Misskey users' own server.
    const farFrank = far.instance.state
    assert.ok([...farFrank.followings.values()].some((x) => x.followeeId === frank!.id))
  })
})
