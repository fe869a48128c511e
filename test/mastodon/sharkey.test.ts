// Mastodon-API servers as they are in the wild (issue 17): an export from the Sharkey flavour of the test server
// writes every follow once although Sharkey's `following` serves the same page for its own "next" link, treats the
// endpoints Sharkey lacks as absent rather than failed (exit 0, said once), and adds nothing to failures for an
// identicon avatar on a host it cannot reach; a replay onto Sharkey and onto Mastodon resolves accounts by actor URI,
// then `acct`, then the bare username of a local account, adds list members with the field Sharkey asks for, and
// ends with exit 3 naming the accounts it could not resolve (`--json` lists them); domain blocks, which Sharkey's
// Mastodon API lacks, are skipped with one warning.
import { describe, it, before, after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { compatMember, nativeMember } from '../../src/archive/format.js'
import { MastodonClient } from '../../src/adapters/mastodon/client.js'
import { detectServer, flavorOf } from '../../src/adapters/mastodon/flavor.js'
import { isNotImplemented, MastodonHttpError } from '../../src/adapters/mastodon/errors.js'
import { isPlaceholderImage, onServerOrigin } from '../../src/adapters/mastodon/map.js'
import { RemoteError } from '../../src/errors.js'
import { runCli, runCommand } from '../_util/cli.js'
import { createFediDirectory } from '../servers/mastodon/directory.js'
import { startMastodonServer, type MastodonTestServer } from '../servers/mastodon/mastodon-server.js'
import { call } from '../servers/mastodon/test-client.js'
import { remoteUser, testContext } from './_world.js'

registerTargetFactory('mastodon', () => import('../../src/adapters/mastodon/index.js').then((m) => m.replayTarget))

const off = { enabled: false }

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

async function memberText(reader: ArchiveReader, member: string): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of await reader.openMember(member)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The `result` event of a --json run. */
function resultEvent(stdout: string) {
  return stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'result')
}

/** Whom `id` follows on `server`, as `acct`s: one page is all (Sharkey's "next" link would serve it again). */
async function followingOf(server: MastodonTestServer, id: string, token: string): Promise<string[]> {
  return (await call(`${server.url}/api/v1/accounts/${id}/following?limit=80`, { token })).json.map((a: { acct: string }) => a.acct).sort()
}

async function listMembers(server: MastodonTestServer, token: string, title: string): Promise<string[]> {
  const lists = (await call(`${server.url}/api/v1/lists`, { token })).json as { id: string; title: string }[]
  const list = lists.find((l) => l.title === title)
  if (!list) return []
  return (await call(`${server.url}/api/v1/lists/${list.id}/accounts?limit=0`, { token })).json.map((a: { acct: string }) => a.acct).sort()
}

describe('export from Sharkey', () => {
  const directory = createFediDirectory()
  let shark: MastodonTestServer
  let friends: MastodonTestServer
  let token: string
  let archive: string
  let exported: Awaited<ReturnType<typeof runCommand>>
  let progress: string
  const names = ['bob', 'carol', 'dave', 'erin', 'frank']

  before(async () => {
    shark = await startMastodonServer({ flavor: 'sharkey', domain: 'shark.test', directory, rateLimits: off })
    friends = await startMastodonServer({ domain: 'friends.test', directory, rateLimits: off })
    // No avatar: Sharkey points at an identicon under https://shark.test, which cannot be reached from here.
    const alice = shark.seed.account({ username: 'alice', displayName: 'アリス' })
    token = shark.seed.token(alice.id)
    const friendIds = names.map((name) => remoteUser(friends, shark, name).there.id)
    for (const id of friendIds) shark.seed.follow(alice.id, id)
    shark.seed.status(alice.id, { text: '日本語のテキスト', spoilerText: 'ネタバレ' })
    const first = shark.seed.status(alice.id, { text: 'a picture', media: [{ bytes: Buffer.from('not really a png'), contentType: 'image/png', description: 'alt text' }] })
    shark.seed.status(alice.id, { text: 'a reply', inReplyToId: first.id })
    // Kept by the store but unreachable through Sharkey's Mastodon API (bookmarks 500, filters 500/404, domain blocks 404).
    shark.seed.bookmark(alice.id, first.id)
    shark.seed.blockDomain(alice.id, 'spam.example')
    shark.seed.filter(alice.id, { title: 'Spoilers', keywords: [{ keyword: 'finale' }] })
    shark.seed.list(alice.id, { title: 'Close', members: friendIds.slice(0, 2) })
    archive = join(await mkdtemp(join(tmpdir(), 'lifeboat-sharkey-export-')), 'alice.zip')
    const net = testContext()
    exported = await runCommand({ LIFEBOAT_MASTODON_TOKEN: token }, (cli) => exportMastodon({ server: shark.url, output: archive }, cli, { context: net.context }))
    progress = net.stderr()
  })
  after(async () => {
    await Promise.all([shark?.close(), friends?.close()])
  })

  it('detects Sharkey from /api/v1/instance and NodeInfo', async () => {
    const net = testContext()
    const info = await detectServer(new MastodonClient(net.context, shark.url, token))
    assert.deepEqual(info, { flavor: 'sharkey', software: 'sharkey', version: '3.0.0 (compatible; Sharkey 2025.4.7; like Akkoma)', domain: 'shark.test' })
  })

  it('exits 0 and says once which optional endpoints Sharkey does not implement', async () => {
    assert.equal(exported.code, 0, exported.stderr + progress)
    assert.ok((await verifyArchive(archive)).ok)
    const lines = progress.split('\n').filter((l) => /does not implement/.test(l))
    assert.equal(lines.length, 1, progress)
    assert.match(lines[0]!, /\(sharkey .*Sharkey 2025\.4\.7.*does not implement domain blocks, bookmarks, filters: .*not a failure/)
    const reader = await ArchiveReader.open(archive)
    try {
      assert.deepEqual(reader.manifest.counts.bookmarks, undefined, 'a kind the server does not offer stays absent')
      assert.equal((await collect(reader.records('posts'))).length, 3)
      const media = await collect(reader.records('media'))
      assert.deepEqual(media.map((m) => m.alt), ['alt text'], 'the default avatar is neither downloaded nor a failure')
      // The actor document is fetched although Sharkey names it with https:// on this http:// server.
      const actor = JSON.parse(await memberText(reader, nativeMember('mastodon', 'actor.json')))
      assert.equal(actor.preferredUsername, 'alice')
    } finally {
      reader.close()
    }
  })

  it('writes every follow once although `following` serves the same page for its "next" link', async () => {
    const reader = await ArchiveReader.open(archive)
    try {
      const following = await collect(reader.records('following'))
      assert.deepEqual(following.map((f) => f.account.handle).sort(), names.map((n) => `${n}@friends.test`))
      const csv = (await memberText(reader, compatMember('following_accounts.csv'))).trim().split('\n')
      assert.equal(csv.length, 1 + names.length, csv.join('\n'))
      const lists = await collect(reader.records('lists'))
      assert.deepEqual(lists.map((l) => l.members.length), [2])
    } finally {
      reader.close()
    }
    const pages = shark.requests.filter((r) => r.route === 'GET /api/v1/accounts/:id/following')
    assert.equal(pages.length, 2, 'the repeated page ends the walk')
  })
})

describe('replay onto Sharkey and onto Mastodon', () => {
  const directory = createFediDirectory()
  let old: MastodonTestServer
  let friends: MastodonTestServer
  let shark: MastodonTestServer
  let plain: MastodonTestServer
  let archive: string

  before(async () => {
    ;[old, friends, shark, plain] = await Promise.all([
      startMastodonServer({ domain: 'old.test', directory, rateLimits: off }),
      startMastodonServer({ domain: 'friends.test', directory, rateLimits: off }),
      startMastodonServer({ flavor: 'sharkey', domain: 'shark.test', directory, rateLimits: off }),
      startMastodonServer({ domain: 'plain.test', directory, rateLimits: off }),
    ])
    const alice = old.seed.account({ username: 'alice' })
    const bob = remoteUser(friends, old, 'bob').there
    const carol = remoteUser(friends, old, 'carol').there
    // zed has an account on each new server; old.test knows them by actor URIs those servers no longer use (as after
    // a server changed software), so only `acct` or the bare username can find them.
    shark.seed.account({ username: 'zed' })
    plain.seed.account({ username: 'zed' })
    const zedShark = old.seed.account({ username: 'zed', domain: 'shark.test', uri: 'https://shark.test/users/zed-before', url: 'https://shark.test/@zed' })
    const zedPlain = old.seed.account({ username: 'zed', domain: 'plain.test', uri: 'https://plain.test/users/zed-before', url: 'https://plain.test/@zed' })
    const ghost = old.seed.account({ username: 'ghost', domain: 'gone.example' })
    for (const who of [bob, carol, zedShark, zedPlain, ghost]) old.seed.follow(alice.id, who.id, { accept: true })
    old.seed.list(alice.id, { title: 'Friends', members: [bob.id, zedShark.id] })
    old.seed.blockDomain(alice.id, 'spam.example')
    old.seed.blockDomain(alice.id, 'worse.example')
    archive = join(await mkdtemp(join(tmpdir(), 'lifeboat-sharkey-replay-')), 'alice.zip')
    const made = await runCommand({ LIFEBOAT_MASTODON_TOKEN: old.seed.token(alice.id) }, (cli) => exportMastodon({ server: old.url, output: archive }, cli, { context: testContext().context }))
    assert.equal(made.code, 0, made.stderr)
  })
  after(async () => {
    await Promise.all([old?.close(), friends?.close(), shark?.close(), plain?.close()])
  })

  it('Sharkey: actor URI for remote accounts, bare username for its own, `accounts_id` for lists; exit 3 names the rest', async () => {
    const me = shark.seed.account({ username: 'alice' })
    const token = shark.seed.token(me.id)
    const run = await runCommand({ LIFEBOAT_MASTODON_TOKEN: token }, (cli) => replay(archive, { to: 'mastodon', server: shark.url, only: 'follows,lists,domain-blocks' }, cli), { json: true })
    assert.equal(run.code, 3, run.stderr)
    assert.deepEqual(await followingOf(shark, me.id, token), ['bob@friends.test', 'carol@friends.test', 'zed'])
    assert.deepEqual(await listMembers(shark, token, 'Friends'), ['bob@friends.test', 'zed'])
    const result = resultEvent(run.stdout)
    // Sharkey finds nothing for user@host: zed@plain.test, known by a stale URI, cannot be found from there.
    assert.deepEqual(result.unresolved, [{ kind: 'follows', subject: 'ghost@gone.example' }, { kind: 'follows', subject: 'zed@plain.test' }])
    assert.match(run.stderr, /error: 2 items could not be resolved on the target: follows ghost@gone\.example, follows zed@plain\.test\./)
    assert.ok(shark.requests.some((r) => r.method === 'POST' && r.route === 'POST /api/v1/lists/:id/accounts' && r.status === 200))
    // Sharkey's Mastodon API has no domain blocks: said once, each one skipped, none counted as failed.
    assert.deepEqual(result.counts['domain-blocks'], { skipped: 2 })
    assert.equal(run.stderr.split('\n').filter((l) => /does not implement domain blocks/.test(l)).length, 1, run.stderr)
  })

  it('Mastodon: the stale URI falls back to `acct`; exit 3 names the account nobody can find', async () => {
    const me = plain.seed.account({ username: 'alice' })
    const token = plain.seed.token(me.id)
    const run = await runCommand({ LIFEBOAT_MASTODON_TOKEN: token }, (cli) => replay(archive, { to: 'mastodon', server: plain.url, only: 'follows' }, cli), { json: true })
    assert.equal(run.code, 3, run.stderr)
    assert.deepEqual(await followingOf(plain, me.id, token), ['bob@friends.test', 'carol@friends.test', 'zed', 'zed@shark.test'])
    assert.deepEqual(resultEvent(run.stdout).unresolved, [{ kind: 'follows', subject: 'ghost@gone.example' }])
    const last = JSON.parse(run.stdout.trim().split('\n').at(-1)!)
    assert.deepEqual([last.event, last.error.exitCode, last.error.unresolved], ['result', 3, [{ kind: 'follows', subject: 'ghost@gone.example' }]])
    assert.match(run.stderr, /error: 1 item could not be resolved on the target: follows ghost@gone\.example\./)
  })

  it('the CLI with --json ends an exit-3 replay with exactly one result: the replay\'s fields and the error', async () => {
    const me = plain.seed.account({ username: 'ada' })
    const run = await runCli(['--json', 'replay', archive, '--to', 'mastodon', '--to-server', plain.url, '--only', 'follows'], { env: { LIFEBOAT_MASTODON_TOKEN: plain.seed.token(me.id) } })
    assert.equal(run.code, 3, run.stderr)
    const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line)).filter((e) => e.event === 'result')
    assert.equal(results.length, 1, run.stdout)
    const [result] = results
    assert.equal(run.stdout.trim().split('\n').at(-1), JSON.stringify(result), 'the result is the last line')
    assert.equal(result.ok, false)
    assert.deepEqual(result.unresolved, [{ kind: 'follows', subject: 'ghost@gone.example' }])
    assert.deepEqual(result.counts.follows, { applied: 4, unresolved: 1 })
    assert.ok(Array.isArray(result.items) && result.items.length === 5, run.stdout)
    assert.deepEqual([result.error.exitCode, result.error.unresolved], [3, [{ kind: 'follows', subject: 'ghost@gone.example' }]])
  })
})

test('the pure parts: flavour, not-implemented answers, default avatars, own URLs with another scheme', () => {
  assert.equal(flavorOf('sharkey', ''), 'sharkey')
  assert.equal(flavorOf('mastodon', '3.0.0 (compatible; Sharkey 2025.4.7; like Akkoma)'), 'sharkey')
  assert.equal(flavorOf('akkoma', '2.7.2 (compatible; Akkoma 3.13.2)'), 'akkoma')
  const http = (status: number) => new MastodonHttpError(`answered ${status}`, status, '')
  assert.ok(isNotImplemented(http(404), 'mastodon') && isNotImplemented(http(501), 'mastodon'))
  assert.ok(!isNotImplemented(http(500), 'mastodon') && !isNotImplemented(http(403), 'sharkey'))
  assert.ok(isNotImplemented(new RemoteError('answered 500 7 times in a row', { status: 500 }), 'sharkey'))
  assert.ok(isPlaceholderImage('https://shark.test/identicon/alice%40shark.test') && isPlaceholderImage('https://m.test/avatars/original/missing.png'))
  assert.ok(isPlaceholderImage('https://shark.test/static-assets/avatar.png') && !isPlaceholderImage('https://shark.test/files/identicon.png'))
  assert.equal(onServerOrigin('https://127.0.0.1:3000/users/a?x=1', 'http://127.0.0.1:3000'), 'http://127.0.0.1:3000/users/a?x=1')
  assert.equal(onServerOrigin('https://elsewhere.test/users/a', 'http://127.0.0.1:3000'), 'https://elsewhere.test/users/a')
  assert.equal(onServerOrigin('https://s.test/users/a', 'https://s.test'), 'https://s.test/users/a')
})
