// The built CLI, as a user runs it: `lifeboat import x-archive <zip|folder> -o me.zip`, then `lifeboat verify me.zip`,
// for every fixture era (needs `npx tsc -p tsconfig.build.json` first, like every test that spawns bin/lifeboat.js).
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { runCli } from '../_util/cli.js'
import { ERAS, expectedCounts, zipOf, type Expected } from './_archives.js'

let dir: string
let expected: Record<string, Expected>

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-x-cli-'))
  expected = await expectedCounts()
})

for (const [era, folder] of Object.entries(ERAS)) {
  test(`${era}: import x-archive from the zip, then verify`, async () => {
    const want = expected[basename(folder)]!
    const zip = join(dir, `twitter-${era}.zip`)
    await writeFile(zip, await zipOf(folder))
    const output = join(dir, `${era}.zip`)
    const imported = await runCli(['import', 'x-archive', zip, '-o', output, '--json'])
    // With --json: events, the import's result with its counts, then (on a partial failure) the error's result.
    const events = imported.stdout.trim().split('\n').map((line) => JSON.parse(line))
    const result = events.find((e) => e.event === 'result' && e.counts)
    assert.equal(events.filter((e) => e.event === 'item-failed').length, result.failures.length)
    const missing = want.tweets === undefined || era === 'grailbird' ? 0 : want.media_entities! - want.media_files_present!
    assert.equal(imported.code, missing > 0 ? 3 : 0, imported.stderr)
    assert.equal(result.counts.posts, want.tweets ?? 0)
    assert.equal(result.counts.media, want.media_files_present ?? 0)
    assert.equal((await stat(output)).mode & 0o777, 0o600)
    const verified = await runCli(['verify', output])
    assert.equal(verified.code, 0, verified.stderr)
  })
}

test('the output path is checked before the X archive is opened: a missing folder needs --mkdir, an existing output --force', async () => {
  const base = await mkdtemp(join(tmpdir(), 'lifeboat-x-out-'))
  const nested = join(base, 'no', 'such', 'x.zip')
  const missing = await runCli(['import', 'x-archive', ERAS.tweetsJs2022, '-o', nested])
  assert.equal(missing.code, 2, missing.stderr)
  assert.match(missing.stderr, /does not exist/)
  assert.match(missing.stderr, /--mkdir/)
  assert.deepEqual(await readdir(base), [], 'no folder was created')
  const made = await runCli(['import', 'x-archive', ERAS.tweetsJs2022, '-o', nested, '--mkdir'])
  assert.equal(made.code, 3, made.stderr) // the fixture lacks some media: reported per item
  assert.equal((await stat(join(base, 'no', 'such'))).mode & 0o777, 0o700)
  assert.equal((await runCli(['verify', nested])).code, 0)

  const existing = join(base, 'precious.zip')
  await writeFile(existing, 'precious')
  const refused = await runCli(['import', 'x-archive', ERAS.tweetsJs2022, '-o', existing])
  assert.equal(refused.code, 2, refused.stderr)
  assert.match(refused.stderr, /already exists/)
  assert.match(refused.stderr, /--force/)
  assert.equal(await readFile(existing, 'utf8'), 'precious', 'nothing overwritten')
  assert.deepEqual((await readdir(base)).sort(), ['no', 'precious.zip'], 'nothing unpacked beside it')
  const forced = await runCli(['import', 'x-archive', ERAS.tweetsJs2022, '-o', existing, '--force'])
  assert.equal(forced.code, 3, forced.stderr)
  assert.equal((await runCli(['verify', existing])).code, 0)
})
