// The Mastodon export under adverse conditions: every request (API, pages, media) through the fault proxy with 20%
// injected failures gives the same archive as a fault-free run; an interrupted export resumes without fetching its
// status pages or media again; and the server's rate-limit headers pace the export before the server has to refuse.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, watch } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { MANIFEST_NAME } from '../../src/archive/format.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { captureCli } from '../_util/cli.js'
import { startMastodonServer } from '../servers/mastodon/mastodon-server.js'
import { seedAlice, startWorld, testContext, type SeededAlice, type World } from './_world.js'

let world: World
let seeded: SeededAlice
let dir: string

before(async () => {
  world = await startWorld()
  seeded = seedAlice(world.old, world.friendsServer, 120)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-mastodon-faults-'))
})

after(async () => {
  await world?.close()
})

/**
 * Resolves once the staged-media index has a complete line: the event the interruption waits for. Woken by the
 * staging folder's own change events (inotify), not by polling; the index is read once after the watch starts, so a
 * line written before it is not missed.
 */
async function untilStaged(index: string): Promise<void> {
  const staged = async () => (await readFile(index, 'utf8').catch(() => '')).includes('\n')
  const stop = new AbortController()
  const deadline = setTimeout(() => stop.abort(), 60_000)
  const changes = watch(dirname(index), { signal: stop.signal })[Symbol.asyncIterator]()
  // The first next() starts the watch; the index is read only after that, so no line can fall between the two.
  let next = changes.next()
  next.catch(() => undefined)
  try {
    if (await staged()) return
    for (;;) {
      const change = await next
      if (change.done) throw new Error('the watch on the staging folder ended')
      if (change.value.filename === basename(index) && (await staged())) return
      next = changes.next()
      next.catch(() => undefined)
    }
  } catch (error) {
    if (stop.signal.aborted) throw new Error('no medium was staged within 60 s')
    throw error
  } finally {
    clearTimeout(deadline)
    stop.abort()
  }
}

async function members(path: string): Promise<Record<string, string>> {
  const reader = await ArchiveReader.open(path)
  const out = Object.fromEntries(Object.entries(reader.manifest.members).map(([name, m]) => [name, m.sha256]))
  reader.close()
  return out
}

test('through the fault proxy with 20% injected failures, the export equals the fault-free export', async () => {
  const clean = join(dir, 'clean.zip')
  const env = { LIFEBOAT_MASTODON_TOKEN: seeded.token }
  await exportMastodon({ server: world.old.url, output: clean }, captureCli({ env }).cli)

  const proxy = await startFaultProxy({
    target: world.old.url,
    rates: { status429: 0.02, status500: 0.04, status502: 0.03, status503: 0.03, reset: 0.04, truncate: 0.04 },
    retryAfterSeconds: 1,
    seed: 7,
  })
  try {
    // Every request for the server, including media and Link-header pages, is sent to the proxy instead.
    const faulty = join(dir, 'faulty.zip')
    const { cli, context } = testContext({ env, rewrite: { from: world.old.url, to: proxy.url } })
    const result = await exportMastodon({ server: world.old.url, output: faulty }, cli, { context })
    assert.deepEqual(result.failures, [])
    const injected = Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0)
    assert.ok(injected >= 10, `faults were injected (${injected} of ${proxy.stats.requests} requests)`)
    assert.ok(proxy.stats.injected.truncate > 0 && proxy.stats.injected.reset > 0)
    assert.ok(world.old.count('GET /system/*') > 0)
    const a = await members(clean)
    const b = await members(faulty)
    delete a[MANIFEST_NAME]
    delete b[MANIFEST_NAME]
    assert.deepEqual(b, a, 'every member of the archive is byte-identical')
  } finally {
    await proxy.close()
  }
})

test('an interrupted export resumes: stored status pages and staged media are not fetched again', async () => {
  const output = join(dir, 'resumed.zip')
  const env = { LIFEBOAT_MASTODON_TOKEN: seeded.token }
  const statuses = 'GET /api/v1/accounts/:id/statuses'
  world.old.resetRequestLog()
  let pages = 0
  const first = testContext({ env })
  const interrupting = testContext({
    env,
    http: {
      fetchImpl: async (input, init) => {
        const response = await fetch(input, init)
        if (String(input).includes('/statuses?') && ++pages === 3) {
          // Interrupt only once a medium is staged, so the rerun always has media to reuse.
          await untilStaged(`${output}.partial.d/media-staged.jsonl`)
          first.abort()
        }
        return response
      },
      signal: first.cli.signal,
    },
  })
  await assert.rejects(exportMastodon({ server: world.old.url, output }, first.cli, { context: { ...interrupting.context, signal: first.cli.signal } }), (error: Error & { exitCode?: number }) => error.exitCode === 130)
  const pagesBefore = world.old.count(statuses)
  const mediaBefore = world.old.count('GET /system/*')
  assert.ok(pagesBefore >= 2 && mediaBefore > 0, `${pagesBefore} pages and ${mediaBefore} media were fetched before the interruption`)

  world.old.resetRequestLog()
  const second = captureCli({ env })
  const result = await exportMastodon({ server: world.old.url, output }, second.cli)
  assert.deepEqual(result.failures, [])
  assert.match(second.stderr(), /Resuming: \d+ pages of statuses/)
  const resumed = Number(/Resuming: (\d+) media files/.exec(second.stderr())?.[1] ?? 0)
  assert.ok(resumed >= 1, 'the rerun found the staged media')
  const total = Math.ceil(120 / 40) + 1
  assert.ok(world.old.count(statuses) <= total - (pagesBefore - 1), `only the pages not yet stored were fetched (${world.old.count(statuses)})`)
  const media = world.old.count('GET /system/*')
  // The resumed archive equals one made in a single run, which downloads every medium once.
  world.old.resetRequestLog()
  const single = join(dir, 'single.zip')
  await exportMastodon({ server: world.old.url, output: single }, captureCli({ env }).cli)
  const everyMedium = world.old.count('GET /system/*')
  assert.equal(media, everyMedium - resumed, `each staged medium was reused, not fetched again (${media} of ${everyMedium} downloaded)`)
  const a = await members(single)
  const b = await members(output)
  delete a[MANIFEST_NAME]
  delete b[MANIFEST_NAME]
  assert.deepEqual(b, a)
})

test('the rate-limit headers pace the export before the server has to refuse', async () => {
  const paced = await startMastodonServer({ domain: 'paced.test', rateLimits: { perToken: { limit: 12, periodSeconds: 1 }, paging: { limit: 4, periodSeconds: 1 } } })
  try {
    const alice = seedAlice(paced, paced, 60)
    const { cli } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: alice.token } })
    const result = await exportMastodon({ server: paced.url, output: join(dir, 'paced.zip') }, cli)
    assert.deepEqual(result.failures, [])
    assert.equal(result.manifest.counts.posts, 60)
    assert.equal(paced.requests.filter((r) => r.status === 429).length, 0, 'no request was refused')
    const api = paced.requests.filter((r) => r.path.startsWith('/api/'))
    assert.ok(api.length > 12, `more requests (${api.length}) than one window allows`)
  } finally {
    await paced.close()
  }
})
