// The viewer page in a real headless Chromium, opened from file:// with no server: timeline, Japanese search,
// threads, images, lightbox, content warnings, hostile text shown as text, deep links and the back button,
// keyboard, people, Japanese UI, the viewer inside an unzipped archive, and a 100,000-post archive. Every test also
// checks that no request left file:// and that the console stayed free of errors.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as view } from '../../src/commands/view.js'
import { runCommand } from '../_util/cli.js'
import { JAPANESE_PHRASE, writeSampleArchive, type SampleIds } from './_archives.js'
import { extractArchive } from './_extract.js'
import type { Page } from 'playwright-core'
import { SKIP_BROWSER, launchBrowser, loaded, type ViewerBrowser, type ViewerPage } from './_browser.js'

/** The page's URL with another hash. */
function at(page: Page, hash: string): string {
  return page.url().split('#')[0] + hash
}

function assertClean(v: ViewerPage): void {
  assert.deepEqual(v.requests.filter((url) => !url.startsWith('file://')), [], 'no request leaves file://')
  assert.deepEqual(v.errors, [], 'no console errors')
}

describe('viewer page in Chromium', { skip: SKIP_BROWSER }, () => {
  let dir: string
  let site: string
  let ids: SampleIds
  let browser: ViewerBrowser

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-viewer-page-'))
    const archive = join(dir, 'alice.zip')
    ids = await writeSampleArchive(archive, { filler: 120 })
    const other = join(dir, 'bsky.zip')
    await writeSampleArchive(other, { network: 'atproto', handle: 'alice@bsky.test' })
    site = join(dir, 'site')
    const run = await runCommand({}, (cli) => view([archive, other], { output: site }, cli))
    assert.equal(run.code, 0, run.stderr)
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('shows the newest posts first, one page at a time, with network and account on each', async () => {
    const v = await browser.open(site)
    const { page } = v
    await loaded(page)
    const posts = page.locator('#feed > article.post')
    assert.equal(await posts.count(), 50, 'one page, not every post')
    assert.match(await posts.first().innerText(), /The newest special post/)
    assert.match(await posts.first().locator('.post-head').innerText(), /(mastodon|atproto)/)
    assert.match(await page.locator('.pager .status').first().innerText(), /of 144/)
    await page.locator('.pager a[data-rel="next"]').first().click()
    await page.waitForFunction(() => location.hash.includes('s=50'))
    assert.match(await page.locator('.pager .status').first().innerText(), /51–100/)
    // Filters: one account, then originals only, then with media.
    await page.selectOption('#filter-account', '1')
    await page.waitForFunction(() => location.hash.includes('acct=1'))
    assert.match(await page.locator('.pager .status').first().innerText(), /of 12$/)
    for (const text of await page.locator('#feed .post-head .badge:first-child').allInnerTexts()) assert.equal(text, 'atproto')
    await page.selectOption('#filter-kind', 'media')
    await page.waitForFunction(() => location.hash.includes('f=media'))
    assert.equal(await page.locator('#feed > article.post').count(), 2)
    await page.goBack()
    await page.waitForFunction(() => !location.hash.includes('f=media'))
    assert.match(await page.locator('.pager .status').first().innerText(), /of 12$/)
    assertClean(v)
    await v.close()
  })

  it('finds a Japanese phrase, restores a search from its link, and shows hostile markup as text', async () => {
    const v = await browser.open(site)
    const { page } = v
    await loaded(page)
    await page.fill('#q', '桜を見')
    await page.press('#q', 'Enter')
    await page.waitForSelector('#search-status')
    assert.match(await page.locator('#search-status').innerText(), /^2 results/)
    assert.match(await page.locator('#feed').innerText(), new RegExp(JAPANESE_PHRASE))
    const link = page.url()
    const again = await browser.open(site, link.slice(link.indexOf('#')))
    await again.page.waitForSelector('#search-status')
    assert.match(await again.page.locator('#feed').innerText(), new RegExp(JAPANESE_PHRASE))
    assert.equal(await again.page.inputValue('#q'), '桜を見')
    // Full-width and half-width forms match each other (NFKC), and every word must match.
    await again.page.goto(link.slice(0, link.indexOf('#')) + '#/search?q=' + encodeURIComponent('ＳＣＲＩＰＴ hostile'))
    await again.page.waitForFunction(() => /^2 results/.test(document.querySelector('#search-status')?.textContent ?? ''))
    const hostile = again.page.locator(`article[data-id="${ids.hostile}"]`).first()
    assert.match(await hostile.innerText(), /<script>window.__pwned=1<\/script>/)
    assert.equal(await again.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined)
    assert.equal(await hostile.locator('script, .text img').count(), 0)
    // The sensitive image is covered until clicked; its hostile alt text stays an attribute.
    await hostile.locator('.sensitive-cover').click()
    assert.equal(await hostile.locator('.media img').getAttribute('alt'), '<img src=x onerror="window.__pwned=3">alt')
    await again.page.waitForTimeout(0)
    assert.equal(await again.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined)
    assertClean(v)
    assertClean(again)
    await v.close()
    await again.close()
  })

  it('opens a thread with what it replied to and its replies, by deep link and by keyboard', async () => {
    const v = await browser.open(site, `#/post/${encodeURIComponent(ids.reply)}`)
    const { page } = v
    await page.waitForSelector('article.post.current')
    const texts = await page.locator('main article.post').allInnerTexts()
    assert.equal(texts.length, 3)
    assert.match(texts[0]!, /Thread root/)
    assert.match(texts[1]!, /Second post/)
    assert.match(texts[2]!, /Third post/)
    // From the timeline: j moves to the next post, o opens its thread, Escape goes back.
    await page.goto(at(page, `#/date/2024-05`))
    await page.waitForSelector('#feed article.post')
    assert.match(await page.locator('#feed article.post').first().innerText(), /京都/)
    assert.equal(await page.inputValue('#jump-month'), '2024-05')
    await page.keyboard.press('j')
    await page.keyboard.press('j')
    await page.keyboard.press('o')
    await page.waitForSelector('article.post.current')
    assert.match(page.url(), /#\/post\//)
    await page.keyboard.press('Escape')
    await page.waitForFunction(() => location.hash.startsWith('#/date/2024-05'))
    assertClean(v)
    await v.close()
  })

  it('loads images, steps through them in the lightbox, and keeps a content warning closed until clicked', async () => {
    const v = await browser.open(site, `#/post/${encodeURIComponent(ids.images)}`)
    const { page } = v
    await page.waitForSelector('article.post.current .media img')
    const images = page.locator('article.post.current .media img')
    assert.equal(await images.count(), 2)
    await page.waitForFunction(() => [...document.querySelectorAll('article.post.current .media img')].every((img) => (img as HTMLImageElement).complete))
    for (const width of await images.evaluateAll((all) => all.map((img) => (img as HTMLImageElement).naturalWidth))) assert.ok(width > 0)
    await images.first().click()
    await page.waitForSelector('#lightbox')
    assert.equal(await page.locator('#lightbox-counter').innerText(), '1 / 2')
    assert.equal(await page.locator('#lightbox-caption').innerText(), 'a red square')
    await page.keyboard.press('ArrowRight')
    assert.equal(await page.locator('#lightbox-counter').innerText(), '2 / 2')
    assert.equal(await page.locator('#lightbox-caption').innerText(), 'a green square')
    await page.click('#lightbox-next')
    assert.equal(await page.locator('#lightbox-counter').innerText(), '1 / 2')
    await page.waitForFunction(() => (document.querySelector('#lightbox-image') as HTMLImageElement).naturalWidth === 64)
    await page.keyboard.press('Escape')
    assert.equal(await page.locator('#lightbox').count(), 0)

    await page.goto(at(page, `#/post/${encodeURIComponent(ids.cw)}`))
    await page.waitForSelector('article.post.current details.cw')
    assert.equal(await page.locator('article.post.current .text').first().isVisible(), false)
    await page.click('article.post.current details.cw summary')
    assert.equal(await page.locator('article.post.current .text').first().isVisible(), true)
    assertClean(v)
    await v.close()
  })

  it('shows following, followers, blocks, mutes and lists, in Japanese for a Japanese browser, and writes the screenshot', async () => {
    const v = await browser.open(site, '#/people/following', { locale: 'ja-JP' })
    const { page } = v
    await page.waitForSelector('#people li')
    assert.equal(await page.locator('#people li').count(), 4)
    assert.match(await page.locator('main').innerText(), /フォロワー/)
    await page.click('a[href="#/people/lists"]')
    await page.waitForFunction(() => location.hash === '#/people/lists')
    assert.match(await page.locator('main').innerText(), /Friends/)
    await page.goBack()
    await page.waitForSelector('#people li')
    assert.equal(await page.locator('#people li a').first().getAttribute('href'), 'https://friends.test/users/bob-following')
    await page.goto(at(page, '#/'))
    await loaded(page)
    assert.match(await page.locator('header').innerText(), /タイムライン/)
    const shot = join(dir, 'viewer.png')
    await page.screenshot({ path: shot })
    if (process.env.LIFEBOAT_UPDATE_SCREENSHOT) {
      await mkdir('docs/images', { recursive: true })
      await copyFile(shot, 'docs/images/viewer.png')
    }
    assertClean(v)
    await v.close()
  })

  it('an unzipped archive opens by its own index.html, with media from media/ab/<sha256>', async () => {
    const archive = join(dir, 'embedded.zip')
    const embeddedIds = await writeSampleArchive(archive, { viewer: true })
    const unzipped = join(dir, 'unzipped')
    await extractArchive(archive, unzipped)
    const v = await browser.open(unzipped, `#/post/${encodeURIComponent(embeddedIds.images)}`, { colorScheme: 'dark' })
    const { page } = v
    await page.waitForSelector('article.post.current .media img')
    await page.waitForFunction(() => [...document.querySelectorAll('article.post.current .media img')].every((img) => (img as HTMLImageElement).naturalWidth > 0))
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert.equal(background, 'rgb(21, 23, 27)', 'dark mode follows prefers-color-scheme')
    assertClean(v)
    await v.close()
  })

  it('a 100,000-post archive: first page, a Japanese search, a date link and the DOM stays one page', async () => {
    const archive = join(dir, 'big.zip')
    const big = await writeSampleArchive(archive, { filler: 100_000 })
    const out = join(dir, 'big-site')
    const run = await runCommand({}, (cli) => view([archive], { output: out }, cli))
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.value!.posts, 100_012)
    const v = await browser.open(out)
    const { page } = v
    await page.waitForSelector('#feed article.post')
    assert.match(await page.locator('#feed article.post').first().innerText(), /The newest special post/)
    await loaded(page)
    assert.match(await page.locator('.pager .status').first().innerText(), /of 100,012/)
    await page.goto(at(page, '#/search?q=' + encodeURIComponent(JAPANESE_PHRASE)))
    await page.waitForSelector('#search-status')
    assert.match(await page.locator('#search-status').innerText(), /^1 result/)
    await page.click(`article[data-id="${big.japanese}"] .post-head a`)
    await page.waitForSelector('article.post.current')
    await page.goto(at(page, '#/date/2018-03'))
    await page.waitForSelector('#feed article.post')
    assert.match(await page.locator('#feed article.post time').first().getAttribute('datetime') ?? '', /^2018-03/)
    assert.ok((await page.locator('article').count()) <= 50)
    assertClean(v)
    await v.close()
  })
})
