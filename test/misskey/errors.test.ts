// What the user sees when things go wrong: a wrong token, an unknown server, a server that is not Misskey, a 429
// from the server's own limiter (waited out), and refused inputs — each one clear error line, a hint, and the exit
// code of docs/cli.md. The CLI case runs bin/lifeboat.js, i.e. dist/ (npm test builds it first).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { createServer, type AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { startMastodonServer } from '../servers/mastodon/mastodon-server.js'
import { startMisskeyServer } from '../servers/misskey/server.js'
import { seedRecordedScenario } from '../servers/misskey/scenario.js'
import { startTinyServer } from '../net/tiny-server.js'
import { runCommand } from '../_util/cli.js'
import { runCli } from '../_util/cli.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { FAST_HTTP, startWorld, type World } from './world.js'

/** A port nothing listens on (bound once, then released). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function oneErrorLine(stderr: string): void {
  assert.equal(stderr.split('\n').filter((l) => l.startsWith('error: ')).length, 1, stderr)
  assert.match(stderr, /^hint: /m)
  assert.ok(!stderr.includes('    at '), 'no stack trace')
}

describe('export misskey: errors', () => {
  let world: World
  before(async () => {
    world = await startWorld()
  })
  after(() => world.close())

  const exportTo = (server: string, env: NodeJS.ProcessEnv, extra: Record<string, unknown> = {}) =>
    runCommand(env, (cli) => exportMisskey({ server, output: join(world.dir, `out-${Math.random().toString(36).slice(2)}.zip`), ...extra }, cli, { http: FAST_HTTP }))

  it('a wrong token: exit 4, naming the variable it came from', async () => {
    const run = await exportTo(world.old.url, { MY_TOKEN: 'x'.repeat(32) }, { tokenEnv: 'MY_TOKEN' })
    assert.equal(run.code, 4, run.stderr)
    assert.match(run.stderr, /error: 127\.0\.0\.1:\d+ refused the token \(AUTHENTICATION_FAILED\)/)
    assert.match(run.stderr, /hint: Check that MY_TOKEN holds an access token/)
    assert.ok(!run.stderr.includes('x'.repeat(32)), 'the token is never printed')
    oneErrorLine(run.stderr)
    const unset = await exportTo(world.old.url, {}, { tokenEnv: 'NOT_SET' })
    assert.equal(unset.code, 4)
    assert.match(unset.stderr, /NOT_SET is not set/)
  })

  it('a token without the needed permission: exit 4, naming the permission', async () => {
    const limited = world.old.seed.token(world.alice, 'app', ['read:account'])
    const run = await exportTo(world.old.url, { LIFEBOAT_MISSKEY_TOKEN: limited })
    assert.equal(run.code, 4, run.stderr)
    assert.match(run.stderr, /lacks the permission read:(drive|blocks|mutes|favorites)/)
    oneErrorLine(run.stderr)
  })

  it('a refusal in one part of the export stops the others at once (not after the whole note chain)', async () => {
    const server = await startMisskeyServer({ rateLimits: { enabled: false } })
    const proxy = await startFaultProxy({ target: server.url, latencyMs: 10 })
    try {
      const bulky = server.seed.user({ username: 'bulky' })
      for (let i = 0; i < 3000; i++) server.seed.note(bulky, { text: `note ${i}` })
      const noBlocks = server.seed.token(bulky, 'app', ['read:account', 'read:drive', 'read:mutes', 'read:favorites'])
      const run = await exportTo(proxy.url, { LIFEBOAT_MISSKEY_TOKEN: noBlocks })
      assert.equal(run.code, 4, run.stderr)
      assert.match(run.stderr, /may not call blocking\/list: it lacks the permission read:blocks/)
      const pages = server.log.filter((e) => e.endpoint === 'users/notes').length
      assert.ok(pages < 15, `the note chain stopped early (${pages} of 30 pages)`)
    } finally {
      await proxy.close()
      await server.close()
    }
  })

  it('an unknown server: exit 5', async () => {
    const closed = await freePort()
    const run = await exportTo(`http://127.0.0.1:${closed}`, { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp })
    assert.equal(run.code, 5, run.stderr)
    assert.match(run.stderr, new RegExp(`Cannot reach 127\\.0\\.0\\.1:${closed}: connection refused`))
    oneErrorLine(run.stderr)
    const insecure = await exportTo('http://misskey.example', { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp })
    assert.equal(insecure.code, 2, insecure.stderr)
  })

  it('a server that is not Misskey: exit 6, saying what it is', async () => {
    const mastodon = await startMastodonServer()
    const page = await startTinyServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' })
      res.end('<html><body>Not here</body></html>')
    })
    try {
      const run = await exportTo(mastodon.url, { LIFEBOAT_MISSKEY_TOKEN: 'whatever' })
      assert.equal(run.code, 6, run.stderr)
      assert.match(run.stderr, /is not a Misskey server: it runs mastodon/)
      assert.match(run.stderr, /hint: Use Lifeboat's Mastodon adapter/)
      oneErrorLine(run.stderr)
      const web = await exportTo(page.url, { LIFEBOAT_MISSKEY_TOKEN: 'whatever' })
      assert.equal(web.code, 6, web.stderr)
      assert.match(web.stderr, /does not answer like a Misskey server \(POST \/api\/meta: HTTP 404, not JSON\)/)
    } finally {
      await Promise.all([mastodon.close(), page.close()])
    }
  })

  it('through the built CLI: one error line, a hint, the documented exit codes, no token anywhere', async () => {
    const out = join(world.dir, 'cli.zip')
    const wrong = await runCli(['export', 'misskey', '--server', world.old.url, '-o', out], { env: { LIFEBOAT_MISSKEY_TOKEN: 'y'.repeat(32) } })
    assert.equal(wrong.code, 4, wrong.stderr)
    oneErrorLine(wrong.stderr)
    assert.ok(!`${wrong.stdout}${wrong.stderr}`.includes('y'.repeat(32)))
    const ok = await runCli(['--json', 'export', 'misskey', '--server', world.old.url, '-o', out], { env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(JSON.parse(ok.stdout.trim().split('\n').at(-1)!).counts.posts, 250)
    const follows = await runCli(['follows', out, '--format', 'csv'])
    assert.equal(follows.code, 0, follows.stderr)
    assert.match(follows.stdout, new RegExp(`^Account address,Show boosts,Notify on new posts,Languages\nfrank@${world.far.host.replace(/\./g, '\\.')},true,false,\n`))
  })

  it('--since refuses an archive of another account: exit 2', async () => {
    const output = join(world.dir, 'bob.zip')
    const bob = await exportTo(world.old.url, { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.bob }, { output })
    assert.equal(bob.code, 0, bob.stderr)
    const run = await exportTo(world.old.url, { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp }, { since: output })
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /is an archive of bob@.*not of alice@/)
  })
})

describe('export misskey: rate limits', () => {
  it('waits out 429 RATE_LIMIT_EXCEEDED with Retry-After and still exports everything', async () => {
    // users/notes limited to 2 calls a second: the 3 note pages of 149 notes meet one 429 (Retry-After: 1)
    // One clock for the server and the HTTP client, moved only by the client's waits: the pages meet the limit
    // however slowly a busy machine sends them.
    let t = Date.now()
    const clock = { now: () => t, sleep: async (ms: number) => void (t += Math.max(0, ms)) }
    const server = await startMisskeyServer({ clock: clock.now, rateLimits: { overrides: { 'users/notes': { duration: 1000, max: 2 } } } })
    const sc = seedRecordedScenario(server.seed)
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-misskey-429-'))
    try {
      const run = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: sc.tokens.aliceApp }, (cli) => exportMisskey({ server: server.url, output: join(dir, 'a.zip') }, cli, { http: { ...FAST_HTTP, now: clock.now, sleep: clock.sleep } }), { json: true })
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.value!.manifest.counts.posts, 149, 'every note, her reply to bob too')
      assert.ok(server.counters().rateLimited >= 1)
      const waits = run.stdout.split('\n').filter((l) => l.includes('"event":"rate-limited"')).map((l) => JSON.parse(l) as { waitMs: number })
      assert.ok(waits.length >= 1 && waits.every((w) => w.waitMs >= 900), `waited as long as the server asked: ${JSON.stringify(waits)}`)
    } finally {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
