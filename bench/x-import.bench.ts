// `lifeboat import x-archive` on a 100,000-tweet archive (X_BENCH_TWEETS to change it): the CLI's peak RSS against the
// same import of a 1,000-tweet archive in the same run. The archive is the real 2024 fixture's tweets repeated with new
// ids (media entities dropped, so that every tweet maps and none is reported missing), written to disk streaming.
// ≈1.0 means memory does not grow with the archive: tweets.js is scanned element by element, never held whole.
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runLifeboat } from './_cli.js'
import { report } from './_report.js'

const FIXTURE = 'fixtures/x/tweets.js-era_2024_alrocar-x'
const BIG = Number(process.env.X_BENCH_TWEETS ?? 100_000)
const SMALL = 1_000

async function archiveOf(dir: string, count: number): Promise<string> {
  const root = join(dir, `twitter-${count}`)
  await mkdir(join(root, 'data'), { recursive: true })
  for (const file of ['account.js', 'profile.js', 'manifest.js']) await cp(join(FIXTURE, 'data', file), join(root, 'data', file))
  const text = await readFile(join(FIXTURE, 'data/tweets.js'), 'utf8')
  const tweets = (JSON.parse(text.slice(text.indexOf('=') + 1)) as { tweet: Record<string, unknown> }[]).map((t) => {
    const { extended_entities: _e, ...tweet } = t.tweet
    return { ...tweet, entities: { ...(tweet.entities as object), media: [] } }
  })
  const out = createWriteStream(join(root, 'data/tweets.js'))
  out.write('window.YTD.tweets.part0 = [\n')
  for (let i = 0; i < count; i++) {
    const id = String(1700000000000000000n + BigInt(i))
    const line = `${i > 0 ? ',\n' : ''}  ${JSON.stringify({ tweet: { ...tweets[i % tweets.length], id_str: id, id } }, null, 2)}`
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end('\n]')
  await once(out, 'finish')
  return root
}

const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-x-'))
try {
  const runs: Record<number, { rssKb: number; ms: number }> = {}
  for (const count of [SMALL, BIG]) {
    const archive = await archiveOf(dir, count)
    const run = await runLifeboat(['import', 'x-archive', archive, '-o', join(dir, `out-${count}.zip`)])
    if (run.code !== 0) throw new Error(`import of ${count} tweets exited ${run.code}: ${run.stderr.slice(-500)}`)
    runs[count] = { rssKb: run.rssKb, ms: run.ms }
    await rm(archive, { recursive: true, force: true })
  }
  report({ name: `x import peak RSS (${BIG} tweets)`, value: runs[BIG]!.rssKb / 1024, baseline: runs[SMALL]!.rssKb / 1024, unit: 'MiB', against: `the same import of ${SMALL} tweets`, note: '≈1.0 means memory does not grow with the archive' })
  report({ name: `x import tweets/s (${BIG} tweets)`, value: BIG / (runs[BIG]!.ms / 1000), baseline: SMALL / (runs[SMALL]!.ms / 1000), unit: 'tweets/s', against: `the ${SMALL}-tweet import (start-up dominated)` })
} finally {
  await rm(dir, { recursive: true, force: true })
}
