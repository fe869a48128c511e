// ZipWriter (src/files/zip-writer.ts): the archive's zip writer, with CRC-32s computed while staging. Its zips must
// read back through our yauzl wrapper and through an independent reader (Info-ZIP's `unzip -t`, where installed),
// be the same bytes for the same input, switch to ZIP64 records past 65,535 entries, and refuse staged bytes that
// changed after their CRC-32 was taken.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { randomBytes } from 'node:crypto'
import yauzl from 'yauzl'
import { ZipContentChangedError, ZipWriter, type ZipMemberInput } from '../../src/files/zip-writer.js'
import { ZipReader } from '../../src/files/zip-reader.js'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { verifyArchive } from '../../src/archive/verify.js'

const hasUnzip = spawnSync('unzip', ['-v']).status === 0
const date = new Date('2026-03-04T05:06:08.000Z')

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lifeboat-zipw-'))
}

async function readAll(path: string): Promise<Map<string, Buffer>> {
  const zip = await ZipReader.open(path)
  try {
    assert.deepEqual(zip.overlaps, [])
    const out = new Map<string, Buffer>()
    for (const entry of zip.entries) {
      const chunks: Buffer[] = []
      for await (const chunk of await zip.openEntry(entry.entry)) chunks.push(chunk as Buffer)
      out.set(entry.name, Buffer.concat(chunks))
    }
    return out
  } finally {
    zip.close()
  }
}

async function writeZip(path: string, members: ZipMemberInput[]): Promise<void> {
  const zip = await ZipWriter.create(path, date)
  for (const member of members) await zip.add(member)
  await zip.finish()
}

function fromBuffer(name: string, data: Buffer, compress: boolean): ZipMemberInput {
  return { name, data, size: data.length, crc32: crc32(data), compress }
}

test('stored, deflated, empty and UTF-8-named members read back byte for byte, and the same input gives the same bytes', async () => {
  const dir = await tempDir()
  const media = randomBytes(9 * 1024 * 1024 + 17) // several 2 MiB blocks and a short one
  const text = Buffer.from('{"id":"p1","text":"héllo"}\n'.repeat(50_000))
  await writeFile(join(dir, 'media'), media)
  await writeFile(join(dir, 'text'), text)
  const members: ZipMemberInput[] = [
    { name: 'posts.jsonl', path: join(dir, 'text'), size: text.length, crc32: crc32(text), compress: true },
    { name: 'media/ab/abc', path: join(dir, 'media'), size: media.length, crc32: crc32(media), compress: false },
    fromBuffer('native/x/ünïcode ✓.json', Buffer.from('{}'), true),
    fromBuffer('empty.jsonl', Buffer.alloc(0), true),
    fromBuffer('empty-stored', Buffer.alloc(0), false),
  ]
  await writeZip(join(dir, 'a.zip'), members)
  await writeZip(join(dir, 'b.zip'), members)
  assert.ok((await readFile(join(dir, 'a.zip'))).equals(await readFile(join(dir, 'b.zip'))), 'deterministic')
  const back = await readAll(join(dir, 'a.zip'))
  assert.deepEqual([...back.keys()], members.map((m) => m.name))
  assert.ok(back.get('posts.jsonl')!.equals(text))
  assert.ok(back.get('media/ab/abc')!.equals(media))
  assert.equal(back.get('native/x/ünïcode ✓.json')!.toString(), '{}')
  assert.equal(back.get('empty.jsonl')!.length, 0)
  const zip = await ZipReader.open(join(dir, 'a.zip'))
  assert.equal(zip.entries[0]!.entry.compressionMethod, 8)
  assert.ok(zip.entries[0]!.compressedSize < text.length / 10, 'text is deflated')
  assert.equal(zip.entries[1]!.entry.compressionMethod, 0)
  assert.equal(zip.entries[1]!.compressedSize, media.length)
  assert.equal(zip.entries[1]!.type, 0o100000)
  assert.equal(zip.entries[1]!.entry.getLastModDate({ timezone: 'UTC' }).toISOString(), date.toISOString(), 'the date, in UTC')
  zip.close()
  if (hasUnzip) {
    const run = spawnSync('unzip', ['-tq', join(dir, 'a.zip')], { encoding: 'utf8' })
    assert.equal(run.status, 0, run.stdout + run.stderr)
  }
})

test('more than 65,535 entries get ZIP64 end records that yauzl and unzip read', async () => {
  const dir = await tempDir()
  const members = Array.from({ length: 65_600 }, (_, i) => fromBuffer(`m/${i}`, Buffer.from(String(i)), i % 100 === 0))
  await writeZip(join(dir, 'many.zip'), members)
  const bytes = await readFile(join(dir, 'many.zip'))
  assert.ok(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'a ZIP64 end of central directory record')
  // yauzl finds the count in the ZIP64 record (reading all 65,600 entries through it takes about a minute on a busy machine).
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(join(dir, 'many.zip'), { lazyEntries: true }, (error, z) => (error ? reject(error) : resolve(z!))))
  assert.equal(zip.entryCount, 65_600)
  const first = await new Promise<yauzl.Entry>((resolve, reject) => {
    zip.once('entry', resolve)
    zip.once('error', reject)
    zip.readEntry()
  })
  assert.equal(first.fileName, 'm/0')
  zip.close()
  if (hasUnzip) {
    const run = spawnSync('unzip', ['-tq', join(dir, 'many.zip')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    assert.equal(run.status, 0, run.stdout.slice(-2000) + run.stderr.slice(-2000))
    const list = spawnSync('unzip', ['-p', join(dir, 'many.zip'), 'm/65599', 'm/65500'], { encoding: 'utf8' })
    assert.equal(list.stdout, '6550065599', 'in the order of the zip')
  }
})

test('bytes that changed after their CRC-32 was taken are refused, whatever their length', async () => {
  const dir = await tempDir()
  const bytes = Buffer.from('staged bytes')
  await writeFile(join(dir, 'f'), 'staged bytez')
  const zip = await ZipWriter.create(join(dir, 'c.zip'), date)
  await assert.rejects(zip.add({ name: 'f', path: join(dir, 'f'), size: bytes.length, crc32: crc32(bytes), compress: false }), ZipContentChangedError)
  await zip.close()
  await writeFile(join(dir, 'g'), 'staged bytes and more')
  const zip2 = await ZipWriter.create(join(dir, 'd.zip'), date)
  await assert.rejects(zip2.add({ name: 'g', path: join(dir, 'g'), size: bytes.length, crc32: crc32(bytes), compress: true }), /changed after it was staged \(more than/)
  await zip2.close()
})

test('an archive whose staged media changed before the zip pass is refused, never renamed into place', async () => {
  const dir = await tempDir()
  const path = join(dir, 'x.zip')
  const source = { network: 'misskey' as const, server: 'https://old.example', account: { id: 'https://old.example/users/9abc' } }
  const writer = await ArchiveWriter.open({ path, source, viewer: false })
  const media = await writer.addMedia([Buffer.from('original bytes')], { key: 'k', meta: { mime: 'image/png', source: { id: 'k' } } })
  await appendFile(join(writer.stagingDir, 'media', media.sha256), 'torn')
  await assert.rejects(writer.finish(), ZipContentChangedError)
  assert.ok(!(await readdir(dir)).includes('x.zip'))

  const rerun = await ArchiveWriter.open({ path, source, viewer: false })
  assert.equal(rerun.resumedMedia, 0, 'the torn file is not reused')
  await rerun.addMedia([Buffer.from('original bytes')], { key: 'k', meta: { mime: 'image/png', source: { id: 'k' } } })
  await rerun.finish()
  assert.deepEqual((await verifyArchive(path)).problems, [])
})

test('a disk that fills in the middle of a deflated member ends the add with ENOSPC, never a hang', async (t) => {
  // A 256 KiB tmpfs for the zip (a real ENOSPC without filling the machine's disk); the staged file lives elsewhere.
  const disk = await tempDir()
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', disk]).status !== 0) return t.skip('cannot mount a tmpfs here (needs root)')
  try {
    const staged = join(await tempDir(), 'big.jsonl')
    // Random bytes do not deflate: the output passes the disk's size while blocks of the input are still being read.
    const bytes = randomBytes(6 * 1024 * 1024)
    await writeFile(staged, bytes)
    const zip = await ZipWriter.create(join(disk, 'full.zip'), date)
    try {
      await assert.rejects(zip.add({ name: 'posts.jsonl', path: staged, size: bytes.length, crc32: crc32(bytes), compress: true }), { code: 'ENOSPC' })
    } finally {
      await zip.close()
    }
  } finally {
    if (spawnSync('umount', [disk]).status !== 0) spawnSync('umount', ['-l', disk])
  }
})
