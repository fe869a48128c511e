// A damaged or hostile snapshot manifest (docs/backup-store.md §2.4) is exit 12 through every command that reads it,
// with one line naming the manifest, and nothing outside the store is read or written.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { openStore } from '../../src/store/store.js'
import { runCli, type CliRun } from '../_util/cli.js'

const ID = '2026-01-02T03-00-00Z-abcdef'
const SECRET = 'outside the store\n'

interface Planted {
  root: string
  store: string
}

/** A store with one sound object, and `manifest` written (or linked) as snapshot ID; a file beside the store. */
async function plant(manifest: (sha: string) => unknown): Promise<Planted> {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-hostile-'))
  const store = join(root, 'store')
  const s = await openStore(store, { create: true })
  const lock = await s.lock()
  const { sha256 } = await s.putObject(Readable.from([Buffer.from('object bytes')]))
  await lock.release()
  await writeFile(join(root, 'secret'), SECRET)
  const path = join(store, 'snapshots', `${ID}.json`)
  const content = manifest(sha256)
  if (content instanceof Link) await symlink(content.target, path)
  else await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
  return { root, store }
}

class Link {
  constructor(readonly target: string) {}
}

const base = (sha: string) => ({ id: ID, createdAt: '2026-01-02T03:00:00.000Z', subject: { id: 'did:plc:alice' }, objects: [sha], stats: {} })
const atproto = (sha: string, data: Record<string, unknown>) => ({
  ...base(sha),
  kind: 'atproto-repo',
  data: { did: 'did:plc:alice', handle: null, pds: 'https://pds.example', rev: 'r', commit: 'bafyrei', packs: [sha], blobs: [], preferences: null, records: 0, full: true, ...data },
})
const pdsFile = (sha: string, file: Record<string, unknown>) => ({
  ...base(sha),
  kind: 'pds-dir',
  data: {
    source: { dataDir: '/pds', blobstore: null, blobstoreInDataDir: null, envFile: null, host: 'h' },
    files: [{ root: 'data', path: 'account.sqlite', type: 'file', sha256: sha, size: 12, mode: 384, sourceSize: 12, mtimeMs: 0, ...file }],
    problems: [],
  },
})

const account = (sha: string, data: Record<string, unknown>) => ({
  ...base(sha),
  kind: 'account-archive',
  data: {
    network: 'misskey', server: 'https://misskey.example', account: { id: 'https://misskey.example/users/1' }, exportedAt: '2026-01-02T03:00:00.000Z',
    full: true, fullAt: ID, sinceFullRuns: 0, cursor: null, failures: 0,
    segments: [{ kind: 'posts', mode: 'delta', object: sha, records: 1, snapshot: ID }], files: [{ member: 'profile.json', object: sha, size: 12 }], media: [sha],
    ...data,
  },
})

const cases: { name: string; manifest: (sha: string) => unknown; says: RegExp }[] = [
  { name: 'a pack named ../../etc/passwd', manifest: (sha) => atproto(sha, { packs: ['../../etc/passwd'] }), says: /data\.packs\[0\] "\.\.\/\.\.\/etc\/passwd" is not an object name/ },
  { name: 'an absolute path in objects', manifest: (sha) => ({ ...atproto(sha, {}), objects: [sha, '/etc/passwd'] }), says: /objects names "\/etc\/passwd"/ },
  { name: 'a pack hash of the wrong length', manifest: (sha) => atproto(sha, { packs: [sha.slice(0, 40)] }), says: /data\.packs\[0\] "[0-9a-f]{40}" is not an object name/ },
  { name: 'a preferences object not listed in objects', manifest: (sha) => atproto(sha, { preferences: 'f'.repeat(64) }), says: /data\.preferences f{64} is not listed in objects/ },
  { name: 'a pds-dir file path climbing out', manifest: (sha) => pdsFile(sha, { path: '../../secret' }), says: /data\.files\[0\]\.path "\.\.\/\.\.\/secret" is not a safe relative path/ },
  { name: 'a pds-dir blobstore outside the target', manifest: (sha) => ({ ...pdsFile(sha, {}), data: { ...pdsFile(sha, {}).data, source: { dataDir: '/pds', blobstoreInDataDir: '../x' } } }), says: /blobstoreInDataDir "\.\.\/x" is not a safe relative path/ },
  { name: 'a pack name with terminal escapes', manifest: (sha) => atproto(sha, { packs: ['\u001b]0;owned\u0007\u009b2J'] }), says: /data\.packs\[0\] "\\u001b\]0;owned\\u0007\\u009b2J" is not an object name/ },
  { name: 'an account-archive file climbing out', manifest: (sha) => account(sha, { files: [{ member: '../../secret', object: sha, size: 12 }] }), says: /data\.files\[0\]\.member "\.\.\/\.\.\/secret" member name escapes the archive/ },
  { name: 'an account-archive file named like a record member', manifest: (sha) => account(sha, { files: [{ member: 'posts.jsonl', object: sha, size: 12 }] }), says: /data\.files\[0\]\.member "posts\.jsonl" is the name of a manifest, record or media member/ },
  { name: 'an account-archive segment not listed in objects', manifest: (sha) => account(sha, { segments: [{ kind: 'posts', mode: 'delta', object: 'e'.repeat(64), records: 1, snapshot: ID }] }), says: /data\.segments\[0\]\.object e{64} is not listed in objects/ },
  { name: 'an account-archive medium that is a path', manifest: (sha) => account(sha, { media: ['../../secret'] }), says: /data\.media\[0\] "\.\.\/\.\.\/secret" is not an object name/ },
  { name: 'a manifest that is not JSON', manifest: () => '{ "id": ', says: /not valid JSON/ },
  { name: 'a manifest without its fields', manifest: () => ({ id: ID }), says: /createdAt is missing or not a date/ },
  { name: 'a manifest that links out of the store', manifest: () => new Link('../../secret'), says: /a symbolic link, not a manifest/ },
]

/** Exit 12, one `error:` line, and the line that names the manifest (the error itself, or verify-store's `problem:`). */
function assertDamaged(run: CliRun, what: string, says: RegExp, naming = 'error: '): void {
  assert.equal(run.code, 12, `${what}: exit ${run.code}\n${run.stderr}`)
  const lines = run.stderr.split('\n')
  assert.equal(lines.filter((line) => line.startsWith('error: ')).length, 1, `${what}: one error line\n${run.stderr}`)
  const named = lines.filter((line) => line.startsWith(naming) && line.includes(`snapshots/${ID}.json: `))
  assert.ok(named.length >= 1, `${what}: names the manifest\n${run.stderr}`)
  assert.ok(named.some((line) => says.test(line)), `${what}: says what is wrong\n${run.stderr}`)
  assert.doesNotMatch(run.stderr, /bug in Lifeboat|\n\s+at /, `${what}: no internal error or stack`)
  assert.doesNotMatch(run.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, `${what}: no raw control characters`)
}

for (const c of cases) {
  test(`a snapshot with ${c.name} is exit 12 through restore, snapshots and verify-store`, async () => {
    const { root, store } = await plant(c.manifest)
    const to = join(root, 'restored')
    const env = { PW: 'not-used' }
    const [atprotoLatest, atprotoById, pdsDir, snapshots, verify, archive] = await Promise.all([
      runCli(['restore', '--store', store, '--to-pds', 'http://127.0.0.1:9', '--did', 'did:plc:alice', '--password-env', 'PW'], { env }),
      runCli(['restore', '--store', store, '--snapshot', ID, '--to-pds', 'http://127.0.0.1:9', '--did', 'did:plc:alice', '--password-env', 'PW'], { env }),
      runCli(['restore', 'pds-dir', '--store', store, '--snapshot', ID, '--to', to]),
      runCli(['snapshots', '--store', store]),
      runCli(['verify-store', '--store', store]),
      runCli(['restore', 'archive', '--store', store, '--snapshot', ID, '-o', join(root, 'out.zip')]),
    ])
    assertDamaged(atprotoLatest, 'restore --snapshot latest', c.says)
    assertDamaged(atprotoById, 'restore --snapshot <id>', c.says)
    assertDamaged(pdsDir, 'restore pds-dir', c.says)
    assertDamaged(snapshots, 'snapshots', c.says)
    assertDamaged(verify, 'verify-store', c.says, 'problem: ')
    assertDamaged(archive, 'restore archive', c.says)
    assert.doesNotMatch(verify.stdout + verify.stderr, /: sound \(/, 'never called sound')
    // Nothing written outside the store: no restored files, the neighbour untouched.
    assert.deepEqual((await readdir(root)).sort(), ['secret', 'store'])
    assert.equal(await readFile(join(root, 'secret'), 'utf8'), SECRET)
    assert.deepEqual(await readdir(join(store, 'tmp')), [])
  })
}
