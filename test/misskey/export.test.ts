// `lifeboat export misskey` against the fake Misskey (test/servers/misskey): a complete export of an account with
// 250 notes of every kind and 40 drive files, checked against what the server holds; the compat CSVs; --since.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Command } from 'commander'
import { register, run as exportMisskey } from '../../src/commands/export-misskey.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import type { PostRecord } from '../../src/archive/records.js'
import { captureCli } from '../_util/cli.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { startMisskeyServer } from '../servers/misskey/server.js'
import { seedRecordedScenario } from '../servers/misskey/scenario.js'
import { aliceNoteIds, FAST_HTTP, sha256, startWorld, type World } from './world.js'

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

describe('export misskey', () => {
  let world: World
  let archive: string

  before(async () => {
    world = await startWorld()
    archive = join(world.dir, 'alice.zip')
  })
  after(() => world.close())

  it('exports every note, drive file, relation and collection the server holds', async () => {
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    const result = await exportMisskey({ server: world.old.url, output: archive }, cli, { http: FAST_HTTP })
    assert.deepEqual(result.failures, [])
    assert.ok((await verifyArchive(archive)).ok)
    const reader = await ArchiveReader.open(archive)
    try {
      const { sc, old, files } = world
      const posts = await collect(reader.records('posts'))
      const held = aliceNoteIds(world)
      assert.equal(held.length, 250)
      assert.deepEqual(posts.map((p) => (p.native as { id: string }).id).sort(), [...held].sort())
      assert.equal(new Set(posts.map((p) => p.id)).size, 250)
      const byNote = (id: string): PostRecord => posts.find((p) => (p.native as { id: string }).id === id)!
      const uri = (id: string) => `${old.url}/notes/${id}`

      assert.equal(byNote(sc.notes.home!.id).visibility, 'unlisted')
      assert.equal(byNote(sc.notes.followers!.id).visibility, 'followers')
      assert.equal(byNote(sc.notes.specified!.id).visibility, 'specified')
      assert.equal(byNote(sc.notes.localOnly!.id).localOnly, true)
      assert.equal(byNote(sc.notes.cw!.id).contentWarning, 'Spoiler: export details')
      assert.deepEqual(byNote(sc.notes.poll!.id).poll!.options, [{ text: 'JSON', votes: 1 }, { text: 'CSV', votes: 0 }, { text: 'Both', votes: 1 }])
      assert.deepEqual(byNote(sc.notes.aliceReply!.id).replyTo, { id: uri(sc.notes.bobReply!.id) })
      assert.equal(byNote(sc.notes.renote!.id).repostOf, uri(sc.notes.bobForRenote!.id))
      assert.equal(byNote(sc.notes.renote!.id).text, '')
      assert.equal(byNote(sc.notes.quote!.id).quoteOf, uri(sc.notes.bobForQuote!.id))
      const mentions = byNote(sc.notes.mentions!.id)
      assert.deepEqual(mentions.mentions!.map((m) => m.handle), [`bob@${old.host}`, `carol@${old.host}`])
      assert.deepEqual(mentions.tags, ['misskey', 'exporttest'])
      assert.deepEqual(mentions.reactions, { '🎉': 1, '👍': 1 })
      assert.equal(byNote(sc.notes.pinned!.id).pinned, true)
      assert.equal(posts.filter((p) => p.pinned).length, 1)
      const twoFiles = byNote(sc.notes.twoFiles!.id)
      assert.deepEqual(twoFiles.media!.map((m) => m.sha256), [sha256(sc.files.sensitive!.bytes), sha256(sc.files.alt!.bytes)])
      assert.equal(twoFiles.media![1]!.alt, 'A dark gradient rectangle (alt text)')

      // every drive file, its bytes as the server holds them, with name, alt text, sensitive flag and folder path
      const media = await collect(reader.records('media'))
      assert.equal(files.length, 40)
      assert.equal(media.length, 40)
      for (const file of files) {
        const record = media.find((m) => m.source.id === file.id)
        assert.ok(record, `drive file ${file.name} is in the archive`)
        assert.equal(record.sha256, sha256(file.bytes), file.name)
        assert.equal(record.name, file.name)
        assert.equal(record.alt, file.comment)
        assert.equal(record.sensitive, file.isSensitive)
        assert.ok(reader.has(`media/${record.sha256.slice(0, 2)}/${record.sha256}`))
      }
      assert.equal(media.find((m) => m.name === 'in-folder.jpg')!.folder, 'Photos')
      assert.equal(media.find((m) => m.name === 'extra-00.png')!.folder, 'Photos/2025')
      assert.equal(media.find((m) => m.name === 'root-file.png')!.folder, null)

      const handles = async (kind: 'following' | 'followers' | 'blocks' | 'mutes' | 'renote-mutes') => (await collect(reader.records(kind))).map((r) => r.account.handle).sort()
      assert.deepEqual(await handles('following'), [`bob@${old.host}`, `carol@${old.host}`, `frank@${world.far.host}`])
      assert.deepEqual(await handles('followers'), [`bob@${old.host}`, `carol@${old.host}`])
      assert.deepEqual(await handles('blocks'), [`dave@${old.host}`])
      assert.deepEqual(await handles('mutes'), [`bob@${old.host}`, `erin@${old.host}`])
      assert.deepEqual(await handles('renote-mutes'), [`carol@${old.host}`])
      const following = await collect(reader.records('following'))
      assert.equal(following.find((f) => f.account.handle!.startsWith('carol'))!.showReposts, false)
      assert.equal(following.find((f) => f.account.handle!.startsWith('frank'))!.account.id, `${world.far.url}/users/${world.frank.id}`)
      const lists = await collect(reader.records('lists'))
      assert.deepEqual(
        lists.map((l) => [l.name, l.members.map((m) => m.handle)]),
        [
          ['Friends', [`bob@${old.host}`, `carol@${old.host}`, `frank@${world.far.host}`]],
          ['Watch', [`erin@${old.host}`]],
        ],
      )
      assert.equal((await collect(reader.records('antennas'))).length, 3)
      const clips = await collect(reader.records('clips'))
      assert.deepEqual(clips.map((c) => [c.name, c.notes!.length]).sort(), [['Keepers', 3], ['Private clip', 1]])
      assert.equal((await collect(reader.records('bookmarks'))).length, 3)
      assert.deepEqual((await collect(reader.records('likes'))).map((l) => (l.native as { reaction: string }).reaction).sort(), ['❤', '👀'])

      const profile = await reader.readJson<{ displayName: string; fields: unknown[]; avatar: { sha256: string }; banner: { sha256: string }; native: { pinnedNoteIds: string[] } }>('profile.json')
      assert.equal(profile.displayName, 'Alice Example')
      assert.equal(profile.fields.length, 2)
      assert.equal(profile.avatar.sha256, sha256(sc.files.avatar!.bytes))
      assert.equal(profile.banner.sha256, sha256(sc.files.banner!.bytes))
      assert.deepEqual(profile.native.pinnedNoteIds, [sc.notes.pinned!.id])

      const csv = async (name: string) => (await collect(await reader.openMember(`compat/${name}`))).join('')
      assert.equal(
        await csv('following_accounts.csv'),
        `Account address,Show boosts,Notify on new posts,Languages\nfrank@${world.far.host},true,false,\ncarol@${old.host},false,false,\nbob@${old.host},true,false,\n`,
      )
      assert.equal(await csv('blocked_accounts.csv'), `dave@${old.host}\n`)
      assert.equal(await csv('misskey/following.csv'), `@frank@${world.far.host}\n@carol@${old.host}\n@bob@${old.host}\n`)
      assert.match(await csv('misskey/user-lists.csv'), new RegExp(`^Friends,@bob@${old.host.replace('.', '\\.')}\n`))
      const cursor = await reader.readJson<{ notes: string; files: string }>('native/misskey/cursor.json')
      assert.equal(cursor.notes, [...held].sort().at(-1))
      // the token appears nowhere in the archive
      for (const member of reader.members.keys()) {
        const text = Buffer.concat((await collect(await reader.openMember(member))) as Buffer[]).toString('latin1')
        assert.ok(!text.includes(sc.tokens.aliceApp), member)
      }
    } finally {
      reader.close()
    }
  })

  it('--since exports only the notes and files added after the earlier archive', async () => {
    const { old, alice } = world
    const file = old.seed.file(alice, { name: 'new-file.txt', type: 'text/plain', bytes: 'new bytes' })
    const added = [old.seed.note(alice, { text: 'Written after the first export' }), old.seed.note(alice, { text: 'With a file', fileIds: [file.id] })]
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    const output = join(world.dir, 'alice-2.zip')
    const result = await exportMisskey({ server: old.url, output, since: archive }, cli, { http: FAST_HTTP })
    assert.equal(result.manifest.counts.posts, 2)
    assert.equal(result.manifest.counts.following, 3, 'relations are exported whole')
    assert.ok(result.manifest.since?.archive)
    const reader = await ArchiveReader.open(output)
    try {
      const posts = await collect(reader.records('posts'))
      assert.deepEqual(posts.map((p) => (p.native as { id: string }).id), added.map((n) => n.id))
      assert.equal(posts[1]!.media![0]!.sha256, sha256(Buffer.from('new bytes')))
      // the new file, and the avatar and banner the (always complete) profile refers to
      assert.deepEqual((await collect(reader.records('media'))).map((m) => m.name).sort(), ['avatar.png', 'banner.jpg', 'new-file.txt'])
    } finally {
      reader.close()
    }
  })
})

describe('export misskey: other versions and interrupted runs', () => {
  it('exports a Misskey 2025.7.0 account, whose clips/list ignores limit and cursors, without paging forever', async () => {
    const server = await startMisskeyServer({ version: '2025.7.0', rateLimits: { enabled: false } })
    const sc = seedRecordedScenario(server.seed)
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-misskey-2025-7-'))
    try {
      const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: sc.tokens.aliceApp } })
      const result = await exportMisskey({ server: server.url, output: join(dir, 'a.zip') }, cli, { http: FAST_HTTP })
      assert.equal(result.manifest.counts.clips, 2)
      assert.equal(result.manifest.counts.posts, 149)
      assert.ok(server.counters().byEndpoint['clips/list']! <= 2)
    } finally {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('an interrupted export, run again, downloads each file once and writes the same archive', async () => {
    const world = await startWorld()
    try {
      const env = { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp }
      const output = join(world.dir, 'resumed.zip')
      const downloads = () => world.old.log.filter((e) => e.path.startsWith('/files/')).length
      const stopped = captureCli({ env })
      const timer = setInterval(() => downloads() >= 15 && stopped.abort(), 1)
      await assert.rejects(exportMisskey({ server: world.old.url, output }, stopped.cli, { http: FAST_HTTP, downloadConcurrency: 2 }), { name: 'InterruptedError' })
      clearInterval(timer)
      const first = downloads()
      assert.ok(first >= 15 && first < 40, `stopped during the downloads (${first})`)
      const again = await exportMisskey({ server: world.old.url, output }, captureCli({ env }).cli, { http: FAST_HTTP })
      assert.deepEqual(again.failures, [])
      // the rerun fetches only what the first run had not staged (plus at most the downloads cut off in flight)
      assert.ok(downloads() <= 40 + 2, `${downloads()} downloads in both runs for 40 files`)
      const fresh = join(world.dir, 'fresh.zip')
      await exportMisskey({ server: world.old.url, output: fresh }, captureCli({ env }).cli, { http: FAST_HTTP })
      const [a, b] = [await ArchiveReader.open(output), await ArchiveReader.open(fresh)]
      const sums = (r: ArchiveReader) => Object.fromEntries(Object.entries(r.manifest.members).map(([n, m]) => [n, m.sha256]))
      assert.deepEqual(sums(a), sums(b))
      a.close()
      b.close()
    } finally {
      await world.close()
    }
  })
})

describe('export misskey: the command line', () => {
  it('wires --server, -o, --token-env and --since to the run', async () => {
    const world = await startWorld()
    try {
      const { cli, stderr } = captureCli({ env: { ALICE_TOKEN: world.sc.tokens.aliceApp } })
      const program = new Command('lifeboat').exitOverride()
      register(program, cli)
      const first = join(world.dir, 'cli.zip')
      await program.parseAsync(['export', 'misskey', '--server', world.old.url, '-o', first, '--token-env', 'ALICE_TOKEN'], { from: 'user' })
      assert.match(stderr(), /Wrote .*cli\.zip: posts 250/)
      const second = join(world.dir, 'cli-2.zip')
      await program.parseAsync(['export', 'misskey', '--server', world.old.url, '-o', second, '--token-env', 'ALICE_TOKEN', '--since', first], { from: 'user' })
      assert.match(stderr(), /Wrote .*cli-2\.zip.*: posts 0,/)
      assert.ok(!stderr().includes(world.sc.tokens.aliceApp))
    } finally {
      await world.close()
    }
  })
})

