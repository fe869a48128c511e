import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, stat, writeFile, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { BadArchiveError, InterruptedError, UsageError } from '../../src/errors.js'
import { buildGood, buildBroken } from '../../fixtures/archives/build.js'
import { buildRawZip } from '../_util/raw-zip.js'

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lifeboat-archive-'))
}

const source = { network: 'atproto' as const, server: 'http://127.0.0.1:1', account: { id: 'did:plc:abc', handle: 'alice.test' } }

test('a written archive verifies, reads back every record, and is owner-only', async () => {
  const dir = await tempDir()
  const path = join(dir, 'a.zip')
  const manifest = await buildGood(path)
  assert.equal(manifest.counts.posts, 2)
  assert.equal(manifest.counts.blocks, 0)
  const info = await stat(path)
  assert.equal(info.mode & 0o777, 0o600)
  assert.deepEqual(await readdir(dir), ['a.zip'], 'no .partial files remain')
  const report = await verifyArchive(path)
  assert.deepEqual(report.problems, [])
  const reader = await ArchiveReader.open(path)
  const posts = []
  for await (const post of reader.records('posts')) posts.push(post)
  assert.deepEqual(posts.map((p) => p.id), ['n1', 'n2'])
  assert.equal(posts[0]!.media![0]!.alt, 'a cat')
  const media = []
  for await (const m of reader.records('media')) media.push(m)
  assert.equal(media.length, 1)
  assert.ok(reader.has(`media/${media[0]!.sha256.slice(0, 2)}/${media[0]!.sha256}`))
  reader.close()
})

test('the manifest is the last member of the zip', async () => {
  const dir = await tempDir()
  const path = join(dir, 'a.zip')
  await buildGood(path)
  const bytes = await readFile(path)
  // Local headers appear in write order; the last local header must be manifest.json's.
  const lastLocal = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]))
  const nameLength = bytes.readUInt16LE(lastLocal + 26)
  assert.equal(bytes.subarray(lastLocal + 30, lastLocal + 30 + nameLength).toString(), 'manifest.json')
})

test('media are stored once however many items point at the same bytes', async () => {
  const dir = await tempDir()
  const writer = await ArchiveWriter.open({ path: join(dir, 'm.zip'), source })
  const a = await writer.addMedia([Buffer.from('same bytes')], { key: 'a', meta: { mime: 'image/jpeg', source: { id: 'a' } } })
  const b = await writer.addMedia([Buffer.from('same bytes')], { key: 'b', meta: { mime: 'image/jpeg', source: { id: 'b' } } })
  assert.equal(a.sha256, b.sha256)
  const manifest = await writer.finish()
  assert.equal(manifest.counts.media, 2)
  assert.equal(Object.keys(manifest.members).filter((m) => m.startsWith('media/')).length, 1)
})

test('a media hash that does not match what the source promised is refused', async () => {
  const dir = await tempDir()
  const writer = await ArchiveWriter.open({ path: join(dir, 'x.zip'), source })
  await assert.rejects(
    writer.addMedia([Buffer.from('tampered')], { key: 'k', meta: { source: {} }, expectSha256: '0'.repeat(64) }),
    /expected sha256/,
  )
  await writer.abort()
})

test('an interrupted write leaves no archive behind, and a rerun reuses staged media', async () => {
  const dir = await tempDir()
  const path = join(dir, 'i.zip')
  const controller = new AbortController()
  const writer = await ArchiveWriter.open({ path, source, signal: controller.signal })
  await writer.addMedia([Buffer.from('downloaded once')], { key: 'blob-1', meta: { mime: 'image/png', source: { cid: 'blob-1' } } })
  await writer.write('posts', { id: 'p1', createdAt: '2026-01-01T00:00:00.000Z', text: 'x' })
  controller.abort()
  await assert.rejects(writer.write('posts', { id: 'p2', createdAt: '2026-01-01T00:00:00.000Z', text: 'y' }), InterruptedError)
  await assert.rejects(writer.finish(), InterruptedError)
  await writer.abort()
  const names = await readdir(dir)
  assert.ok(!names.includes('i.zip'), 'no final archive')
  assert.ok(!names.includes('i.zip.partial'), 'no partial zip that could be mistaken for an archive')

  const rerun = await ArchiveWriter.open({ path, source })
  assert.equal(rerun.resumedMedia, 1)
  const reused = await rerun.reuseMedia({ key: 'blob-1', meta: { mime: 'image/png', source: { cid: 'blob-1' } } })
  assert.ok(reused, 'staged media from the interrupted run is reused without downloading')
  const manifest = await rerun.finish()
  assert.equal(manifest.counts.media, 1)
  assert.deepEqual(await readdir(dir), ['i.zip'])
})

test('an existing archive is never overwritten without --force', async () => {
  const dir = await tempDir()
  const path = join(dir, 'e.zip')
  await writeFile(path, 'precious')
  await assert.rejects(ArchiveWriter.open({ path, source }), UsageError)
  assert.equal(await readFile(path, 'utf8'), 'precious')
})

test('a second writer on the same output is refused while the first runs', async () => {
  const dir = await tempDir()
  const path = join(dir, 'l.zip')
  const first = await ArchiveWriter.open({ path, source })
  await assert.rejects(ArchiveWriter.open({ path, source }), /in use by another Lifeboat run/)
  await first.abort()
})

const brokenCases: [string, RegExp][] = [
  ['broken-bitflip-media.zip', /media\/.* is damaged: its sha256/],
  ['broken-missing-member.zip', /missing member listed in the manifest: following\.jsonl/],
  ['broken-extra-member.zip', /extra member not listed in the manifest: notes\.txt/],
  ['broken-unknown-version.zip', /format version 99; this Lifeboat reads version 1/],
  ['broken-path-traversal.zip', /escapes the archive/],
  ['broken-symlink.zip', /link or special file: link/],
  ['broken-no-manifest.zip', /has no manifest\.json/],
]

for (const [name, expected] of brokenCases) {
  test(`fixture ${name} fails verification with a clear problem`, async () => {
    const path = join('fixtures', 'archives', name)
    const report = await verifyArchive(path)
    assert.equal(report.ok, false)
    assert.ok(report.problems.some((p) => expected.test(p)), `problems: ${JSON.stringify(report.problems)}`)
  })
}

test('the committed fixtures are the ones build.ts produces (apart from timestamps)', async () => {
  const dir = await tempDir()
  await buildGood(join(dir, 'good.zip'))
  const paths = await buildBroken(join(dir, 'good.zip'), dir)
  for (const name of Object.keys(paths)) {
    const report = await verifyArchive(paths[name]!)
    assert.equal(report.ok, false, name)
  }
})

test('readers refuse hostile archives before handing out any member', async () => {
  for (const name of ['broken-path-traversal.zip', 'broken-symlink.zip', 'broken-extra-member.zip']) {
    await assert.rejects(ArchiveReader.open(join('fixtures', 'archives', name)), BadArchiveError)
  }
})

test('a member that inflates beyond its declared size is stopped', async () => {
  const dir = await tempDir()
  const path = join(dir, 'bomb.zip')
  const data = Buffer.alloc(100_000, 0x61)
  const manifest = {
    format: 'lifeboat-archive', version: 1, tool: { name: 'lifeboat', version: '0' }, createdAt: '2026-01-01T00:00:00.000Z',
    source, since: null, counts: {}, members: { 'posts.jsonl': { sha256: 'x', size: 10 } }, notes: [],
  }
  await writeFile(path, buildRawZip([{ name: 'posts.jsonl', data, declaredSize: 10, deflate: true }, { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }]))
  const report = await verifyArchive(path)
  assert.equal(report.ok, false)
  assert.ok(report.problems.some((p) => /posts\.jsonl/.test(p)), JSON.stringify(report.problems))
})

test('a file that is not a zip gets one clear line', async () => {
  const dir = await tempDir()
  const path = join(dir, 'not.zip')
  await writeFile(path, 'hello')
  await assert.rejects(ArchiveReader.open(path), (error: BadArchiveError) => /not a readable zip archive/.test(error.message) && error.exitCode === 12)
})
