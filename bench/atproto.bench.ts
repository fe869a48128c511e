// Issue 3's and issue 13's figures for AT Protocol: exporting accounts of 1,000 records (30 blobs), 10,000 (300) and
// 30,000 (300) from a real PDS behind 40 ms of added latency, each as a ratio of the limit (the same CAR and blobs
// fetched with maximal parallelism) and of a naive script (the CAR, then each blob one after the other: what a user
// would write), all measured in the same run; the export's peak RSS (a child process running the real CLI); a restore
// of the 10,000-record account against its export; and an incremental backup of the unchanged account.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { createAccount } from '../src/demo/sample-account.js'
import { seedAtprotoAccount } from './_atproto-seed.js'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { report, timed } from './_report.js'
import { runLifeboat as cli } from './_cli.js'

/** The accounts of issue 13's table: records and blobs. */
const SIZES = [
  { records: 1_000, blobs: 30 },
  { records: 10_000, blobs: 300 },
  { records: 30_000, blobs: 300 },
] as const
/** The account the restore and backup figures use. */
const MAIN = 1

async function listBlobCids(base: string, did: string): Promise<string[]> {
  const cids: string[] = []
  let cursor: string | undefined
  for (;;) {
    const page = (await (await fetch(`${base}/xrpc/com.atproto.sync.listBlobs?did=${did}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { cids: string[]; cursor?: string }
    if (page.cids.length === 0) break
    cids.push(...page.cids)
    cursor = page.cursor
  }
  return cids
}

/** The limit: the blob list, then the CAR and every blob requested at once. */
async function fetchAllParallel(base: string, did: string): Promise<number> {
  const cids = await listBlobCids(base, did)
  const sizes = await Promise.all([
    fetch(`${base}/xrpc/com.atproto.sync.getRepo?did=${did}`).then(async (r) => (await r.arrayBuffer()).byteLength),
    ...cids.map((cid) => fetch(`${base}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`).then(async (r) => (await r.arrayBuffer()).byteLength)),
  ])
  return sizes.length
}

/** The naive script: the CAR, then the blob list, then each blob in turn. */
async function fetchAllSequential(base: string, did: string): Promise<number> {
  let bytes = (await (await fetch(`${base}/xrpc/com.atproto.sync.getRepo?did=${did}`)).arrayBuffer()).byteLength
  for (const cid of await listBlobCids(base, did)) bytes += (await (await fetch(`${base}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`)).arrayBuffer()).byteLength
  return bytes
}

const network = await TestNetworkNoAppView.create({})
const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-atproto-'))
const proxy = await startFaultProxy({ target: network.pds.url, latencyMs: 40 })
try {
  let exportedMain = 0
  let account!: Awaited<ReturnType<typeof seedAtprotoAccount>>
  for (const [i, size] of SIZES.entries()) {
    const { records: RECORDS, blobs: BLOBS } = size
    process.stderr.write(`seeding ${RECORDS} records and ${BLOBS} blobs …\n`)
    const seeded = await seedAtprotoAccount(network.pds.url, `bench${i}`, RECORDS, BLOBS)
    const baseline = await timed(() => fetchAllParallel(proxy.url, seeded.did))
    const naive = await timed(() => fetchAllSequential(proxy.url, seeded.did))
    const exported = await timed(() => cli(['--quiet', 'export', 'atproto', seeded.did, '-o', join(dir, `bench${i}.zip`), '--pds', proxy.url]))
    if (exported.value.code !== 0) throw new Error(`export failed: ${exported.value.stderr}`)
    report({ name: `export ${RECORDS} records + ${BLOBS} blobs, 40 ms latency`, value: exported.ms / 1000, baseline: baseline.ms / 1000, unit: 's', against: 'fetching the same CAR and blobs all at once (no verification, no archive)', note: 'goal ≤ 1.3; includes process start, CID checks, MST walk, zip and the check before the rename' })
    report({ name: `export ${RECORDS} records + ${BLOBS} blobs against the naive script`, value: exported.ms / 1000, baseline: naive.ms / 1000, unit: 's', against: 'the CAR, then each blob one after the other, in the same run', note: 'goal < 1.0' })
    report({ name: `export ${RECORDS} records peak RSS`, value: exported.value.rssKb / 1024, baseline: 150, unit: 'MiB', against: 'the 150 MiB budget of a 1 GB VPS', note: 'must stay below 1.0' })
    if (i === MAIN) {
      account = seeded
      exportedMain = exported.ms
    }
  }
  const RECORDS = SIZES[MAIN].records
  const BLOBS = SIZES[MAIN].blobs

  // Issue 13: a restore of the same account (importRepo, then every blob checked against its CID and uploaded) onto
  // a fresh account on the same PDS, through the same latency, against the export's time.
  const target = await createAccount(network.pds.url, 'restored')
  const restored = await timed(() => cli(['--quiet', 'restore', '--archive', join(dir, `bench${MAIN}.zip`), '--to-pds', proxy.url, '--did', target.did, '--password-env', 'BENCH_PW'], { BENCH_PW: target.password }))
  if (restored.value.code !== 0) throw new Error(`restore failed: ${restored.value.stderr}`)
  report({ name: `restore ${RECORDS} records + ${BLOBS} blobs from the archive, 40 ms latency`, value: restored.ms / 1000, baseline: exportedMain / 1000, unit: 's', against: 'the export of the same account', note: 'goal ≤ 1.0' })

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
