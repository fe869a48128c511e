// Issue 7's figures, against the Mastodon test server (test/servers/mastodon) behind 40 ms of added latency:
// - exporting an account of 20,000 statuses and 1,000 media under Mastodon's request budgets, as a ratio of the
//   lower bound those budgets allow. Status pages are a chain (each page's Link names the next) of requests that all
//   draw on the paging budget (300 per window, Rack::Attack `throttle_authenticated_paging`, 15 min on Mastodon,
//   shrunk here to 60 s with the other windows in proportion). The bound is the fastest the export's paging
//   requests could run one after the other, 40 ms each, never sending more than 300 in one epoch-aligned window;
//   media downloads (outside /api) overlap it;
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

/**
 * The fastest `n` sequential requests of `latencyMs` each can finish, starting at `startMs`, when at most `limit`
 * may start in any window of `periodMs` aligned to the epoch (greedy is optimal for a single chain).
 */
export function chainBound(n: number, startMs: number, latencyMs: number, limit: number, periodMs: number): number {
  let t = startMs
  let window = Math.floor(t / periodMs)
  let used = 0
  for (let i = 0; i < n; i++) {
    const w = Math.floor(t / periodMs)
    if (w !== window) {
      window = w
      used = 0
    }
    if (used >= limit) {
      t = (window + 1) * periodMs
      window++
      used = 0
    }
    used++
    t += latencyMs
  }
  return t - startMs
}

function seed(server: MastodonTestServer, statuses: number, media: number): string {
  const alice = server.seed.account({ username: 'alice', displayName: 'Bench Alice', note: 'benchmarking', fields: [{ name: 'a', value: 'b' }] })
  const every = Math.max(1, Math.floor(statuses / Math.max(1, media)))
  server.seed.statuses(alice.id, statuses, (i) => ({
    text: `Bench status ${i}: some ordinary words about the day #bench${i % 20}`,
    visibility: (['public', 'unlisted', 'private', 'direct'] as const)[i % 4],
    media: i % every === 0 && i / every < media ? [{ bytes: randomBytes(16 * 1024 + (i % 32) * 256), contentType: 'image/jpeg', description: `picture ${i}` }] : undefined,
    edits: i % 1000 === 7 ? [{ text: 'an earlier version' }] : undefined,
  }))
  for (let i = 0; i < 200; i++) server.seed.follow(alice.id, server.seed.account({ username: `friend${i}`, domain: 'friends.test' }).id)
  return server.seed.token(alice.id)
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-mastodon-'))
  const server = await startMastodonServer({ domain: 'bench.test', rateLimits: LIMITS })
  const small = await startMastodonServer({ domain: 'small.test', rateLimits: LIMITS })
  const proxy = await startFaultProxy({ target: server.url, latencyMs: LATENCY_MS })
  const smallProxy = await startFaultProxy({ target: small.url, latencyMs: LATENCY_MS })
  try {
    process.stderr.write(`seeding ${STATUSES} statuses and ${MEDIA} media …\n`)
    const token = seed(server, STATUSES, MEDIA)
    server.resetRequestLog()
    const exported = await exportChild(server.url, proxy.url, join(dir, 'big.zip'), token)
    const paging = server.requests.filter((r) => /[?&](max_id|min_id|since_id|page)=/.test(r.query)).length
    const bound = chainBound(paging, exported.startedAt, LATENCY_MS, PAGING.limit, PAGING.periodSeconds * 1000)
    const media = server.count('GET /system/*')
    process.stderr.write(`export: ${(exported.ms / 1000).toFixed(1)} s, ${server.requests.length} requests (${paging} paging, ${media} media); bound ${(bound / 1000).toFixed(1)} s\n`)
    report({
      name: `export ${STATUSES} statuses + ${MEDIA} media, 40 ms latency, paging budget ${PAGING.limit}/${PAGING.periodSeconds} s`,
      value: exported.ms / 1000,
      baseline: bound / 1000,
      unit: 's',
      against: `the budget's lower bound for its ${paging} paging requests (40 ms each, ≤ ${PAGING.limit} per epoch-aligned window)`,
      note: 'lower is better; includes the CLI starting, collections, archive writing, zip and re-verify',
    })
    report({ name: 'export: requests refused (429)', value: server.requests.filter((r) => r.status === 429).length, baseline: server.requests.length, unit: 'requests', against: 'requests made', note: '0 means the export paced itself before the server had to refuse' })

    const smallToken = seed(small, 200, 10)
    const tiny = await exportChild(small.url, smallProxy.url, join(dir, 'small.zip'), smallToken)
    report({ name: 'export peak RSS', value: exported.rssKb / 1024, baseline: tiny.rssKb / 1024, unit: 'MiB', against: 'the same export of a 200-status account', note: '≈1.0 means memory does not grow with the account' })
  } finally {
    await Promise.all([proxy.close(), smallProxy.close()])
    await Promise.all([server.close(), small.close()])
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
