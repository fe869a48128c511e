// Issue 6's figure: `lifeboat replay --to atproto` of 2,000 follows onto an account of a real PDS with its rate limits
// on, as a ratio of the write limit's floor, and the 429s met on the way.
//
// Method. A reference PDS allows 5,000 write points per hour per account (create = 3), so 2,000 follows (6,000
// points) cannot finish in less than one full window after the first write: that is the floor. An hour is too long
// for a benchmark, so the PDS is built with its hourly window shortened to WINDOW_S seconds (the constant it reads,
// swapped while it is built: test/atproto-migrate/_short-window.ts); its real limiter, points and headers are
// unchanged, as are the daily bucket and the per-IP bucket. The replay is the real command, run through 40 ms of
// added latency to the PDS, the PLC directory and the subjects' PDS. The follow subjects are 2,000 did:plc identities
// registered in the dev-env PLC directory whose PDS is a small responder answering com.atproto.sync.getRepoStatus
// (creating 2,000 full accounts takes minutes; only their existence is checked). A ratio near 1.0 means the pacer
// used the window and waited only as long as the limit demands; fixed overheads (login, reading the account's
// records, subject checks) weigh less against a real hour.
import { createServer, type Server } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestPlc, createDidAndKey } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import PQueue from 'p-queue'
import { ArchiveWriter } from '../src/archive/writer.js'
import { run as replay } from '../src/commands/replay.js'
import { registerTargetFactory } from '../src/adapters/registry.js'
import { captureCli } from '../test/_util/cli.js'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { createRateLimitedPds } from '../test/atproto-migrate/_short-window.js'
import { report } from './_report.js'

const FOLLOWS = 2000
const WINDOW_S = 60
const POINTS_PER_WINDOW = 5000
const CREATE_POINTS = 3

function responder(dids: Set<string>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const did = url.searchParams.get('did') ?? ''
    const known = url.pathname === '/xrpc/com.atproto.sync.getRepoStatus' && dids.has(did)
    res.writeHead(known ? 200 : 400, { 'content-type': 'application/json' })
    res.end(JSON.stringify(known ? { did, active: true } : { error: 'RepoNotFound', message: `Could not find repo for DID: ${did}` }))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })))
}

async function main(): Promise<void> {
  registerTargetFactory('atproto', () => import('../src/adapters/atproto/index.js').then((m) => m.replayTarget))
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-replay-'))
  const plc = await TestPlc.create({})
  const pds = await createRateLimitedPds(plc.url, WINDOW_S * 1000)
  const dids = new Set<string>()
  const subjects = await responder(dids)
  let applyWrites = 0
  const writeTimes: number[] = []
  const pdsProxy = await startFaultProxy({
    target: pds.url,
    latencyMs: 40,
    skip: (req) => {
      if (req.url?.includes('com.atproto.repo.applyWrites')) {
        applyWrites++
        writeTimes.push(Date.now())
      }
      return true
    },
  })
  const plcProxy = await startFaultProxy({ target: plc.url, latencyMs: 40 })
  const subjectsProxy = await startFaultProxy({ target: subjects.url, latencyMs: 40 })
  try {
    process.stderr.write(`registering ${FOLLOWS} subjects in the PLC directory …\n`)
    const queue = new PQueue({ concurrency: 8 })
    for (let i = 0; i < FOLLOWS; i++) {
      queue.add(async () => {
        const { did } = await createDidAndKey({ plcUrl: plc.url, handle: `subject${i}.test`, pds: subjectsProxy.url })
        dids.add(did)
      })
    }
    await queue.onIdle()
    const archive = join(dir, 'follows.zip')
    const writer = await ArchiveWriter.open({ path: archive, source: { network: 'atproto', server: 'https://old.example', account: { id: 'did:plc:benchbenchbenchbenchbenc' } } })
    writer.declare('following')
    for (const did of dids) await writer.write('following', { account: { id: did }, createdAt: new Date().toISOString() })
    await writer.finish()

    const agent = new AtpAgent({ service: pds.url })
    await agent.createAccount({ handle: 'replayed.test', email: 'replayed@example.test', password: 'replayed-password-1' })
    const { data: appPassword } = await agent.com.atproto.server.createAppPassword({ name: 'bench' })

    process.stderr.write(`replaying ${FOLLOWS} follows (hourly window shortened to ${WINDOW_S} s) …\n`)
    const out = captureCli({ env: { APP_PW: appPassword.password }, json: true })
    const started = Date.now()
    const summary = await replay(archive, { to: 'atproto', handle: 'replayed.test', pds: pdsProxy.url, plc: plcProxy.url, passwordEnv: 'APP_PW', only: 'follows' }, out.cli)
    const seconds = (Date.now() - started) / 1000
    const applied = summary.items.filter((i) => i.status === 'applied').length
    if (applied !== FOLLOWS) throw new Error(`only ${applied} of ${FOLLOWS} follows were applied`)
    const events = out.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string })
    const tooMany = events.filter((e) => e.event === 'rate-limited').length
    const windows = Math.ceil((FOLLOWS * CREATE_POINTS) / POINTS_PER_WINDOW) - 1
    report({
      name: `atproto replay: ${FOLLOWS} follows under the PDS write limit`,
      value: seconds,
      baseline: windows * WINDOW_S,
      unit: 's',
      against: `the limit's floor (${FOLLOWS * CREATE_POINTS} points at ${POINTS_PER_WINDOW} a window: ${windows} full window${windows === 1 ? '' : 's'} of ${WINDOW_S} s)`,
      note: `real PDS limiter with its hourly window shortened to ${WINDOW_S} s, 40 ms latency; lower is better, 1.0 is the floor`,
    })
    const writing = (writeTimes.at(-1)! - writeTimes[0]!) / 1000
    report({
      name: 'atproto replay: first to last write',
      value: writing,
      baseline: windows * WINDOW_S,
      unit: 's',
      against: "the limit's floor (the last write cannot come before one window after the first)",
      note: `past the floor: checking and writing the follows left for the second window (the driver hands over the next batch only once the current one is written); before the first write: ${((writeTimes[0]! - started) / 1000).toFixed(1)} s of login, reading the account's records and the first subject checks`,
    })
    report({
      name: 'atproto replay: 429 answers met',
      value: tooMany,
      baseline: applyWrites,
      unit: 'responses',
      against: 'applyWrites calls made',
      note: '0 is the aim: the pacer spends what the headers allow and waits for the reset',
    })
  } finally {
    await pdsProxy.close()
    await plcProxy.close()
    await subjectsProxy.close()
    subjects.server.close()
    await pds.close()
    await plc.close()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
