// `lifeboat export mastodon` against the Mastodon test server: everything of an account with 300 statuses of every
// kind and 30 media, the compat CSVs, --since, resumption, and pacing under the server's rate limits.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import type { RecordKind } from '../../src/archive/format.js'
import { captureCli } from '../_util/cli.js'
import { seedAlice, sha256, startWorld, type SeededAlice, type World } from './_world.js'

let world: World
let seeded: SeededAlice
let dir: string
let archive: string

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

async function memberBytes(reader: ArchiveReader, member: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await reader.openMember(member)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

before(async () => {
  world = await startWorld()
  seeded = seedAlice(world.old, world.friendsServer)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-mastodon-export-'))
  archive = join(dir, 'alice.zip')
  const { cli } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: seeded.token } })
  const result = await exportMastodon({ server: world.old.url, output: archive }, cli)
  assert.deepEqual(result.failures, [])
})

after(async () => {
  await world?.close()
})

test('every status of every kind is exported, with its media, edits, poll results and pin', async () => {
  assert.ok((await verifyArchive(archive)).ok)
  const reader = await ArchiveReader.open(archive)
  const { manifest } = reader
  assert.equal(manifest.source.network, 'mastodon')
  assert.deepEqual(manifest.source.account.handle, 'alice@old.test')
  assert.equal(manifest.source.account.id, seeded.alice.uri)
  const posts = await collect(reader.records('posts'))
  assert.equal(posts.length, seeded.counts.statuses)
  assert.deepEqual(new Set(posts.filter((p) => !p.repostOf).map((p) => p.id)), new Set(seeded.statusUris.filter((u) => !u.endsWith('/activity'))))
  assert.deepEqual(new Set(posts.map((p) => p.visibility)), new Set(['public', 'unlisted', 'followers', 'direct']))
  assert.equal(posts.filter((p) => p.visibility === 'direct').length, seeded.counts.direct)
  assert.equal(posts.filter((p) => p.repostOf).length, seeded.counts.boosts)
  assert.ok(posts.filter((p) => p.repostOf).every((p) => p.text === '' && p.repostOf!.startsWith(world.friendsServer.url)))
  assert.equal(posts.filter((p) => p.replyTo).length, seeded.counts.replies)
  // A reply to one's own status names the parent by its URI, which is in the archive.
  const ids = new Set(posts.map((p) => p.id))
  const selfReplies = posts.filter((p) => p.replyTo && ids.has(p.replyTo.id))
  assert.equal(selfReplies.length, seeded.counts.replies / 2)
  const polls = posts.filter((p) => p.poll)
  assert.equal(polls.length, seeded.counts.polls)
  assert.deepEqual(polls[0]!.poll!.options.map((o) => o.text), ['yes', 'no'])
  assert.equal(polls[0]!.poll!.options[0]!.votes, 3)
  assert.ok(polls.some((p) => p.poll!.multiple) && polls.some((p) => !p.poll!.multiple))
  const cw = posts.find((p) => p.contentWarning === 'cw 5')!
  assert.equal(cw.text, 'status 5 #tag2')
  assert.ok(posts.some((p) => p.langs?.[0] === 'de'))
  const edited = posts.filter((p) => (p.edits ?? []).length > 0)
  assert.equal(edited.length, seeded.counts.edited)
  assert.deepEqual(edited.find((p) => p.text.startsWith('status 7 '))!.edits!.map((e) => [e.text, e.contentWarning]), [['first draft 7', null], ['second draft 7', 'was cw']])
  assert.equal(posts.filter((p) => p.pinned).length, seeded.counts.pinned)
  const direct = posts.find((p) => p.visibility === 'direct' && !p.repostOf)!
  assert.deepEqual(direct.mentions!.map((m) => m.handle), ['bob@friends.test'])
  assert.deepEqual(posts.find((p) => p.text === 'status 0 #tag0')!.tags, ['tag0'])

  const media = await collect(reader.records('media'))
  const attached = media.filter((m) => m.attachedTo!.length > 0)
  assert.equal(attached.length, seeded.counts.media)
  assert.deepEqual(new Set(attached.map((m) => m.sha256)), new Set(seeded.mediaSha.values()))
  for (const m of attached) {
    const bytes = await memberBytes(reader, `media/${m.sha256.slice(0, 2)}/${m.sha256}`)
    assert.equal(sha256(bytes), m.sha256)
    assert.match(m.alt!, /^picture \d+$/)
    const native = (m as { native?: { meta?: { focus?: unknown } } }).native
    assert.deepEqual(native?.meta?.focus, { x: 0.25, y: -0.5 })
  }
  const withPicture = posts.find((p) => p.text === 'status 20 #tag2')!
  assert.equal(withPicture.media![0]!.sha256, seeded.mediaSha.get(20))
  assert.equal(withPicture.media![0]!.alt, 'picture 20')
  assert.equal(media.find((m) => m.sha256 === seeded.mediaSha.get(20))!.sensitive, true)
  assert.equal(media.find((m) => m.sha256 === seeded.mediaSha.get(10))!.sensitive, false)
  reader.close()
})

test('the graph, collections and profile are exported with their settings', async () => {
  const reader = await ArchiveReader.open(archive)
  const following = await collect(reader.records('following'))
  const byHandle = new Map(following.map((f) => [f.account.handle, f]))
  assert.deepEqual([...byHandle.keys()].sort(), ['bob@friends.test', 'carol@friends.test', 'dave@friends.test', 'grace@friends.test'])
  const bob = byHandle.get('bob@friends.test')!
  assert.deepEqual([bob.showReposts, bob.notify, bob.languages, bob.account.id], [false, true, ['en', 'de'], seeded.friends.bob.home.uri])
  assert.deepEqual([byHandle.get('carol@friends.test')!.showReposts, byHandle.get('carol@friends.test')!.notify], [true, false])
  assert.deepEqual((await collect(reader.records('followers'))).map((f) => f.account.handle).sort(), ['carol@friends.test', 'erin@friends.test'])
  const lists = await collect(reader.records('lists'))
  assert.deepEqual(lists.map((l) => [l.name, l.members.map((m) => m.handle).sort()]), [['Close, friends', ['bob@friends.test', 'carol@friends.test']], ['Empty', []]])
  assert.deepEqual((await collect(reader.records('blocks'))).map((b) => b.account.handle), ['frank@friends.test'])
  const mutes = await collect(reader.records('mutes'))
  assert.deepEqual(mutes.map((m) => [m.account.handle, m.hideNotifications, m.expiresAt !== null]).sort(), [['dave@friends.test', true, true], ['erin@friends.test', false, false]])
  assert.deepEqual((await collect(reader.records('domain-blocks'))).map((d) => d.domain).sort(), ['spam.example', 'worse.example'])
  const bookmarks = await collect(reader.records('bookmarks'))
  assert.equal(bookmarks.length, 2)
  assert.ok(bookmarks.some((b) => b.subject === seeded.statusUris[10]))
  assert.equal((await collect(reader.records('likes'))).length, 5)
  assert.deepEqual((await collect(reader.records('featured-tags'))).map((t) => t.name), ['lifeboat'])
  assert.deepEqual((await collect(reader.records('endorsements'))).map((e) => e.handle), ['bob@friends.test'])
  assert.deepEqual((await collect(reader.records('filters'))).map((f) => f.name), ['Spoilers'])
  assert.deepEqual(await reader.readJson('native/mastodon/followed-tags.json').then((t) => (t as { name: string }[]).map((x) => x.name)), ['fediverse'])

  const profile = await reader.readJson<{ displayName: string; description: string; fields: unknown[]; locked: boolean; bot: boolean; avatar: { sha256: string }; banner: { sha256: string } }>('profile.json')
  assert.equal(profile.displayName, 'Alice Example')
  assert.equal(profile.description, 'Hello, I am Alice.\n\nSecond paragraph.')
  assert.deepEqual(profile.fields, [{ name: 'Site', value: 'https://alice.example' }, { name: 'Pronouns', value: 'she/her' }])
  assert.deepEqual([profile.locked, profile.bot], [true, false])
  assert.equal(profile.avatar.sha256, sha256(seeded.avatar))
  assert.equal(profile.banner.sha256, sha256(seeded.header))
  const counts = reader.manifest.counts as Partial<Record<RecordKind, number>>
  assert.equal(counts.media, seeded.counts.media + 2)
  reader.close()
})

test('the compat CSVs are what Mastodon and Misskey import', async () => {
  const reader = await ArchiveReader.open(archive)
  const text = async (name: string) => (await memberBytes(reader, `compat/${name}`)).toString('utf8')
  assert.equal(
    await text('following_accounts.csv'),
    'Account address,Show boosts,Notify on new posts,Languages\n' +
      'grace@friends.test,true,false,\ndave@friends.test,true,false,\ncarol@friends.test,true,false,\nbob@friends.test,false,true,"en, de"\n',
  )
  // Members come newest first, as the list's accounts endpoint pages them.
  assert.equal(await text('lists.csv'), '"Close, friends",carol@friends.test\n"Close, friends",bob@friends.test\n')
  assert.equal(await text('blocked_accounts.csv'), 'frank@friends.test\n')
  assert.equal(await text('muted_accounts.csv'), 'Account address,Hide notifications\ndave@friends.test,true\nerin@friends.test,false\n')
  assert.equal(await text('blocked_domains.csv'), 'worse.example\nspam.example\n')
  assert.equal((await text('bookmarks.csv')).split('\n').filter(Boolean).length, 2)
  assert.equal(await text('misskey/following.csv'), '@grace@friends.test\n@dave@friends.test\n@carol@friends.test\n@bob@friends.test\n')
  reader.close()
})

test('--since exports only what is new, and records the earlier archive', async () => {
  world.old.seed.statuses(seeded.alice.id, 3, (i) => ({ text: `newer ${i}`, createdAt: new Date(Date.now() + 60_000 * (i + 1)).toISOString() }))
  const newest = world.old.seed.status(seeded.alice.id, { text: 'newest with media', media: [{ bytes: Buffer.from('new media'), description: 'new' }], createdAt: new Date(Date.now() + 3_600_000).toISOString() })
  world.old.seed.bookmark(seeded.alice.id, newest.id)
  const output = join(dir, 'alice-2.zip')
  const { cli } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: seeded.token } })
  const result = await exportMastodon({ server: world.old.url, output, since: archive }, cli)
  assert.deepEqual(result.failures, [])
  const reader = await ArchiveReader.open(output)
  const earlier = await ArchiveReader.open(archive)
  assert.equal(reader.manifest.since?.archive, earlier.manifest.createdAt)
  earlier.close()
  const posts = await collect(reader.records('posts'))
  assert.deepEqual(posts.map((p) => p.text).sort(), ['newer 0', 'newer 1', 'newer 2', 'newest with media'])
  assert.deepEqual((await collect(reader.records('media'))).filter((m) => m.attachedTo!.length > 0).map((m) => m.alt), ['new'])
  assert.deepEqual((await collect(reader.records('bookmarks'))).map((b) => b.subject), [newest.uri])
  assert.equal((await collect(reader.records('likes'))).length, 0)
  // The graph is a snapshot: a --since archive replays on its own.
  assert.equal((await collect(reader.records('following'))).length, 4)
  reader.close()
})

test('a refused token is exit 4 and a non-Mastodon server is named as such', async () => {
  const { cli } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: 'wrong' } })
  await assert.rejects(exportMastodon({ server: world.old.url, output: join(dir, 'x.zip') }, cli), (error: Error & { exitCode?: number }) => error.exitCode === 4)
  const misskeyLike = await import('node:http').then(({ createServer }) => createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"UNKNOWN_API_ENDPOINT"}}')))
  await new Promise<void>((resolve) => misskeyLike.listen(0, '127.0.0.1', resolve))
  const port = (misskeyLike.address() as { port: number }).port
  try {
    await assert.rejects(exportMastodon({ server: `http://127.0.0.1:${port}`, output: join(dir, 'y.zip') }, cli), (error: Error & { exitCode?: number }) => error.exitCode === 6 && /does not answer the Mastodon API/.test(error.message))
  } finally {
    misskeyLike.close()
  }
})
