// The CAR block store without a PDS: a CAR indexed while its bytes stream by (car-stream-index.ts) finds the same
// blocks at the same places as @ipld/car's indexer however the bytes are cut, and the store's cached pieces hand
// out every block intact, including blocks larger than a piece and blocks across piece boundaries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car/writer'
import { CarIndexer } from '@ipld/car/indexer'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { CID } from 'multiformats/cid'
import { CarStreamIndex } from '../../src/adapters/atproto/car-stream-index.js'
import { BlockHashError, CarBlockStore } from '../../src/adapters/atproto/car-file.js'

/** A CAR of `count` raw blocks of varied sizes (a few over 64 KiB), and their bytes by CID. */
async function carOf(count: number): Promise<{ bytes: Uint8Array; blocks: Map<string, Uint8Array>; root: CID }> {
  const blocks = new Map<string, Uint8Array>()
  const cids: CID[] = []
  for (let i = 0; i < count; i++) {
    const size = i % 97 === 5 ? 70_000 + i : 1 + ((i * 7919) % 3000)
    const bytes = new Uint8Array(size).map((_, j) => (i * 31 + j) & 0xff)
    const cid = CID.create(1, raw.code, await sha256.digest(bytes))
    blocks.set(cid.toString(), bytes)
    cids.push(cid)
  }
  const { writer, out } = CarWriter.create([cids[0]!])
  const chunks: Uint8Array[] = []
  const reading = (async () => {
    for await (const chunk of out) chunks.push(chunk)
  })()
  for (const cid of cids) await writer.put({ cid, bytes: blocks.get(cid.toString())! })
  await writer.close()
  await reading
  return { bytes: Buffer.concat(chunks), blocks, root: cids[0]! }
}

/** `bytes` cut into pieces of 1..max bytes (a fixed pseudo-random sequence). */
function* cut(bytes: Uint8Array, max: number): Generator<Uint8Array> {
  let seed = 7
  for (let at = 0; at < bytes.length; ) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    const n = 1 + (seed % max)
    yield bytes.subarray(at, at + n)
    at += n
  }
}

test('a CAR indexed as it streams by matches @ipld/car, however its bytes are cut; a cut-off CAR is incomplete', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-car-'))
  try {
    const car = await carOf(400)
    const path = join(dir, 'repo.car')
    await writeFile(path, car.bytes)
    const reference = await CarIndexer.fromIterable(createReadStream(path))
    const expected = new Map<string, string>()
    for await (const block of reference) expected.set(Buffer.from(block.cid.bytes).toString('latin1'), `${block.blockOffset}+${block.blockLength}`)
    for (const max of [1, 5, 64, 4096, car.bytes.length]) {
      const index = new CarStreamIndex()
      for (const chunk of cut(car.bytes, max)) index.push(chunk)
      assert.equal(index.complete, true, `chunks of up to ${max} bytes`)
      assert.deepEqual(index.roots.map(String), [car.root.toString()])
      assert.deepEqual(new Map([...index.blocks].map(([k, v]) => [k, `${v.offset}+${v.length}`])), expected, `chunks of up to ${max} bytes`)
    }
    const short = new CarStreamIndex()
    for (const chunk of cut(car.bytes.subarray(0, car.bytes.length - 3), 4096)) short.push(chunk)
    assert.equal(short.complete, false)
    const garbage = new CarStreamIndex()
    garbage.push(new Uint8Array(100_000).fill(0xff))
    assert.equal(garbage.complete, false)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('the block store hands out every block intact through its cached pieces, and refuses a block whose bytes changed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-car-'))
  const store = new CarBlockStore()
  try {
    const car = await carOf(600)
    const path = join(dir, 'repo.car')
    await writeFile(path, car.bytes)
    const index = new CarStreamIndex()
    for await (const chunk of index.pass(cut(car.bytes, 65536))) assert.ok(chunk.length > 0)
    const [root] = await store.addIndexed(path, index)
    assert.equal(root!.toString(), car.root.toString())
    assert.equal(store.size, car.blocks.size)
    // Forwards, backwards and interleaved, so pieces are read, evicted and read again.
    const cids = [...car.blocks.keys()]
    const order = [...cids, ...[...cids].reverse(), ...cids.filter((_, i) => i % 2 === 0), ...cids.filter((_, i) => i % 2 === 1)]
    await Promise.all(order.slice(0, 50).map((cid) => store.get(CID.parse(cid))))
    for (const cid of order) assert.deepEqual(new Uint8Array((await store.get(CID.parse(cid)))!), car.blocks.get(cid), cid)
    await store.close()

    // One byte changed inside a block: that block is refused, by CID, when read.
    const damaged = Buffer.from(await readFile(path))
    const victim = cids[123]!
    const located = new CarStreamIndex()
    located.push(damaged)
    const { offset } = located.blocks.get(Buffer.from(CID.parse(victim).bytes).toString('latin1'))!
    damaged[offset + 2]! ^= 0xff
    await writeFile(path, damaged)
    const again = new CarBlockStore()
    await again.addFile(path)
    await assert.rejects(again.get(CID.parse(victim)), BlockHashError)
    assert.ok(await again.get(CID.parse(cids[124]!)))
    await again.close()
  } finally {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})
