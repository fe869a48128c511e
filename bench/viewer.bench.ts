// Issue 14's figures, at 1,000 and 100,000 posts: `lifeboat view` build time against reading the archive once; the
// cost of embedding the viewer in a new archive; and, in headless Chromium from file://, time to the first posts
// painted, search latency and the page's JS heap (aims: first paint < 1 s, search < 100 ms at 100,000 posts, heap
// growing far slower than the post count).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArchiveReader } from '../src/archive/reader.js'
import { buildSite } from '../src/viewer/site.js'
import { writeSampleArchive, JAPANESE_PHRASE } from '../test/viewer/_archives.js'
import { CHROMIUM, launchBrowser } from '../test/viewer/_browser.js'
import { report, timed } from './_report.js'

const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-viewer-'))
const heap: Record<number, number> = {}
try {
  for (const posts of [1_000, 100_000]) {
    const label = posts.toLocaleString('en')
    const plain = join(dir, `plain-${posts}.zip`)
    const withViewer = join(dir, `viewer-${posts}.zip`)
    const write = await timed(() => writeSampleArchive(plain, { filler: posts }))
    const writeViewer = await timed(() => writeSampleArchive(withViewer, { filler: posts, viewer: true }))
    report({ name: `archive with embedded viewer, ${label} posts`, value: writeViewer.ms, baseline: write.ms, unit: 'ms', against: 'the same archive without the viewer' })

    const read = await timed(async () => {
      const reader = await ArchiveReader.open(plain)
      let n = 0
      for await (const _ of reader.records('posts')) n++
      for await (const _ of reader.records('media')) n++
      reader.close()
      return n
    })
    const site = join(dir, `site-${posts}`)
    const build = await timed(() => buildSite([plain], site))
    report({ name: `lifeboat view build, ${label} posts`, value: build.ms, baseline: read.ms, unit: 'ms', against: 'reading the archive once' })

    if (!CHROMIUM) continue
    const browser = await launchBrowser()
    try {
      const v = await browser.open(site)
      await v.page.waitForSelector('#feed article.post')
      // Set by the page right after it drew the first posts, in its own clock (0 = navigation start).
      const paint = await v.page.evaluate(() => (window as unknown as { __lifeboatFirstPaint: number }).__lifeboatFirstPaint)
      report({ name: `first posts painted, ${label} posts`, value: paint, baseline: 1000, unit: 'ms', against: 'the 1 s aim' })
      await v.page.waitForSelector('html[data-loaded="true"]')
      await v.page.goto(v.page.url().split('#')[0] + '#/search?q=' + encodeURIComponent(JAPANESE_PHRASE))
      await v.page.waitForSelector('#search-status')
      const searchMs = await v.page.evaluate(() => (window as unknown as { __lifeboatSearchMs: number }).__lifeboatSearchMs)
      report({ name: `search latency, ${label} posts`, value: searchMs, baseline: 100, unit: 'ms', against: 'the 100 ms aim' })
      const client = await v.page.context().newCDPSession(v.page)
      await client.send('HeapProfiler.collectGarbage')
      const { usedSize } = (await client.send('Runtime.getHeapUsage')) as { usedSize: number }
      heap[posts] = usedSize / 1024 / 1024
      await v.close()
    } finally {
      await browser.close()
    }
  }
  if (heap[1_000] && heap[100_000]) {
    report({ name: 'page JS heap, 100,000 posts', value: heap[100_000]!, baseline: heap[1_000]!, unit: 'MiB', against: 'the heap at 1,000 posts', note: 'posts grew 100x' })
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
