// The export through the fault proxy (test/_util/fault-proxy.ts) with 20% of all requests failing — 429 with
// Retry-After, 500/502/503, connections reset before or after the headers, bodies cut off — holds exactly what the
// fault-free export holds: byte for byte the same records, media, profile and compat files. FAULT_SEED=n replays another
// fault sequence.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { startFaultProxy, type FaultProxy } from '../_util/fault-proxy.js'
import { captureCli } from '../_util/cli.js'
import { FAST_HTTP, startWorld, type World } from './world.js'

/** Every member but the manifest, by its sha256: records, media, profile, native and compat files. */
async function members(path: string): Promise<Record<string, string>> {
  const reader = await ArchiveReader.open(path)
  try {
    return Object.fromEntries(Object.entries(reader.manifest.members).map(([name, m]) => [name, m.sha256]))
  } finally {
    reader.close()
  }
}

describe('export misskey through a faulty network', () => {
  let world: World
  let proxy: FaultProxy

  before(async () => {
    world = await startWorld()
    proxy = await startFaultProxy({
      target: world.old.url,
      rates: { status429: 0.03, status500: 0.04, status502: 0.03, status503: 0.03, reset: 0.04, truncate: 0.03 },
      retryAfterSeconds: 0.05,
      seed: Number(process.env.FAULT_SEED ?? 7),
    })
  })
  after(async () => {
    await proxy.close()
    await world.close()
  })

  it('with 20% of requests failing, the archive equals the fault-free one', async () => {
    const env = { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp }
    const clean = join(world.dir, 'clean.zip')
    const faulty = join(world.dir, 'faulty.zip')
    await exportMisskey({ server: world.old.url, output: clean }, captureCli({ env }).cli, { http: FAST_HTTP })
    const cleanRequests = world.old.log.length
    assert.equal(world.old.log.filter((e) => e.path.startsWith('/files/')).length, 40)
    const result = await exportMisskey({ server: proxy.url, output: faulty }, captureCli({ env }).cli, { http: { ...FAST_HTTP, maxRetries: 10 } })
    assert.deepEqual(result.failures, [])
    const injected = Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0)
    assert.ok(injected >= 0.1 * proxy.stats.requests, `faults were injected: ${JSON.stringify(proxy.stats)}`)
    assert.ok(Object.values(proxy.stats.injected).filter((n) => n > 0).length >= 4, 'several kinds of fault')
    // every request of the clean run, the 40 file downloads included, went through the proxy at least once
    assert.ok(proxy.stats.forwarded >= cleanRequests, `${proxy.stats.forwarded} forwarded, ${cleanRequests} in a clean run`)
    // the same bytes, member by member: records are written in an order that does not depend on timing
    assert.deepEqual(await members(faulty), await members(clean))
    assert.equal(Object.keys(await members(clean)).filter((m) => m.startsWith('media/')).length, 40)
  })
})
