// `lifeboat import mastodon-archive`: the sample Mastodon archives (4.3 zip, 4.0 tar.gz) and CSV exports become
// Lifeboat archives with every status and media file; hostile archives are read without escaping anything.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { buildRawZip } from '../_util/raw-zip.js'
import { run as importArchive } from '../../src/commands/import-mastodon-archive.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { openExportArchive } from '../../src/adapters/mastodon/export-archive.js'
import { arrayItems } from '../../src/adapters/mastodon/json-items.js'
import { tarball } from '../../fixtures/mastodon/tar.js'
import { captureCli, runCli } from '../_util/cli.js'
import { sha256 } from './_world.js'

const ZIP = 'fixtures/mastodon/archive-20241205104500-5b0f9a6c2e8d4f1a9c3b7e6d0a2f4c8e.zip'
const TAR = 'fixtures/mastodon/archive-20221218195650-1d4e7a9c3f6b2e8a0c5d9f1b7e3a6c4d.tar.gz'
const CSV = 'fixtures/mastodon/csv'
let dir: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-mastodon-import-'))
})

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

/** Every item and member of a Mastodon export archive, read independently of the importer's mapping. */
async function sourceOf(path: string): Promise<{ items: any[]; files: Map<string, Buffer> }> {
  const archive = await openExportArchive(path, { scratchDir: join(dir, `scratch-${Math.random()}`) })
  const files = new Map<string, Buffer>()
  for (const name of archive.names) {
    const chunks: Buffer[] = []
    for await (const chunk of await archive.open(name)) chunks.push(chunk as Buffer)
    files.set(name, Buffer.concat(chunks))
  }
  await archive.close()
  return { items: JSON.parse(files.get('outbox.json')!.toString('utf8')).orderedItems, files }
}

test('the 4.3 zip archive and the CSVs import with every status, media file and relation', async () => {
  const output = join(dir, 'zapdos.zip')
  const csv = ['following_accounts.csv', 'following_accounts.languages.csv', 'lists.csv', 'blocked_accounts.csv', 'muted_accounts.csv', 'blocked_domains.csv', 'bookmarks.csv'].map((f) => join(CSV, f))
  const result = await importArchive(ZIP, { output, csv }, captureCli().cli)
  assert.deepEqual(result.failures, [])
  assert.ok((await verifyArchive(output)).ok)
  const { items, files } = await sourceOf(ZIP)
  const reader = await ArchiveReader.open(output)
  assert.deepEqual(reader.manifest.source, {
    network: 'mastodon',
    server: 'https://social.erambert.me',
    account: { id: 'https://social.erambert.me/users/zapdos', handle: 'zapdos@social.erambert.me', url: 'https://social.erambert.me/@zapdos', displayName: 'Zapdos' },
  })
  const posts = await collect(reader.records('posts'))
  assert.equal(posts.length, items.length)
  assert.deepEqual(posts.map((p) => p.id), items.map((i) => (i.type === 'Announce' ? i.id : i.object.id)))
  assert.deepEqual(posts.map((p) => p.visibility), ['public', 'public', 'public', 'unlisted', 'followers', 'direct', 'public', 'public'])
  const boost = posts.find((p) => p.repostOf)!
  assert.equal(boost.repostOf, 'https://toot.lmorchard.com/users/testbot/statuses/109548030284394103')
  const poll = posts.find((p) => p.poll)!
  assert.ok(poll.poll!.options.length >= 2 && poll.poll!.options.every((o) => typeof o.votes === 'number'))
  const cw = posts.find((p) => p.contentWarning === 'sensitive content inside!!')!
  assert.equal(cw.replyTo?.id, 'https://social.erambert.me/users/zapdos/statuses/113060506545820122')
  const image = files.get('media_attachments/files/113/060/508/854/960/110/original/79282c872098d65d.png')!
  assert.equal(cw.media![0]!.sha256, sha256(image))

  const media = await collect(reader.records('media'))
  assert.deepEqual(new Set(media.map((m) => m.sha256)), new Set([sha256(image), sha256(files.get('avatar.png')!), sha256(files.get('header.png')!)]))
  const attached = media.find((m) => m.sha256 === sha256(image))!
  assert.deepEqual([attached.sensitive, attached.attachedTo, attached.mime], [true, [cw.id], 'image/png'])
  const profile = await reader.readJson<any>('profile.json')
  assert.equal(profile.displayName, 'Zapdos')
  assert.equal(profile.bot, true)
  assert.equal(profile.fields.length, 3)
  assert.equal(profile.avatar.sha256, sha256(files.get('avatar.png')!))
  assert.equal(profile.banner.sha256, sha256(files.get('header.png')!))
  assert.ok(reader.has('native/mastodon/actor.json'))

  assert.equal((await collect(reader.records('likes'))).length, 3)
  assert.deepEqual((await collect(reader.records('bookmarks'))).map((b) => b.subject), ['https://foo.bar/statuses/1312'])
  const following = await collect(reader.records('following'))
  assert.deepEqual(following.map((f) => [f.account.handle, f.showReposts, f.notify, f.languages]), [
    ['username@domain', true, false, ['en']],
    ['foo@bar', true, false, null],
    ['user@bar', false, true, ['fr', 'de']],
  ])
  assert.equal(following[0]!.account.id, 'acct:username@domain')
  assert.deepEqual((await collect(reader.records('lists'))).map((l) => [l.name, l.members.map((m) => m.handle)]), [['The List', ['test@example.com']]])
  assert.deepEqual((await collect(reader.records('blocks'))).map((b) => b.account.handle), ['username@domain'])
  assert.deepEqual((await collect(reader.records('mutes'))).map((m) => [m.account.handle, m.hideNotifications]), [['username@domain', true]])
  assert.deepEqual((await collect(reader.records('domain-blocks'))).map((d) => d.domain), ['example.com'])
  assert.equal(reader.manifest.counts.followers, undefined, 'Mastodon exports no followers: the kind is absent, not empty')
  // The compat files reproduce Mastodon's own CSVs.
  const compat = async (name: string) => {
    const chunks: Buffer[] = []
    for await (const chunk of await reader.openMember(`compat/${name}`)) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  for (const name of ['lists.csv', 'blocked_accounts.csv', 'muted_accounts.csv', 'blocked_domains.csv', 'bookmarks.csv']) {
    assert.equal(await compat(name), await readFile(join(CSV, name), 'utf8'), name)
  }
  assert.equal(await compat('following_accounts.csv'), 'Account address,Show boosts,Notify on new posts,Languages\nusername@domain,true,false,en\nfoo@bar,true,false,\nuser@bar,false,true,"fr, de"\n')
  reader.close()
})

test('the 4.0 tar.gz archive imports with every status and media file, without CSVs', async () => {
  const output = join(dir, 'lmorchard.zip')
  const result = await importArchive(TAR, { output }, captureCli().cli)
  assert.deepEqual(result.failures, [])
  const { items, files } = await sourceOf(TAR)
  const reader = await ArchiveReader.open(output)
  assert.equal(reader.manifest.source.account.handle, 'lmorchard@mastodon.social')
  const posts = await collect(reader.records('posts'))
  assert.equal(posts.length, items.length)
  assert.ok(posts.some((p) => p.visibility === 'followers' && p.poll))
  assert.ok(posts.some((p) => p.visibility === 'direct' && p.mentions?.some((m) => m.handle === 'friend@example.com')))
  assert.equal(posts.filter((p) => p.repostOf).length, items.filter((i) => i.type === 'Announce').length)
  const mediaFiles = [...files.keys()].filter((n) => n.startsWith('media_attachments/'))
  assert.equal(mediaFiles.length, 2)
  const media = await collect(reader.records('media'))
  for (const name of mediaFiles) {
    const record = media.find((m) => m.sha256 === sha256(files.get(name)!) && m.attachedTo!.length > 0)
    assert.ok(record, `${name} is in the archive and attached to its post`)
    assert.ok(posts.some((p) => p.media?.some((r) => r.sha256 === record!.sha256)))
  }
  assert.ok(media.some((m) => m.name === '5a2b38ac5bcda3a9.PNG' && m.mime === 'image/png'))
  assert.equal((await collect(reader.records('likes'))).length, JSON.parse(files.get('likes.json')!.toString()).orderedItems.length)
  assert.equal(reader.manifest.counts.bookmarks, 0)
  assert.equal(reader.manifest.counts.following, undefined)
  const profile = await reader.readJson<any>('profile.json')
  assert.equal(profile.native.movedTo, 'https://hackers.town/users/lmorchard')
  reader.close()
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.import.d')), [], 'the unpacked tar.gz is removed')
})

test('hostile archives: escaping names, links and a stray private key are left out and noted', async () => {
  const actor = JSON.stringify({ id: 'https://evil.test/users/eve', type: 'Person', preferredUsername: 'eve', followers: 'https://evil.test/users/eve/followers' })
  const note = (n: number, url: string) => ({ type: 'Create', id: `https://evil.test/users/eve/statuses/${n}/activity`, published: '2020-01-01T00:00:00Z', to: ['https://www.w3.org/ns/activitystreams#Public'], cc: [], object: { id: `https://evil.test/users/eve/statuses/${n}`, type: 'Note', content: `<p>n${n}</p>`, published: '2020-01-01T00:00:00Z', attachment: [{ type: 'Document', mediaType: 'image/png', url }] } })
  const outbox = JSON.stringify({ id: 'outbox.json', type: 'OrderedCollection', orderedItems: [note(1, '/media_attachments/files/1/original/a.png'), note(2, '../../etc/passwd')] })
  // tar.gz: an absolute local-storage path (legitimate), a `..` name and key.pem.
  const tar = tarball([
    { name: '/home/mastodon/live/public/system/media_attachments/files/1/original/a.png', bytes: Buffer.from('png bytes'), mtime: new Date(0) },
    { name: '../escape.txt', bytes: Buffer.from('nope'), mtime: new Date(0) },
    { name: 'outbox.json', bytes: Buffer.from(outbox), mtime: new Date(0) },
    { name: 'key.pem', bytes: Buffer.from('-----BEGIN RSA PRIVATE KEY-----'), mtime: new Date(0) },
    { name: 'actor.json', bytes: Buffer.from(actor), mtime: new Date(0) },
  ])
  const tarPath = join(dir, 'evil.tar.gz')
  await writeFile(tarPath, gzipSync(tar))
  const output = join(dir, 'evil.zip')
  await importArchive(tarPath, { output }, captureCli().cli)
  const reader = await ArchiveReader.open(output)
  const posts = await collect(reader.records('posts'))
  assert.equal(posts[0]!.media![0]!.sha256, sha256(Buffer.from('png bytes')))
  assert.deepEqual(posts[1]!.media, [])
  assert.ok(reader.manifest.notes.some((n) => n.includes('../escape.txt') && n.includes('..')))
  assert.ok(reader.manifest.notes.some((n) => n.includes('key.pem')))
  assert.ok(!Object.keys(reader.manifest.members).some((m) => m.includes('key') || m.includes('escape')))
  reader.close()
  assert.ok(!(await readdir(join(dir, '..'))).includes('escape.txt'))

  // zip: a `..` name and a symbolic link.
  const zipPath = join(dir, 'evil-zip.zip')
  await writeFile(zipPath, buildRawZip([
    { name: 'outbox.json', data: Buffer.from(outbox), deflate: true },
    { name: 'actor.json', data: Buffer.from(actor) },
    { name: '../../evil.txt', data: Buffer.from('x') },
    { name: 'media_attachments/files/1/original/a.png', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
  ]))
  const zipOut = join(dir, 'evil-zip-out.zip')
  await importArchive(zipPath, { output: zipOut }, captureCli().cli)
  const zipReader = await ArchiveReader.open(zipOut)
  assert.ok(zipReader.manifest.notes.some((n) => n.includes('evil.txt')))
  assert.ok(zipReader.manifest.notes.some((n) => n.includes('link or special file')))
  assert.deepEqual((await collect(zipReader.records('posts')))[0]!.media, [])
  zipReader.close()
})

test('not an archive, or not a Mastodon one, is exit 12', async () => {
  const junk = join(dir, 'junk.zip')
  await writeFile(junk, 'hello')
  await assert.rejects(importArchive(junk, { output: join(dir, 'j.zip') }, captureCli().cli), (e: Error & { exitCode?: number }) => e.exitCode === 12)
  await assert.rejects(importArchive(join(dir, 'zapdos.zip'), { output: join(dir, 'k.zip') }, captureCli().cli), (e: Error & { exitCode?: number }) => e.exitCode === 12 && /not a Mastodon account archive/.test(e.message))
})

test('the outbox is streamed item by item, duplicate orderedItems keys (4.2.10) included', async () => {
  const text = '{"@context":"https://www.w3.org/ns/activitystreams","orderedItems":[],"id":"outbox.json","orderedItems":[{"a":"x,]}\\"{"},{"b":[1,{"c":2}]}, "s", 3],"@context":[{"orderedItems":[9]}]}'
  const bytes = Buffer.from(text)
  const chunks = [...Array(bytes.length).keys()].map((i) => bytes.subarray(i, i + 1))
  const items = await collect(arrayItems(chunks, 'orderedItems', 'outbox.json'))
  assert.deepEqual(items, [{ a: 'x,]}"{' }, { b: [1, { c: 2 }] }, 's', 3])
})

test('the CLI reports a malformed --csv file and a cut-off tar.gz in two lines, exit 12, no stack trace (needs dist/)', async () => {
  const bad = join(dir, 'lists.csv')
  await writeFile(bad, 'The List,a@x.test\n"Unclosed,b@x.test\n')
  const csvRun = await runCli(['import', 'mastodon-archive', ZIP, '--csv', bad, '-o', join(dir, 'bad-csv.zip')])
  assert.equal(csvRun.code, 12, csvRun.stderr)
  const failureLines = (stderr: string) => stderr.trimEnd().split('\n').filter((l) => !l.startsWith('Importing '))
  assert.deepEqual(failureLines(csvRun.stderr).map((l) => l.split(':')[0]), ['error', 'hint'], csvRun.stderr)
  assert.match(csvRun.stderr, /lists\.csv is not valid CSV: a quoted field is never closed/)

  const cut = join(dir, 'cut.tar.gz')
  const whole = await readFile(TAR)
  await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)))
  const tarRun = await runCli(['import', 'mastodon-archive', cut, '-o', join(dir, 'cut.zip')])
  assert.equal(tarRun.code, 12, tarRun.stderr)
  assert.deepEqual(failureLines(tarRun.stderr).map((l) => l.split(':')[0]), ['error', 'hint'], tarRun.stderr)
  assert.match(tarRun.stderr, /cut\.tar\.gz is not a readable tar\.gz archive \(unexpected end of file\)/)
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('cut.zip')), [], 'nothing is left of the output or its scratch folder')
})
