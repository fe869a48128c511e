// Issue 3's figures: exporting an account of 10,000 records and 300 blobs from a real PDS behind 40 ms of added
// latency, as a ratio of the time to fetch the same CAR and blobs with maximal parallelism; the export's peak RSS
// (a child process running the real CLI); and an incremental backup of the unchanged account.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { createAccount } from '../src/demo/sample-account.js'
import { seedAtprotoAccount } from './_atproto-seed.js'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { report, timed } from './_report.js'
import { runLifeboat as cli } from './_cli.js'

const RECORDS = 10_000
const BLOBS = 300

function seed(pds: string) {
  return seedAtprotoAccount(pds, 'bench', RECORDS, BLOBS)
}

async function fetchAllParallel(base: string, did: string): Promise<number> {
  const cids: string[] = []
  let cursor: string | undefined
  for (;;) {
    const page = (await (await fetch(`${base}/xrpc/com.atproto.sync.listBlobs?did=${did}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { cids: string[]; cursor?: string }
    if (page.cids.length === 0) break
    cids.push(...page.cids)
    cursor = page.cursor
  }
  const sizes = await Promise.all([
    fetch(`${base}/xrpc/com.atproto.sync.getRepo?did=${did}`).then(async (r) => (await r.arrayBuffer()).byteLength),
    ...cids.map((cid) => fetch(`${base}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`).then(async (r) => (await r.arrayBuffer()).byteLength)),
  ])
  return sizes.length
}

const network = await TestNetworkNoAppView.create({})
const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-atproto-'))
const proxy = await startFaultProxy({ target: network.pds.url, latencyMs: 40 })
try {
  process.stderr.write(`seeding ${RECORDS} records and ${BLOBS} blobs …\n`)
  const account = await seed(network.pds.url)
  const baseline = await timed(() => fetchAllParallel(proxy.url, account.did))
  const exported = await timed(() => cli(['--quiet', 'export', 'atproto', account.did, '-o', join(dir, 'bench.zip'), '--pds', proxy.url]))
  if (exported.value.code !== 0) throw new Error(`export failed: ${exported.value.stderr}`)
  report({ name: `export ${RECORDS} records + ${BLOBS} blobs, 40 ms latency`, value: exported.ms / 1000, baseline: baseline.ms / 1000, unit: 's', against: 'fetching the same CAR and blobs all at once (no verification, no archive)', note: 'lower is better; includes process start, CID checks, MST walk, zip and re-verify' })
  report({ name: 'export peak RSS', value: exported.value.rssKb / 1024, baseline: 150, unit: 'MiB', against: 'the 150 MiB budget of a 1 GB VPS', note: 'must stay below 1.0' })

  // Issue 13: a restore of the same account (importRepo, then every blob checked against its CID and uploaded) onto
  // a fresh account on the same PDS, through the same latency, against the export's time.
  const target = await createAccount(network.pds.url, 'restored')
  const restored = await timed(() => cli(['--quiet', 'restore', '--archive', join(dir, 'bench.zip'), '--to-pds', proxy.url, '--did', target.did, '--password-env', 'BENCH_PW'], { BENCH_PW: target.password }))
  if (restored.value.code !== 0) throw new Error(`restore failed: ${restored.value.stderr}`)
  report({ name: `restore ${RECORDS} records + ${BLOBS} blobs from the archive, 40 ms latency`, value: restored.ms / 1000, baseline: exported.ms / 1000, unit: 's', against: 'the export of the same account', note: 'goal ≤ 1.0' })

  const store = join(dir, 'store')
  const first = await timed(() => cli(['--quiet', 'backup', 'atproto', account.did, '--store', store, '--pds', proxy.url]))
  proxy.resetStats()
  const again = await timed(() => cli(['--quiet', 'backup', 'atproto', account.did, '--store', store, '--pds', proxy.url]))
  if (first.value.code !== 0 || again.value.code !== 0) throw new Error(`backup failed: ${first.value.stderr}${again.value.stderr}`)
  report({ name: 'backup of the unchanged account', value: again.ms / 1000, baseline: first.ms / 1000, unit: 's', against: 'the first (full) backup', note: `${proxy.stats.requests} request(s)` })
  report({ name: 'backup peak RSS (full)', value: first.value.rssKb / 1024, baseline: 150, unit: 'MiB', against: 'the 150 MiB budget' })
} finally {
  await proxy.close()
  await network.close()
  await rm(dir, { recursive: true, force: true })
}
