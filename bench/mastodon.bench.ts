// Issue 7's figures, against the Mastodon test server (test/servers/mastodon) behind 40 ms of added latency:
// - exporting an account of 20,000 statuses and 1,000 media under Mastodon's request budgets, as a ratio of its
//   limit measured in the same run (bench/_limit.ts). Status pages are a chain (each page's Link names the next) of
//   requests that all draw on the paging budget (300 per window, Rack::Attack `throttle_authenticated_paging`, 15 min
//   on Mastodon, shrunk here to 60 s with the other windows in proportion). The limit client walks the statuses and
//   following chains side by side, spending the budget greedily (when X-RateLimit-Remaining reaches its last request
//   it waits for X-RateLimit-Reset), and fetches each page's media at once as the page names them. Both it and the
//   export start at the beginning of a fresh window, so each has the whole budget;
// - how many requests the server refused (429): pacing by X-RateLimit-* should leave none;
// - the export's peak RSS (a child process), against the same child exporting a 200-status account.
// The export runs as the real CLI (bench/_cli.ts) with --server naming the latency proxy, so every request (Link
// pages and media URLs included) goes through it.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMastodonServer, type MastodonTestServer } from '../test/servers/mastodon/mastodon-server.js'
import type { RateLimitOptions } from '../test/servers/mastodon/types.js'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { describeLimit, measureLimit, type Step } from './_limit.js'
import { report } from './_report.js'
import { runLifeboat } from './_cli.js'

const STATUSES = 20_000
const MEDIA = 1_000
const LATENCY_MS = 40
const PAGING = { limit: 300, periodSeconds: 60 }
/** Mastodon's budgets (rack_attack.rb) with 15 min shrunk to 60 s. */
const LIMITS: RateLimitOptions = { paging: PAGING, perToken: { limit: 300, periodSeconds: 20 }, perUser: { limit: 1500, periodSeconds: 20 }, unauthenticated: { limit: 300, periodSeconds: 20 } }

/** The real CLI, pointed at the proxy (paging links are followed on the configured server whatever host they name). */
async function exportChild(_server: string, proxy: string, output: string, token: string): Promise<{ ms: number; rssKb: number; startedAt: number }> {
  const startedAt = Date.now()
  const run = await runLifeboat(['--quiet', 'export', 'mastodon', '--server', proxy, '-o', output], { LIFEBOAT_MASTODON_TOKEN: token })
  if (run.code !== 0) throw new Error(`export failed (${run.code}): ${run.stderr}`)
  return { ms: run.ms, rssKb: run.rssKb, startedAt }
}

/** Sleeps until the next epoch-aligned window of the paging budget starts. */
async function freshWindow(): Promise<void> {
  const period = PAGING.periodSeconds * 1000
  await new Promise((resolve) => setTimeout(resolve, period - (Date.now() % period) + 50))
}

/** A Link-header chain under the paging budget, shared by every chain of one client; media fetched as pages name them. */
function budgetedChains(proxy: string, token: string, media: Promise<unknown>[]): (first: string) => Step {
  // as the export does, links and media URLs are followed on the server given, whatever host they name
  const onProxy = (url: string) => {
    const u = new URL(url)
    return `${proxy}${u.pathname}${u.search}`
  }
  let remaining = Infinity
  let resetAt = 0
  const headers = { authorization: `Bearer ${token}` }
  return (first) => async (next) => {
    for (;;) {
      if (remaining <= 1 && Date.now() < resetAt) await new Promise((resolve) => setTimeout(resolve, resetAt - Date.now()))
      const res = await fetch(next ?? first, { headers })
      const left = Number(res.headers.get('x-ratelimit-remaining'))
      const reset = Date.parse(res.headers.get('x-ratelimit-reset') ?? '')
      if (Number.isFinite(left) && Number.isFinite(reset)) {
        remaining = reset > resetAt + 1000 ? left : Math.min(remaining, left)
        resetAt = Math.max(resetAt, reset)
      }
      if (res.status === 429) {
        await res.arrayBuffer()
        remaining = 0
        continue
      }
      const page = (await res.json()) as { media_attachments?: { url: string }[] }[]
      for (const status of page) {
        for (const m of status.media_attachments ?? []) media.push(fetch(onProxy(m.url)).then((r) => r.arrayBuffer()))
      }
      const link = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
      return link ? onProxy(link) : null
    }
  }
}

function seed(server: MastodonTestServer, statuses: number, media: number): { token: string; id: string } {
  const alice = server.seed.account({ username: 'alice', displayName: 'Bench Alice', note: 'benchmarking', fields: [{ name: 'a', value: 'b' }] })
  const every = Math.max(1, Math.floor(statuses / Math.max(1, media)))
  server.seed.statuses(alice.id, statuses, (i) => ({
    text: `Bench status ${i}: some ordinary words about the day #bench${i % 20}`,
    visibility: (['public', 'unlisted', 'private', 'direct'] as const)[i % 4],
    media: i % every === 0 && i / every < media ? [{ bytes: randomBytes(16 * 1024 + (i % 32) * 256), contentType: 'image/jpeg', description: `picture ${i}` }] : undefined,
    edits: i % 1000 === 7 ? [{ text: 'an earlier version' }] : undefined,
  }))
  for (let i = 0; i < 200; i++) server.seed.follow(alice.id, server.seed.account({ username: `friend${i}`, domain: 'friends.test' }).id)
  return { token: server.seed.token(alice.id), id: alice.id }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-mastodon-'))
  const server = await startMastodonServer({ domain: 'bench.test', rateLimits: LIMITS })
  const small = await startMastodonServer({ domain: 'small.test', rateLimits: LIMITS })
  const proxy = await startFaultProxy({ target: server.url, latencyMs: LATENCY_MS })
  const smallProxy = await startFaultProxy({ target: small.url, latencyMs: LATENCY_MS })
  try {
    process.stderr.write(`seeding ${STATUSES} statuses and ${MEDIA} media …\n`)
    const { token, id } = seed(server, STATUSES, MEDIA)
    await freshWindow()
    const downloads: Promise<unknown>[] = []
    const chain = budgetedChains(proxy.url, token, downloads)
    const account = `${proxy.url}/api/v1/accounts/${id}`
    const walked = await measureLimit([chain(`${account}/statuses?limit=40`), chain(`${account}/following?limit=80`)], [])
    const drained = Date.now()
    await Promise.all(downloads)
    const limit = { ...walked, ms: walked.ms + (Date.now() - drained), media: downloads.length }
    await freshWindow()
    server.resetRequestLog()
    const exported = await exportChild(server.url, proxy.url, join(dir, 'big.zip'), token)
    const paging = server.requests.filter((r) => /[?&](max_id|min_id|since_id|page)=/.test(r.query)).length
    const media = server.count('GET /system/*')
    process.stderr.write(`export: ${(exported.ms / 1000).toFixed(1)} s, ${server.requests.length} requests (${paging} paging, ${media} media); limit ${(limit.ms / 1000).toFixed(1)} s\n`)
    report({
      name: `export ${STATUSES} statuses + ${MEDIA} media, 40 ms latency, paging budget ${PAGING.limit}/${PAGING.periodSeconds} s`,
      value: exported.ms / 1000,
      baseline: limit.ms / 1000,
      unit: 's',
      against: `${describeLimit(limit, ['statuses', 'following'])}, spending the paging budget greedily`,
      note: 'lower is better; goal ≤ 1.3; includes the CLI starting, collections, archive writing, zip and re-verify',
    })
    report({ name: 'export: requests refused (429)', value: server.requests.filter((r) => r.status === 429).length, baseline: server.requests.length, unit: 'requests', against: 'requests made', note: '0 means the export paced itself before the server had to refuse' })

    const smallToken = seed(small, 200, 10).token
    const tiny = await exportChild(small.url, smallProxy.url, join(dir, 'small.zip'), smallToken)
    report({ name: 'export peak RSS', value: exported.rssKb / 1024, baseline: tiny.rssKb / 1024, unit: 'MiB', against: 'the same export of a 200-status account', note: '≈1.0 means memory does not grow with the account' })
  } finally {
    await Promise.all([proxy.close(), smallProxy.close()])
    await Promise.all([server.close(), small.close()])
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
