// The conformance suite: every Source and Target passes the same tests against its own test server (the table in
// networks.ts), the way rclone's fstests run against every backend. An export holds what the server holds (counts,
// media hashes); a faulty network (test/_util/fault-proxy.ts) changes nothing in the archive; a 429 is waited out as
// long as the server asked; `--since` exports only what is new; a replay done twice follows each account once.
// CONFORMANCE_NETWORKS=misskey,matrix runs those networks only.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ArchiveReader } from '../../src/archive/reader.js'
import type { RecordKind } from '../../src/archive/format.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { captureCli } from '../_util/cli.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { CASES, scratchDir, type Fixture } from './networks.js'

/**
 * The account's members: records (as `normalize` leaves them), media, profile, native and compat files by sha256.
 * Left out are those that name the server the export ran against (a proxy's address here): the cursor and the
 * viewer's page data.
 */
async function members(path: string, normalize?: Fixture['normalize']): Promise<Record<string, unknown>> {
  const reader = await ArchiveReader.open(path)
  try {
    const named = (name: string) => name.startsWith('viewer/') || /^native\/[^/]+\/cursor\.json$/.test(name)
    const out: Record<string, unknown> = {}
    for (const [name, member] of Object.entries(reader.manifest.members)) {
      if (named(name)) continue
      const kind = /^([a-z-]+)\.jsonl$/.exec(name)?.[1]
      if (!normalize || !kind) {
        out[name] = member.sha256
        continue
      }
      const records: unknown[] = []
      for await (const record of reader.records(kind as RecordKind)) records.push(normalize(record as unknown as Record<string, unknown>))
      out[name] = records
    }
    return out
  } finally {
    reader.close()
  }
}

async function mediaHashes(path: string): Promise<string[]> {
  const reader = await ArchiveReader.open(path)
  try {
    const hashes: string[] = []
    for await (const media of reader.records('media')) hashes.push(media.sha256)
    return hashes.sort()
  } finally {
    reader.close()
  }
}

/** The --json events of one kind a run printed. */
function events(stdout: string, type: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.event === type)
}

const chosen = process.env.CONFORMANCE_NETWORKS?.split(',').map((n) => n.trim())

for (const network of CASES) {
  describe(`conformance: ${network.network}`, { skip: chosen !== undefined && !chosen.includes(network.network) }, () => {
    let fixture: Fixture
    let scratch: Awaited<ReturnType<typeof scratchDir>>
    let first: string

    before(async () => {
      fixture = await network.start()
      scratch = await scratchDir(network.network)
      first = join(scratch.dir, 'first.zip')
    })
    after(async () => {
      await fixture?.close()
      await scratch?.remove()
    })

    it('exports what the server holds: the counts of every kind and the bytes of every medium', async () => {
      const result = await fixture.exportTo(first, captureCli({ env: fixture.env }).cli)
      assert.deepEqual(result.failures, [])
      assert.ok((await verifyArchive(first)).ok)
      for (const [kind, count] of Object.entries(fixture.expected.counts)) assert.equal(result.manifest.counts[kind as keyof typeof result.manifest.counts], count, kind)
      assert.deepEqual(await mediaHashes(first), [...fixture.expected.media].sort())
    })

    it('retries faults: through a faulty network the archive is the fault-free one', async () => {
      const proxy = await startFaultProxy({ target: fixture.origin, rates: { status500: 0.04, status502: 0.03, status503: 0.03, reset: 0.04, truncate: 0.03 }, seed: 12 })
      try {
        const output = join(scratch.dir, 'faulty.zip')
        const result = await fixture.exportTo(output, captureCli({ env: fixture.env }).cli, { server: proxy.url })
        assert.deepEqual(result.failures, [])
        const injected = Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0)
        assert.ok(injected > 0, `faults were injected: ${JSON.stringify(proxy.stats)}`)
        assert.deepEqual(await members(output, fixture.normalize), await members(first, fixture.normalize))
      } finally {
        await proxy.close()
      }
    })

    it('honours a 429: waits as long as Retry-After says, then holds everything', async () => {
      const proxy = await startFaultProxy({ target: fixture.origin, rates: { status429: 0.15 }, retryAfterSeconds: 0.2, seed: 5 })
      try {
        const output = join(scratch.dir, 'limited.zip')
        const captured = captureCli({ env: fixture.env, json: true })
        const result = await fixture.exportTo(output, captured.cli, { server: proxy.url })
        assert.deepEqual(result.failures, [])
        assert.ok(proxy.stats.injected.status429 > 0, JSON.stringify(proxy.stats))
        const waits = events(captured.stdout(), 'rate-limited')
        assert.ok(waits.length > 0, 'the client reported waiting for the limit')
        for (const wait of waits) assert.ok((wait.waitMs as number) >= 200, `waited ${String(wait.waitMs)} ms of the 200 asked`)
        assert.deepEqual(await members(output, fixture.normalize), await members(first, fixture.normalize))
      } finally {
        await proxy.close()
      }
    })

    it('--since exports only what is newer than the earlier archive', async (t) => {
      const since = fixture.since
      if (!since) return t.skip(`${network.network} exports have no --since`)
      await since.add()
      const output = join(scratch.dir, 'since.zip')
      const result = await fixture.exportTo(output, captureCli({ env: fixture.env }).cli, { since: first })
      assert.deepEqual(result.failures, [])
      assert.equal(result.manifest.counts[since.kind], 1)
      const earlier = await ArchiveReader.open(first)
      assert.equal(result.manifest.since?.archive, earlier.manifest.createdAt)
      earlier.close()
    })

    it('replays idempotently: a follow replayed twice is one', async (t) => {
      const replay = fixture.replay
      if (!replay) return t.skip(`${network.network} has no replay target`)
      const once = await replay.run(first, captureCli({ env: replay.env }).cli)
      assert.equal(once.failed, 0, JSON.stringify(once.items.filter((i) => i.status === 'failed')))
      assert.ok(once.items.some((i) => i.status === 'applied'), 'the first replay did the work')
      assert.deepEqual(await replay.state(), replay.expected)
      // a copy has no journal: every item goes to the target again, which must see that it is already done
      const copy = join(scratch.dir, 'copy.zip')
      await copyFile(first, copy)
      const twice = await replay.run(copy, captureCli({ env: replay.env }).cli)
      assert.equal(twice.failed, 0, JSON.stringify(twice.items.filter((i) => i.status === 'failed')))
      assert.deepEqual(await replay.state(), replay.expected)
    })
  })
}
