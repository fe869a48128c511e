// One life log from four networks: archives exported from the real in-process PDS and from the Misskey, Mastodon and
// Matrix test servers, merged by `lifeboat view` into one site and read in headless Chromium from file://.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { seedSampleWorld } from '../../src/demo/sample-account.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { run as exportMatrix } from '../../src/commands/export-matrix.js'
import { run as view } from '../../src/commands/view.js'
import { captureCli, runCommand } from '../_util/cli.js'
import { FAST_HTTP, startWorld as startMisskeyWorld } from '../misskey/world.js'
import { seedAlice, startWorld as startMastodonWorld } from '../mastodon/_world.js'
import { startMatrixServer } from '../servers/matrix/server.js'
import { seedWorld as seedMatrixWorld } from '../matrix/world.js'
import { fastContext } from '../matrix/helpers.js'
import { SKIP_BROWSER, launchBrowser, loaded, type ViewerPage } from './_browser.js'

const MISSKEY_PHRASE = '富士山の写真を撮りました'

function assertClean(v: ViewerPage): void {
  assert.deepEqual(v.requests.filter((url) => !url.startsWith('file://')), [], 'no request leaves file://')
  assert.deepEqual(v.errors, [], 'no console errors')
}

describe('viewer over archives from every network', { skip: SKIP_BROWSER }, () => {
  let dir: string
  let site: string
  const closers: (() => Promise<unknown>)[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-viewer-networks-'))
    const archives: string[] = []

    const network = await TestNetworkNoAppView.create({})
    closers.push(() => network.close())
    const sample = await seedSampleWorld(network.pds.url)
    archives.push(join(dir, 'atproto.zip'))
    const atproto = await exportAtproto(sample.alice.handle, { output: archives[0]!, pds: network.pds.url, plc: network.plc.url, passwordEnv: 'ALICE_PW' }, captureCli({ env: { ALICE_PW: sample.alice.password } }).cli)
    assert.deepEqual(atproto.failures, [])

    const misskey = await startMisskeyWorld()
    closers.push(() => misskey.close())
    misskey.old.seed.note(misskey.sc.users.alice, { text: `今日は${MISSKEY_PHRASE}` })
    archives.push(join(dir, 'misskey.zip'))
    const mk = await exportMisskey({ server: misskey.old.url, output: archives[1]! }, captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: misskey.sc.tokens.aliceApp } }).cli, { http: FAST_HTTP })
    assert.deepEqual(mk.failures, [])

    const mastodon = await startMastodonWorld()
    closers.push(() => mastodon.close())
    const seeded = seedAlice(mastodon.old, mastodon.friendsServer, 40)
    archives.push(join(dir, 'mastodon.zip'))
    const md = await exportMastodon({ server: mastodon.old.url, output: archives[2]! }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: seeded.token } }).cli)
    assert.deepEqual(md.failures, [])

    const matrix = await startMatrixServer()
    closers.push(() => matrix.close())
    const world = await seedMatrixWorld(matrix, { bigCount: 60 })
    archives.push(join(dir, 'matrix.zip'))
    const cli = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: world.alice.accessToken } }).cli
    // One room of this world fails on purpose; the archive is still written with the rest.
    await exportMatrix({ homeserver: matrix.url, user: world.alice.userId, output: archives[3]! }, cli, { context: fastContext(cli) }).catch(() => undefined)

    site = join(dir, 'site')
    const run = await runCommand({}, (c) => view(archives, { output: site }, c))
    assert.equal(run.code, 0, run.stderr)
    assert.ok(run.value!.posts > 250 && run.value!.events > 60, JSON.stringify(run.value))
  })
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  })

  it('merges every network into one timeline, finds Japanese, opens a thread, loads and steps images, lists rooms', async () => {
    const browser = await launchBrowser()
    try {
      const v = await browser.open(site)
      const { page } = v
      await loaded(page)
      const accounts = await page.locator('#filter-account option').allInnerTexts()
      for (const network of ['atproto', 'misskey', 'mastodon', 'matrix']) assert.ok(accounts.some((a) => a.startsWith(network)), `${network} in ${accounts}`)
      assert.equal(await page.locator('#feed > article.post').count(), 50)

      await page.goto(page.url().split('#')[0] + '#/search?q=' + encodeURIComponent('富士山'))
      await page.waitForSelector('#search-status')
      assert.match(await page.locator('#feed').innerText(), new RegExp(MISSKEY_PHRASE))
      assert.match(await page.locator('#feed .post-head').first().innerText(), /misskey/)

      await page.fill('#q', 'Replying to myself')
      await page.press('#q', 'Enter')
      await page.waitForFunction(() => location.hash.includes('Replying'))
      await page.locator('#feed article.post .post-head a[href^="#/post/"]').first().click()
      await page.waitForSelector('article.post.current')
      const thread = await page.locator('main article.post').allInnerTexts()
      assert.ok(thread.length >= 2, 'the post it replied to is shown above it')
      assert.match(thread[thread.length - 1]!, /Replying to myself/)

      await page.goto(page.url().split('#')[0] + '#/search?q=' + encodeURIComponent('Two pictures'))
      await page.waitForSelector('#feed .media img')
      await page.waitForFunction(() => [...document.querySelectorAll('#feed .media img')].every((img) => (img as HTMLImageElement).naturalWidth > 0))
      await page.locator('#feed .media img').first().click()
      assert.equal(await page.locator('#lightbox-caption').innerText(), 'a red square')
      await page.keyboard.press('ArrowRight')
      assert.equal(await page.locator('#lightbox-caption').innerText(), 'a green square')
      await page.keyboard.press('Escape')

      await page.goto(page.url().split('#')[0] + '#/rooms')
      await page.waitForSelector('#rooms li')
      assert.ok((await page.locator('#rooms li').count()) >= 5)
      await page.locator('#rooms li a').first().click()
      await page.waitForFunction(() => /^#\/room\/\d+$/.test(location.hash))
      await page.waitForSelector('#feed article.post')
      await page.goto(page.url().split('#')[0] + '#/people/following')
      await page.waitForSelector('#people li')
      assertClean(v)
      await v.close()
    } finally {
      await browser.close()
    }
  })
})
