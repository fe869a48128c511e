// Hostile and damaged archives, hostile staging folders and full disks (issue 10, "Data integrity" and "Files"):
// each case ends in one clear line and a documented exit code, never "bug in Lifeboat", and nothing outside the
// archive's own staging folder is touched. CLI cases run the built CLI (npx tsc -p tsconfig.build.json first).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArchiveReader } from '../../src/archive/reader.js'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { LineSplitter, LineTooLongError } from '../../src/archive/lines.js'
import { MAX_RECORD_LINE_BYTES } from '../../src/archive/format.js'
import { BadArchiveError, DiskFullError, ExitCode, UsageError } from '../../src/errors.js'
import { captureCli, runCli } from '../_util/cli.js'
import { report } from '../../src/cli/main.js'
import { handMadeArchive } from '../_util/lifeboat-zip.js'

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lifeboat-hostile-'))
}

async function writeArchive(name: string, bytes: Buffer): Promise<string> {
  const path = join(await tempDir(), name)
  await writeFile(path, bytes)
  return path
}

const alice = { account: { id: 'https://old.example/users/bob', handle: 'bob@old.example' } }
const line = (value: unknown) => JSON.stringify(value) + '\n'
const source = { network: 'misskey' as const, server: 'https://old.example', account: { id: 'https://old.example/users/9abc' } }

function assertOneClearFailure(run: { code: number | null; stderr: string }, code: number, expected: RegExp): void {
  assert.equal(run.code, code, run.stderr)
  assert.match(run.stderr, expected)
  assert.doesNotMatch(run.stderr, /bug in Lifeboat|RangeError|TypeError|\n\s+at /)
}

// ---- records against their kind's schema ----

test('verify names the member and line of a record that is not JSON, or not its kind, and readers exit 12', async () => {
  const notJson = await writeArchive('not-json.zip', handMadeArchive({ members: { 'following.jsonl': line(alice) + '{"account": {"id": "x"\n' } }))
  const wrongShape = await writeArchive('shape.zip', handMadeArchive({ members: { 'following.jsonl': line(alice) + line({ account: { handle: 'carol@old.example' } }) } }))
  const wrongType = await writeArchive('type.zip', handMadeArchive({ members: { 'media.jsonl': line({ sha256: 'not a hash', size: 1, source: {} }) } }))

  const a = await verifyArchive(notJson)
  assert.ok(a.problems.some((p) => /following\.jsonl line 2 is not valid JSON/.test(p)), JSON.stringify(a.problems))
  const b = await verifyArchive(wrongShape)
  assert.ok(b.problems.some((p) => /following\.jsonl line 2 is not a following record: \/account must have required property 'id'/.test(p)), JSON.stringify(b.problems))
  const c = await verifyArchive(wrongType)
  assert.ok(c.problems.some((p) => /media\.jsonl line 1 .*\/sha256 must match pattern/.test(p)), JSON.stringify(c.problems))

  assertOneClearFailure(await runCli(['verify', wrongShape]), ExitCode.badArchive, /problem: following\.jsonl line 2/)
  assertOneClearFailure(await runCli(['follows', notJson]), ExitCode.badArchive, /error: following\.jsonl line 2 in .* is not valid JSON/)
  assertOneClearFailure(await runCli(['follows', wrongShape]), ExitCode.badArchive, /error: following\.jsonl line 2 in .* is not a following record/)
})

test('a member whose bytes are not the ones the manifest hashed is refused by every reader, not only by verify (exit 12)', async () => {
  // The same size and a valid zip CRC-32, so only the sha256 in the manifest tells: a substituted member.
  const honest = line(alice)
  const substituted = honest.replace('bob@', 'eve@')
  const bytes = handMadeArchive({ members: { 'following.jsonl': substituted, 'profile.json': '{}' }, manifest: { members: {
    'following.jsonl': { sha256: createHash('sha256').update(honest).digest('hex'), size: Buffer.byteLength(honest) },
    'profile.json': { sha256: createHash('sha256').update('{}').digest('hex'), size: 2 },
  } } })
  const path = await writeArchive('substituted.zip', bytes)
  const reader = await ArchiveReader.open(path)
  try {
    await assert.rejects(async () => {
      for await (const record of reader.records('following')) void record
    }, (error: unknown) => error instanceof BadArchiveError && /following\.jsonl in .* is damaged: its sha256 is not the one the manifest records/.test(error.message))
    assert.deepEqual(await reader.readJson('profile.json'), {}, 'a sound member of the same archive still reads')
  } finally {
    reader.close()
  }
  const report = await verifyArchive(path)
  assert.ok(report.problems.some((p) => /following\.jsonl is damaged: its sha256 is/.test(p)), JSON.stringify(report.problems))
  assertOneClearFailure(await runCli(['follows', path]), ExitCode.badArchive, /error: following\.jsonl in .* is damaged/)
})

test('an archive written by ArchiveWriter passes the schemas; a writer refuses a record that would not', async () => {
  const dir = await tempDir()
  const writer = await ArchiveWriter.open({ path: join(dir, 'w.zip'), source })
  await writer.write('following', alice)
  await assert.rejects(writer.write('following', { account: { handle: 'no id' } } as never), /breaks the archive format.*required property 'id'/)
  await writer.finish()
  assert.deepEqual((await verifyArchive(join(dir, 'w.zip'))).problems, [])
})

// ---- line length ----

test('the line splitter refuses a line as soon as it passes the limit, before the line ends', () => {
  const splitter = new LineSplitter(10)
  assert.deepEqual([...splitter.push(Buffer.from('ab\ncd'))].map((l) => l.text), ['ab'])
  assert.deepEqual([...splitter.push(Buffer.from('efgh'))], [])
  // 'cdefgh' + 5 more bytes passes 10 with no newline in sight: refused now, not when (if ever) the line ends.
  assert.throws(() => [...splitter.push(Buffer.from('ijklm'))], (error: LineTooLongError) => error instanceof LineTooLongError && error.lineNumber === 2)
})

test('a record line longer than the documented limit is exit 12 naming the member and line, not a RangeError', async () => {
  const prefix = '{"account":{"id":"'
  const suffix = '"}}'
  const long = prefix + 'a'.repeat(MAX_RECORD_LINE_BYTES + 1 - prefix.length - suffix.length) + suffix
  assert.equal(long.length, MAX_RECORD_LINE_BYTES + 1)
  const path = await writeArchive('long.zip', handMadeArchive({ members: { 'following.jsonl': line(alice) + long + '\n' }, deflate: true }))
  const report = await verifyArchive(path)
  assert.ok(report.problems.some((p) => /following\.jsonl line 2 is longer than the limit of 16777216 bytes/.test(p)), JSON.stringify(report.problems))
  assertOneClearFailure(await runCli(['follows', path]), ExitCode.badArchive, /error: following\.jsonl line 2 is longer than the limit/)
})

// ---- manifest and zip structure ----

test('a manifest without counts, or with members of the wrong shape, is exit 12 saying what is wrong', async () => {
  const noCounts = await writeArchive('no-counts.zip', handMadeArchive({ members: { 'following.jsonl': line(alice) }, manifest: { counts: undefined } }))
  const badMembers = await writeArchive('bad-members.zip', handMadeArchive({ members: {}, manifest: { members: { 'posts.jsonl': 'x' } } }))
  await assert.rejects(ArchiveReader.open(noCounts), (error: BadArchiveError) => error.exitCode === 12 && /manifest\.json is malformed: the manifest must have required property 'counts'/.test(error.message))
  assert.match((await verifyArchive(noCounts)).problems.join('\n'), /required property 'counts'/)
  assertOneClearFailure(await runCli(['inspect', noCounts]), ExitCode.badArchive, /error: .*manifest\.json is malformed: .*'counts'/)
  assertOneClearFailure(await runCli(['verify', badMembers]), ExitCode.badArchive, /manifest\.json is malformed: \/members\/posts\.jsonl must be object/)
})

test('central-directory records sharing bytes are refused before anything is inflated', async () => {
  const data = Buffer.alloc(200_000, 0x61)
  const aliases = Array.from({ length: 50 }, (_, i) => ({ name: `copy-${i}`, of: 0 }))
  const path = await writeArchive('overlap.zip', handMadeArchive({ members: { 'posts.jsonl': data }, deflate: true, zip: { aliases } }))
  await assert.rejects(ArchiveReader.open(path), (error: BadArchiveError) => error.exitCode === 12 && /zip entries overlap: posts\.jsonl and copy-0 share bytes/.test(error.message))
  const report = await verifyArchive(path)
  assert.equal(report.ok, false)
  assert.equal(report.checkedMembers, 0, 'no member was read')
  assertOneClearFailure(await runCli(['verify', path]), ExitCode.badArchive, /overlap/)
})

test('a local header whose extra field pushes its bytes into the next entry is refused', async () => {
  const members = { 'following.jsonl': line(alice), 'posts.jsonl': '' }
  const zip = handMadeArchive({ members })
  // The first local header's extra-field length (offset 28): the central directory does not see it.
  zip.writeUInt16LE(64, 28)
  const path = await writeArchive('local-overlap.zip', zip)
  const reader = await ArchiveReader.open(path)
  await assert.rejects(reader.openMember('following.jsonl'), (error: BadArchiveError) => error.exitCode === 12 && /overlaps the next entry/.test(error.message))
  reader.close()
})

// ---- terminal escapes ----

test('control characters from an archive never reach the terminal raw, through verify and inspect', async () => {
  const esc = '\x1b]0;pwned\x07\x1b[2J\x9b31m'
  const hostileName = await writeArchive('name.zip', handMadeArchive({ members: { 'following.jsonl': line(alice) }, unlisted: { [`evil${esc}.txt`]: 'x' } }))
  const account = { id: `https://old.example/users/${esc}`, handle: `alice${esc}@old.example`, displayName: `Alice${esc}` }
  const hostileAccount = await writeArchive('account.zip', handMadeArchive({ members: {}, manifest: { source: { network: 'mastodon', server: 'https://old.example', account }, notes: [`note${esc}`] } }))
  const runs = [
    await runCli(['verify', hostileName]),
    await runCli(['--json', 'verify', hostileName]),
    await runCli(['inspect', hostileName]),
    await runCli(['inspect', hostileAccount]),
    await runCli(['--json', 'inspect', hostileAccount]),
  ]
  for (const run of runs) {
    assert.doesNotMatch(run.stdout + run.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, JSON.stringify(run))
  }
  assert.match(runs[0]!.stderr, /extra member not listed in the manifest: evil\\x1b\]0;pwned\\x07\\x1b\[2J\\x9b31m\.txt/)
  assert.match(runs[3]!.stderr, /account: {2}alice\\x1b/)
  assert.equal(JSON.parse(runs[4]!.stdout.trim()).account.handle, account.handle, '--json stays JSON and loses nothing')
})

test('the error printer escapes control characters in any message, Lifeboat error or not', () => {
  const cli = captureCli()
  report(cli.cli.out, new BadArchiveError('member \x1b[31mred', { hint: 'hint \x1b[0m' }), cli.cli.signal)
  report(cli.cli.out, new Error('server said \x1b[2J'), cli.cli.signal)
  assert.doesNotMatch(cli.stderr(), /\x1b/)
  assert.match(cli.stderr(), /member \\x1b\[31mred/)
})

// ---- staging never follows a link ----

test('a symbolic link planted at <archive>.partial.d is refused and the folder it points to is untouched', async () => {
  const dir = await tempDir()
  const victim = join(dir, 'victim')
  await mkdir(victim, { mode: 0o755 })
  await chmod(victim, 0o755)
  await writeFile(join(victim, 'keep.txt'), 'precious')
  await mkdir(join(victim, 'records'))
  await writeFile(join(victim, 'records', 'old.txt'), 'also precious')
  const out = join(dir, 'out.zip')
  await symlink(victim, `${out}.partial.d`)
  await assert.rejects(ArchiveWriter.open({ path: out, source }), (error: UsageError) => error instanceof UsageError && /out\.zip\.partial\.d is a symbolic link/.test(error.message))
  assert.equal((await stat(victim)).mode & 0o777, 0o755, 'mode unchanged')
  assert.deepEqual((await readdir(victim)).sort(), ['keep.txt', 'records'])
  assert.deepEqual(await readdir(join(victim, 'records')), ['old.txt'])
  assert.equal(await readFile(join(victim, 'keep.txt'), 'utf8'), 'precious')
  assert.ok((await lstat(`${out}.partial.d`)).isSymbolicLink(), 'the link itself is left for its owner')
})

test('links planted inside the staging folder or at <archive>.partial are never followed', async () => {
  const dir = await tempDir()
  const victim = join(dir, 'victim.txt')
  await writeFile(victim, 'precious')
  const out = join(dir, 'out.zip')
  // A real staging folder of ours with a link for its resume index: refused, the target neither read nor appended to.
  await mkdir(`${out}.partial.d`, { mode: 0o700 })
  await symlink(victim, join(`${out}.partial.d`, 'media-staged.jsonl'))
  await assert.rejects(ArchiveWriter.open({ path: out, source }), (error: UsageError) => error instanceof UsageError && /media-staged\.jsonl is a symbolic link/.test(error.message))
  await rm(join(`${out}.partial.d`, 'media-staged.jsonl'))
  // A link at the partial zip's name: removed, never written through.
  await symlink(victim, `${out}.partial`)
  const writer = await ArchiveWriter.open({ path: out, source })
  await writer.write('following', alice)
  await writer.finish()
  assert.equal(await readFile(victim, 'utf8'), 'precious')
  assert.deepEqual((await verifyArchive(out)).problems, [])
})

test('a staging folder that belongs to someone else is refused', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
  const dir = await tempDir()
  const out = join(dir, 'out.zip')
  await mkdir(`${out}.partial.d`)
  await chmod(`${out}.partial.d`, 0o777)
  spawnSync('chown', ['65534', `${out}.partial.d`])
  await assert.rejects(ArchiveWriter.open({ path: out, source }), /belongs to another user/)
  assert.equal((await stat(`${out}.partial.d`)).mode & 0o777, 0o777)
})

// ---- a full disk ----

/** A 256 KiB tmpfs: a real ENOSPC without filling the machine's disk. Needs root (mount); skipped otherwise. */
async function smallDisk(): Promise<{ dir: string; release(): Promise<void> } | null> {
  const dir = await tempDir()
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', dir])
  if (mounted.status !== 0) {
    await rm(dir, { recursive: true, force: true })
    return null
  }
  return {
    dir,
    async release() {
      if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir])
      await rm(dir, { recursive: true, force: true })
    },
  }
}

test('a full disk is one clear line with exit 13, and the rerun resumes what was staged', async (t) => {
  const disk = await smallDisk()
  if (!disk) return t.skip('cannot mount a tmpfs here (needs root)')
  try {
    const out = join(disk.dir, 'full.zip')
    const writer = await ArchiveWriter.open({ path: out, source })
    await writer.addMedia([Buffer.alloc(20_000, 1)], { key: 'small', meta: { mime: 'image/png', source: { id: 'small' } } })
    const chunks = Array.from({ length: 16 }, (_, i) => Buffer.alloc(64 * 1024, i))
    const full = await writer.addMedia(chunks, { key: 'big', meta: { mime: 'image/png', source: { id: 'big' } } }).catch((error: unknown) => error)
    assert.ok(full instanceof DiskFullError, String(full))
    assert.equal(full.exitCode, 13)
    assert.match(full.message, new RegExp(`No space left on the disk while writing in ${disk.dir} \\(.* free\\)`))
    // The writer stays refused: a later record or finish() ends with the same error, not a half-written archive.
    await assert.rejects(writer.write('following', alice), DiskFullError)
    await assert.rejects(writer.finish(), DiskFullError)
    const cli = captureCli()
    assert.equal(report(cli.cli.out, full, cli.cli.signal), 13)
    assert.match(cli.stderr(), /^error: No space left on the disk while writing in .*\nhint: Free some space there .* run the same command again/)
    assert.doesNotMatch(cli.stderr(), /bug in Lifeboat/)
    assert.ok(!(await readdir(disk.dir)).includes('full.zip'))

    const rerun = await ArchiveWriter.open({ path: out, source })
    assert.equal(rerun.resumedMedia, 1, 'the media staged before the disk filled is reused')
    assert.ok(await rerun.reuseMedia({ key: 'small', meta: { mime: 'image/png', source: { id: 'small' } } }))
    await rerun.write('following', alice)
    const manifest = await rerun.finish()
    assert.equal(manifest.counts.media, 1)
    assert.deepEqual((await verifyArchive(out)).problems, [])
  } finally {
    await disk.release()
  }
})

test('a disk-full error from anywhere else is printed as exit 13 too, never as a bug', () => {
  const cli = captureCli()
  const raw = Object.assign(new Error("ENOSPC: no space left on device, write '/somewhere/file'"), { code: 'ENOSPC', path: '/somewhere/file' })
  assert.equal(report(cli.cli.out, raw, cli.cli.signal), 13)
  assert.match(cli.stderr(), /^error: No space left on the disk while writing in \/somewhere\.\nhint: Free some space/)
})

test('a torn staged media file is downloaded again rather than reused', async () => {
  const dir = await tempDir()
  const out = join(dir, 't.zip')
  const writer = await ArchiveWriter.open({ path: out, source })
  const media = await writer.addMedia([Buffer.from('bytes that will be torn')], { key: 'k', meta: { source: { id: 'k' } } })
  await writer.abort()
  // What a crash of the machine can leave: the right size, other bytes.
  await writeFile(join(`${out}.partial.d`, 'media', media.sha256), Buffer.alloc(media.size))
  const rerun = await ArchiveWriter.open({ path: out, source })
  assert.equal(rerun.resumedMedia, 0)
  await rerun.abort()
})
