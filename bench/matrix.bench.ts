// Issue 5's figures: exporting a Matrix room of 100,000 events (with 100 images) from the test homeserver behind
// 40 ms of added latency per request, as a ratio of its limit measured in the same run (bench/_limit.ts): the chain
// of `/messages` pages fetched one after the other by a bare loop through the same proxy, with every image fetched at
// once beside it — and the export's peak RSS against exporting a room of 1,000 events (≈1.0 means memory stays flat).
// Each export runs in its own child process with bench/_rss.mjs preloaded.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { startMatrixServer } from '../test/servers/matrix/server.js'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { runLifeboat } from './_cli.js'
import { describeLimit, measureLimit, type Step } from './_limit.js'
import { report } from './_report.js'

const LATENCY_MS = 40
const PAGE = 1000

/** The real CLI in its own process, so its peak memory is measured apart from the servers hosted here. */
async function exportInChild(url: string, user: string, token: string, output: string): Promise<{ ms: number; rssMiB: number }> {
  const run = await runLifeboat(['--quiet', 'export', 'matrix', '--homeserver', url, '--user', user, '-o', output, '--force'], { LIFEBOAT_MATRIX_TOKEN: token })
  if (run.code !== 0 || !run.rssKb) throw new Error(`export child failed (${run.code}): ${run.stderr}`)
  return { ms: run.ms, rssMiB: run.rssKb / 1024 }
}

/** The room's `/messages` chain, newest first, as the export walks it. */
function messages(url: string, token: string, roomId: string): Step {
  return async (from) => {
    const query = new URLSearchParams({ dir: 'b', limit: String(PAGE), ...(from ? { from } : {}) })
    const res = await fetch(`${url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query}`, { headers: { authorization: `Bearer ${token}` } })
    const page = (await res.json()) as { end?: string }
    return page.end ?? null
  }
}

async function main(): Promise<void> {
  const server = await startMatrixServer()
  const proxy = await startFaultProxy({ target: server.url, latencyMs: LATENCY_MS })
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-matrix-'))
  try {
    const alice = server.seed.user('alice')
    const bob = server.seed.user('bob')
    const images = Array.from({ length: 100 }, (_, i) => server.seed.media({ bytes: randomBytes(32 * 1024), contentType: 'image/jpeg', fileName: `p${i}.jpg` }))
    const big = server.seed.room({ creator: alice.userId, kind: 'public', name: 'Big', members: [bob.userId] })
    server.seed.messages(big, {
      count: 100_000,
      senders: [alice.userId, bob.userId],
      content: (k) => (k % 1000 === 500 ? { msgtype: 'm.image', body: `picture ${k}`, url: images[k / 1000 - 0.5]!, info: { mimetype: 'image/jpeg' } } : { msgtype: 'm.text', body: `Message ${k + 1} with some words in it` }),
    })
    const media = images.map((mxc) => `${proxy.url}/_matrix/client/v1/media/download/${mxc.slice('mxc://'.length)}`)
    const limit = await measureLimit([messages(proxy.url, alice.accessToken, big)], media, { headers: { authorization: `Bearer ${alice.accessToken}` } })
    const large = await exportInChild(proxy.url, alice.userId, alice.accessToken, join(dir, 'big.zip'))
    report({
      name: 'export of a 100,000-event room + 100 images, 40 ms latency',
      value: large.ms / 1000,
      baseline: limit.ms / 1000,
      unit: 's',
      against: `${describeLimit(limit, ['/messages'])} (latency alone: ${((limit.pages[0]! * LATENCY_MS) / 1000).toFixed(1)} s)`,
      note: 'lower is better; goal ≤ 1.3; includes the CLI starting, /sync, state, archive writing, zip and re-verify',
    })

    const small = server.seed.user('carol')
    const smallRoom = server.seed.room({ creator: small.userId, kind: 'public', name: 'Small' })
    server.seed.messages(smallRoom, { count: 1000, senders: [small.userId] })
    const baseline = await exportInChild(proxy.url, small.userId, small.accessToken, join(dir, 'small.zip'))
    report({
      name: 'peak RSS exporting a 100,000-event room',
      value: large.rssMiB,
      baseline: baseline.rssMiB,
      unit: 'MiB',
      against: 'peak RSS exporting a 1,000-event room',
      note: '≈1.0 means memory does not grow with the room',
    })
  } finally {
    await proxy.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
