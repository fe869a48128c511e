// Issue 11 "Secrets" and "Output paths": flags that name variables, default variables, LIFEBOAT_STORE, and the output
// path checked before any request (the server URLs below are unreachable: a path error must come first).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../_util/cli.js'

const DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
const NOWHERE = 'http://127.0.0.1:9'

test('a token typed into --token-env is refused with exit 2 before any request, and never printed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'))
  const secret = 'syt_bWVAZXhhbXBsZS5vcmc_AbCdEfGhIjKlMnOpQrSt_0aBcDe'
  for (const args of [
    ['export', 'mastodon', '--server', NOWHERE, '-o', join(dir, 'm.zip'), '--token-env', secret],
    ['export', 'matrix', '--homeserver', NOWHERE, '--user', '@a:example.org', '-o', join(dir, 'x.zip'), '--token-env', secret],
    // Looks like a name but is far longer than any variable name.
    ['export', 'mastodon', '--server', NOWHERE, '-o', join(dir, 'm.zip'), '--token-env', 'A'.repeat(200)],
  ]) {
    const run = await runCli(args)
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /is not an environment variable name/)
    assert.ok(!run.stderr.includes(secret) && !run.stdout.includes(secret))
  }
  assert.deepEqual(await readdir(dir), [])
})

test('LIFEBOAT_ATPROTO_PASSWORD is used when set without --password-env', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'))
  const run = await runCli(['export', 'atproto', DID, '--pds', NOWHERE, '-o', join(dir, 'a.zip')], { env: { LIFEBOAT_ATPROTO_PASSWORD: 'aaaa-bbbb-cccc-dddd' } })
  assert.notEqual(run.code, 0)
  assert.match(run.stderr, /Using the app password in LIFEBOAT_ATPROTO_PASSWORD/)
  assert.ok(!run.stderr.includes('aaaa-bbbb-cccc-dddd'))
  const all = await runCli(['backup', 'atproto', '--all-accounts', '--pds', NOWHERE, '--store', join(dir, 'store')], { env: { LIFEBOAT_ATPROTO_PASSWORD: 'aaaa-bbbb-cccc-dddd' } })
  assert.match(all.stderr, /LIFEBOAT_ATPROTO_PASSWORD is set but not used/)
})

test('backup atproto reads LIFEBOAT_STORE like every other store command', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'))
  const store = join(dir, 'store')
  const run = await runCli(['backup', 'atproto', DID, '--pds', NOWHERE], { env: { LIFEBOAT_STORE: store } })
  assert.doesNotMatch(run.stderr, /--store/)
  assert.ok((await stat(store)).isDirectory(), 'the store named by LIFEBOAT_STORE was opened')
})

test('a missing output folder is exit 2 before any request, unless --mkdir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'))
  const output = join(dir, 'no', 'such', 'a.zip')
  for (const args of [
    ['export', 'atproto', DID, '--pds', NOWHERE, '-o', output],
    ['export', 'mastodon', '--server', NOWHERE, '-o', output],
    ['export', 'misskey', '--server', NOWHERE, '-o', output],
  ]) {
    const run = await runCli(args, { env: { LIFEBOAT_MASTODON_TOKEN: 't', LIFEBOAT_MISSKEY_TOKEN: 't' } })
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /does not exist/)
    assert.match(run.stderr, /--mkdir/)
  }
  assert.deepEqual(await readdir(dir), [], 'no folder was created')
  const made = await runCli(['export', 'atproto', DID, '--pds', NOWHERE, '-o', output, '--mkdir'])
  assert.notEqual(made.code, 2, made.stderr)
  assert.doesNotMatch(made.stderr, /does not exist/)
  assert.ok((await stat(join(dir, 'no', 'such'))).isDirectory())
})

test('an existing output is refused before any request unless --force', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'))
  const output = join(dir, 'a.zip')
  await writeFile(output, 'precious')
  const run = await runCli(['export', 'atproto', DID, '--pds', NOWHERE, '-o', output])
  assert.equal(run.code, 2, run.stderr)
  assert.match(run.stderr, /already exists/)
  const forced = await runCli(['export', 'atproto', DID, '--pds', NOWHERE, '-o', output, '--force'])
  assert.doesNotMatch(forced.stderr, /already exists/)
})
