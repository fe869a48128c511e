// Headless Chromium (Debian's `chromium`, driven by playwright-core) for the viewer tests. Every request the page
// makes and every console error is recorded, so tests can assert that nothing leaves file:// and nothing failed.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/** LIFEBOAT_CHROMIUM names the browser to use (and only it: a path that does not exist shows the skip). */
const CANDIDATES = process.env.LIFEBOAT_CHROMIUM ? [process.env.LIFEBOAT_CHROMIUM] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** The system Chromium, or null (the viewer's browser tests then skip with one line). */
export const CHROMIUM = CANDIDATES.find((path) => existsSync(path)) ?? null
export const SKIP_BROWSER = CHROMIUM ? false : 'no Chromium installed (apt-get install chromium): viewer browser tests skipped'
if (!CHROMIUM) console.log('# viewer: no Chromium installed (apt-get install chromium); browser tests skipped')

export interface ViewerBrowser {
  open(site: string, hash?: string, options?: { locale?: string; colorScheme?: 'light' | 'dark' }): Promise<ViewerPage>
  close(): Promise<void>
}

export interface ViewerPage {
  page: Page
  requests: string[]
  errors: string[]
  close(): Promise<void>
}

export async function launchBrowser(): Promise<ViewerBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'lifeboat-chromium-'))
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--allow-file-access-from-files=false'],
    env: { ...process.env, HOME: profile },
  })
  return {
    async open(site, hash = '', options = {}) {
      const context: BrowserContext = await browser.newContext({ locale: options.locale ?? 'en-US', colorScheme: options.colorScheme ?? 'light', timezoneId: 'Asia/Tokyo', viewport: { width: 1000, height: 900 } })
      const page = await context.newPage()
      const requests: string[] = []
      const errors: string[] = []
      page.on('request', (request) => requests.push(request.url()))
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
      page.on('pageerror', (error) => errors.push(String(error)))
      page.setDefaultTimeout(30_000)
      const url = site.startsWith('http') ? site + hash : pathToFileURL(join(site, 'index.html')).href + hash
      await page.goto(url)
      return { page, requests, errors, close: () => context.close() }
    },
    async close() {
      await browser.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/** Waits until every data chunk has loaded (the page sets data-loaded on <html>). */
export async function loaded(page: Page): Promise<void> {
  await page.waitForSelector('html[data-loaded="true"]')
}
