// Issue 13's memory goal for AT Protocol exports: peak RSS of exporting 30,000 records (300 blobs) against 1,000
// records (30 blobs) from one real PDS behind 40 ms of added latency — ≤ 1.2, and under 120 MiB at 30,000 — however
// the CLI is started: bin/lifeboat.js executed (its shebang) and `node bin/lifeboat.js` (none). Each export is its own
// child process; its peak is VmHWM (bench/_rss.mjs).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { seedAtprotoAccount } from './_atproto-seed.js'
import { runLifeboat } from './_cli.js'
import { report } from './_report.js'

const network = await TestNetworkNoAppView.create({})
const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-atproto-memory-'))
const proxy = await startFaultProxy({ target: network.pds.url, latencyMs: 40 })
try {
  process.stderr.write('seeding 1,000 and 30,000 records …\n')
  const small = await seedAtprotoAccount(network.pds.url, 'small', 1_000, 30)
  const large = await seedAtprotoAccount(network.pds.url, 'large', 30_000, 300)
  let n = 0
  const exportRss = async (did: string, how: 'exec' | 'node'): Promise<number> => {
    const run = await runLifeboat(['--quiet', 'export', 'atproto', did, '-o', join(dir, `${n++}.zip`), '--pds', proxy.url], {}, how)
    if (run.code !== 0 || !run.rssKb) throw new Error(`export failed (${run.code}): ${run.stderr}`)
    return run.rssKb / 1024
  }
  for (const how of ['exec', 'node'] as const) {
    const started = how === 'exec' ? 'bin/lifeboat.js executed' : 'node bin/lifeboat.js'
    const base = await exportRss(small.did, how)
    const big = await exportRss(large.did, how)
    report({ name: `export peak RSS, 30,000 records ÷ 1,000 (${started})`, value: big, baseline: base, unit: 'MiB', against: 'the same export of 1,000 records and 30 blobs', note: 'goal ≤ 1.2' })
    report({ name: `export peak RSS, 30,000 records (${started})`, value: big, baseline: 120, unit: 'MiB', against: 'the 120 MiB goal', note: 'goal ≤ 1.0' })
  }
} finally {
  await proxy.close()
  await network.close()
  await rm(dir, { recursive: true, force: true })
}
