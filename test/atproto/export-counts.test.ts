// The AT Protocol export's performance features, shown by counting instead of timing, against a real in-process PDS:
// blob downloads kept BLOB_CONCURRENCY in flight (requests held at a proxy until that many wait), the repo CAR read
// through the block store's cached pieces (file reads counted), and the CAR indexed while it streams (@ipld/car's
// indexer called only for a CAR the stream index cannot follow).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { CarIndexer } from '@ipld/car/indexer'
import { createAccount, type SampleAccount } from '../../src/demo/sample-account.js'
import { solidPng } from '../../src/demo/png.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { BLOB_CONCURRENCY } from '../../src/adapters/atproto/source.js'
import { CarBlockStore } from '../../src/adapters/atproto/car-file.js'
import { CarStreamIndex } from '../../src/adapters/atproto/car-stream-index.js'
import { walkRecords } from '../../src/adapters/atproto/mst.js'
import { captureCli } from '../_util/cli.js'
import { heldInBatches, startHoldingProxy } from '../_util/holding-proxy.js'

const RECORDS = 2000
const BLOBS = 40

let network: TestNetworkNoAppView
let account: SampleAccount
let dir: string

/** `RECORDS` posts written 200 at a time, the first `BLOBS` of them with an image each (all different). */
async function seed(pds: string): Promise<SampleAccount> {
  const seeded = await createAccount(pds, 'many')
  const images = []
  for (let i = 0; i < BLOBS; i++) images.push((await seeded.agent.uploadBlob(solidPng(20, 20, [i, 2 * i, 90], i), { encoding: 'image/png' })).data.blob)
  const start = Date.parse('2026-01-01T00:00:00Z')
  for (let from = 0; from < RECORDS; from += 200) {
    const writes = []
    for (let i = from; i < Math.min(from + 200, RECORDS); i++) {
      const value: Record<string, unknown> = { $type: 'app.bsky.feed.post', text: `post ${i}`, createdAt: new Date(start + i * 1000).toISOString() }
      if (i < BLOBS) value.embed = { $type: 'app.bsky.embed.images', images: [{ image: images[i], alt: `image ${i}` }] }
      writes.push({ $type: 'com.atproto.repo.applyWrites#create' as const, collection: 'app.bsky.feed.post', value })
    }
    await seeded.agent.com.atproto.repo.applyWrites({ repo: seeded.did, writes })
  }
  return seeded
}

before(async () => {
  network = await TestNetworkNoAppView.create({})
  account = await seed(network.pds.url)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-atproto-counts-'))
})

after(async () => {
  await network?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const isBlob = (req: { url?: string }) => req.url?.startsWith('/xrpc/com.atproto.sync.getBlob?') ?? false

test(`blob downloads keep BLOB_CONCURRENCY (${BLOB_CONCURRENCY}) in flight: more than the old 8, no more than that`, async () => {
  // Each getBlob waits at the proxy until BLOB_CONCURRENCY are waiting (or every blob not yet let go is): a client
  // that keeps fewer in flight, because of its own limit or the host queue's, never gets there: the guard ends the
  // wait, sooner than the client's 30 s wait for response headers, so such a run fails on the count, not on retries.
  const batches = heldInBatches(BLOB_CONCURRENCY, BLOBS, 20_000)
  const proxy = await startHoldingProxy({ target: network.pds.url, counts: isBlob, hold: (req) => (isBlob(req) ? batches.hold() : undefined) })
  try {
    const result = await exportAtproto(account.did, { output: join(dir, 'concurrent.zip'), pds: proxy.url }, captureCli().cli)
    assert.ok(proxy.stats.peak > 8, `at most ${proxy.stats.peak} blob downloads were in flight at once`)
    assert.ok(proxy.stats.peak <= BLOB_CONCURRENCY, `${proxy.stats.peak} blob downloads were in flight at once`)
    assert.equal(proxy.stats.peak, BLOB_CONCURRENCY)
    assert.equal(batches.stalls, 0)
    assert.equal(result.failures.length, 0)
    assert.equal(result.manifest.counts.media, BLOBS)
    assert.equal(proxy.stats.requests, BLOBS, 'each blob is fetched once')
  } finally {
    await proxy.close()
  }
})

/** Counts the file reads made while `work` runs, through FileHandle.read (the block store's) and fs.read. */
async function countingReads<T>(work: () => Promise<T>): Promise<{ result: T; reads: number }> {
  const probe = await open(join(dir, 'probe'), 'w')
  const handles = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => unknown }
  await probe.close()
  const mutable = fs as unknown as { read: (...args: unknown[]) => unknown }
  const original = { handle: handles.read, fs: mutable.read }
  let reads = 0
  handles.read = function (this: unknown, ...args: unknown[]) {
    reads++
    return original.handle.apply(this, args)
  }
  mutable.read = (...args: unknown[]) => (reads++, original.fs(...args))
  try {
    return { result: await work(), reads }
  } finally {
    handles.read = original.handle
    mutable.read = original.fs
  }
}

test(`a walk of ${RECORDS} records reads the repo CAR through cached pieces: a few reads, not one per block`, async () => {
  const response = await fetch(`${network.pds.url}/xrpc/com.atproto.sync.getRepo?did=${account.did}`)
  assert.equal(response.status, 200)
  const path = join(dir, 'repo.car')
  await writeFile(path, new Uint8Array(await response.arrayBuffer()))
  const index = new CarStreamIndex()
  index.push(await fs.promises.readFile(path))
  const store = new CarBlockStore()
  try {
    const [root] = await store.addIndexed(path, index)
    const blocks = store.size
    const { result: records, reads } = await countingReads(async () => {
      let records = 0
      for await (const entry of walkRecords(store, root!)) if (entry.bytes.length > 0) records++
      return records
    })
    assert.equal(records, RECORDS)
    // The CAR here is ~400 KiB, 7 pieces of 64 KiB that all stay cached: 11 reads measured (the pieces, and the few
    // blocks that straddle two pieces, read on their own). Without the cache it is a read per block (~2,570).
    assert.ok(reads > 0, 'the walk read the file')
    assert.ok(reads <= 33, `${reads} file reads for ${records} records in ${blocks} blocks`)
  } finally {
    await store.close()
  }
})

/** Counts the CARs indexed by @ipld/car (the fallback) while `work` runs. */
async function countingIndexers<T>(work: () => Promise<T>): Promise<{ result: T; indexed: number }> {
  const mutable = CarIndexer as unknown as { fromIterable: (...args: unknown[]) => unknown }
  const original = mutable.fromIterable
  let indexed = 0
  mutable.fromIterable = (...args: unknown[]) => (indexed++, original.apply(CarIndexer, args))
  try {
    return { result: await work(), indexed }
  } finally {
    mutable.fromIterable = original
  }
}

test('the repo CAR is indexed as it downloads; @ipld/car indexes only one the stream index cannot follow (a CARv2)', async () => {
  const plain = await countingIndexers(() => exportAtproto(account.did, { output: join(dir, 'streamed.zip'), pds: network.pds.url }, captureCli().cli))
  assert.equal(plain.result.manifest.counts.posts, RECORDS)
  assert.equal(plain.indexed, 0, 'a plain CARv1 needs no second pass')

  // The PDS seen through a server that wraps the repo CAR in a CARv2 (ipld.io/specs/transport/car/carv2): the same
  // blocks after an 11-byte pragma and a 40-byte header, which @ipld/car reads and the stream index does not.
  const proxy = createServer(async (req, res) => {
    const answer = await fetch(network.pds.url + req.url)
    let body: Buffer = Buffer.from(await answer.arrayBuffer())
    if (req.url?.startsWith('/xrpc/com.atproto.sync.getRepo?') && answer.ok) body = carV2(body)
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' }).end(body)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  try {
    const pds = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    const wrapped = await countingIndexers(() => exportAtproto(account.did, { output: join(dir, 'car-v2.zip'), pds }, captureCli().cli))
    assert.equal(wrapped.result.failures.length, 0)
    assert.equal(wrapped.result.manifest.counts.posts, RECORDS)
    assert.equal(wrapped.result.manifest.counts.media, BLOBS)
    assert.equal(wrapped.indexed, 1, 'the CARv2 is indexed from the file')
  } finally {
    proxy.closeAllConnections()
    await new Promise((resolve) => proxy.close(resolve))
  }
})

/** A CARv1 as the data of a CARv2 with no index. */
function carV2(v1: Buffer): Buffer {
  const pragma = Buffer.from([0x0a, 0xa1, 0x67, ...Buffer.from('version'), 0x02])
  const header = Buffer.alloc(40)
  header.writeBigUInt64LE(BigInt(pragma.length + header.length), 16)
  header.writeBigUInt64LE(BigInt(v1.length), 24)
  return Buffer.concat([pragma, header, v1])
}
