// Through the fault proxy, with 20% of requests answered 429/500/502/503, reset or cut off mid-body, the Matrix
// export is the same archive as the fault-free one.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMatrix } from '../../src/commands/export-matrix.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { startMatrixServer, type MatrixTestServer } from '../servers/matrix/server.js'
import { startFaultProxy, type FaultProxy } from '../_util/fault-proxy.js'
import { captureCli } from '../_util/cli.js'
import { fastContext, records } from './helpers.js'
import { seedWorld, type MatrixWorld } from './world.js'

/** `age` (in `unsigned`, and at the top level on old Synapse) is relative to when the server answered. */
function ageless<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === 'age' ? undefined : v))) as T
}

describe('export matrix through faults', () => {
  let server: MatrixTestServer
  let world: MatrixWorld
  let dir: string
  let clean: FaultProxy
  let faulty: FaultProxy

  async function exportThrough(proxy: FaultProxy, name: string): Promise<string> {
    const output = join(dir, name)
    const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: world.alice.accessToken, KEYS_PW: world.megolm.passphrase } })
    await exportMatrix({ homeserver: proxy.url, user: world.alice.userId, output, keys: join(dir, 'keys.txt'), passphraseEnv: 'KEYS_PW' }, cli, { context: fastContext(cli) }).catch((error: Error) => {
      // The world has one failing room and one missing file: a partial failure (exit 3) is the expected ending.
      if (error.name !== 'PartialFailureError') throw error
    })
    return output
  }

  before(async () => {
    server = await startMatrixServer()
    world = await seedWorld(server, { bigCount: 3000 })
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-matrix-faults-'))
    await writeFile(join(dir, 'keys.txt'), world.megolm.keyFile)
    clean = await startFaultProxy({ target: server.url })
    faulty = await startFaultProxy({
      target: server.url,
      rates: { status429: 0.04, status500: 0.04, status502: 0.03, status503: 0.03, reset: 0.03, truncate: 0.03 },
      retryAfterSeconds: 0,
      seed: 7,
    })
  })
  after(async () => {
    await clean.close()
    await faulty.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('equals the fault-free export', async () => {
    const a = await exportThrough(clean, 'clean.zip')
    const b = await exportThrough(faulty, 'faulty.zip')
    const injected = Object.values(faulty.stats.injected).reduce((n, k) => n + k, 0)
    assert.ok(injected >= 5, `only ${injected} faults were injected: ${JSON.stringify(faulty.stats)}`)
    assert.ok(faulty.stats.injected.truncate > 0 && faulty.stats.injected.reset > 0, JSON.stringify(faulty.stats.injected))

    assert.deepEqual(ageless(await records(b, 'events')), ageless(await records(a, 'events')))
    assert.deepEqual(await records(b, 'account-data'), await records(a, 'account-data'))
    // Error texts name the proxy's host; only whether a room failed is compared.
    const rooms = async (path: string) => (await records(path, 'rooms')).map((r) => ({ ...r, error: r.error === null ? null : 'failed' }))
    assert.deepEqual(ageless(await rooms(b)), ageless(await rooms(a)))
    // In the same order too: records are written in the export's fixed order, not as downloads finish.
    assert.deepEqual(await records(b, 'media'), await records(a, 'media'))
    const members = async (path: string) => {
      const reader = await ArchiveReader.open(path)
      const out = { profile: await reader.readJson('profile.json'), cursor: await reader.readJson('native/matrix/cursor.json'), counts: reader.manifest.counts }
      reader.close()
      return out
    }
    assert.deepEqual(await members(b), await members(a))
    assert.equal((await records(a, 'events')).length > 3000, true)
  })

  it('writes media records in the same order when the profile avatar downloads last', async () => {
    // A proxy that answers the avatar's download only once another medium has been served: the avatar (fetched first,
    // beside the rooms) finishes after room media, which must not move its record.
    const avatarMxc = server.state.users.get(world.alice.userId)!.avatar_url!
    const avatarId = avatarMxc.split('/').pop()!
    let served!: () => void
    const another = new Promise<void>((resolve) => (served = resolve))
    const slow = http.createServer((req, res) => {
      const isMedia = /\/media\/(v3\/)?download\//.test(req.url ?? '')
      const go = () => {
        const upstream = http.request(new URL(req.url!, server.url), { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
          if (isMedia && !req.url!.includes(avatarId)) answer.on('end', served)
        })
        if (req.readableEnded) upstream.end()
        else req.pipe(upstream)
      }
      if (isMedia && req.url!.includes(avatarId)) void another.then(go)
      else go()
    })
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`
      const a = await exportThrough(clean, 'clean-2.zip')
      const b = await exportThrough({ url } as FaultProxy, 'avatar-last.zip')
      const media = await records(b, 'media')
      assert.ok(media.some((m) => m.source.mxc === avatarMxc), `the avatar ${avatarMxc} was exported: ${JSON.stringify(media.map((m) => m.source.mxc))} clean: ${JSON.stringify((await records(a, 'media')).map((m) => m.source.mxc))}`)
      assert.deepEqual(media, await records(a, 'media'))
    } finally {
      await new Promise((resolve) => slow.close(resolve))
    }
  })
})
