// Ctrl-C (SIGINT) ends every command with 130 and SIGTERM with 143, after exactly one line on stderr, leaving a
// state the same command continues from (docs/cli.md "Exit codes"). Each signal is sent after an event the run
// printed or a request it made, never after a fixed delay.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { mkdir, mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { seedSampleWorld, type SampleWorld } from '../../src/demo/sample-account.js'
import { solidPng } from '../../src/demo/png.js'
import { runCli, spawnCli } from '../_util/cli.js'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-interrupt-'))
})

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
}

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter(Boolean)
}

async function fakePdsDir(): Promise<string> {
  const dataDir = await mkdtemp(join(dir, 'pds-'))
  const db = new Database(join(dataDir, 'account.sqlite'))
  db.exec('CREATE TABLE account (did TEXT PRIMARY KEY); INSERT INTO account VALUES (\'did:plc:alice\')')
  db.close()
  await mkdir(join(dataDir, 'blocks'))
  return dataDir
}

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`backup --every ends with ${code} on ${signal} while it waits for the next run, and the store stays usable`, async () => {
    const dataDir = await fakePdsDir()
    const store = join(dir, `store-${signal}`)
    const run = spawnCli(['--json', 'backup', 'pds-dir', dataDir, '--store', store, '--every', '24h'])
    await run.waitFor(({ stdout }) => jsonLines(stdout).some((e) => e.event === 'waiting'))
    run.child.kill(signal)
    const stopped = await run.done
    assert.equal(stopped.code, code, stopped.stderr)
    assert.deepEqual(stderrLines(stopped.stderr).filter((l) => !l.startsWith('Note:') && !l.startsWith('Running ')), [`Interrupted by ${signal}: stopping. Run the same command again to continue where it stopped${signal === 'SIGINT' ? ' (Ctrl-C again quits at once)' : ''}.`])
    const events = jsonLines(stopped.stdout)
    assert.deepEqual(events.find((e) => e.event === 'stopped'), { event: 'stopped', runs: 1, failures: 0 })
    const result = events.at(-1) as { event: string; ok: boolean; error: { exitCode: number } }
    assert.equal(result.event, 'result')
    assert.equal(result.ok, false)
    assert.equal(result.error.exitCode, code)
    const again = await runCli(['snapshots', '--store', store])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout.trim().split('\n').length, 2, 'one snapshot, listed under the header')
  })
}

test('a short command stopped by SIGTERM still reports 143 (nothing reads the signal as success)', async () => {
  const dataDir = await fakePdsDir()
  const store = join(dir, 'store-once')
  const run = spawnCli(['backup', 'pds-dir', dataDir, '--store', store, '--cron', '0 3 * * *'])
  await run.waitFor(({ stderr }) => /Next run at/.test(stderr))
  run.child.kill('SIGTERM')
  const stopped = await run.done
  assert.equal(stopped.code, 143, stopped.stderr)
  assert.match(stderrLines(stopped.stderr).at(-1)!, /^Interrupted by SIGTERM: stopping\./)
})

// Ctrl-C while blobs download: the ordered pool used to await downloads that p-queue had dropped, and the process
// ended with Node's exit 13 ("unsettled top-level await") and no message about half the time.
let network: TestNetworkNoAppView
let world: SampleWorld
let hold: http.Server
let holdUrl: string
let blobRequests: (() => void)[] = []
const held = new Set<http.ServerResponse>()

before(async () => {
  network = await TestNetworkNoAppView.create({})
  world = await seedSampleWorld(network.pds.url)
  // More blobs than the export downloads at once, so some wait in the queue when the signal arrives.
  for (let post = 0; post < 4; post++) {
    const images = []
    for (let i = 0; i < 4; i++) {
      const png = solidPng(8, 8, [post * 40, i * 60, 90], post * 4 + i)
      const { data } = await world.alice.agent.uploadBlob(png, { encoding: 'image/png' })
      images.push({ image: data.blob, alt: `picture ${post}.${i}` })
    }
    await world.alice.agent.post({ text: `Four more pictures (${post})`, embed: { $type: 'app.bsky.embed.images', images }, createdAt: new Date().toISOString() })
  }
  // Forwards everything to the PDS but holds every blob download open, telling the test when one starts.
  const target = new URL(network.pds.url)
  hold = http.createServer((req, res) => {
    if (req.url?.startsWith('/xrpc/com.atproto.sync.getBlob')) {
      held.add(res)
      for (const notify of blobRequests) notify()
      return
    }
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => hold.listen(0, '127.0.0.1', resolve))
  holdUrl = `http://127.0.0.1:${(hold.address() as { port: number }).port}`
})

after(async () => {
  for (const res of held) res.destroy()
  hold?.closeAllConnections()
  await new Promise((resolve) => hold?.close(resolve))
  await network?.close()
})

function nextBlobRequest(): Promise<void> {
  return new Promise((resolve) => {
    const notify = () => {
      blobRequests = blobRequests.filter((n) => n !== notify)
      resolve()
    }
    blobRequests.push(notify)
  })
}

test('Ctrl-C or SIGTERM while blobs download ends with 130/143 and one line, every time; the rerun completes', async () => {
  const sub = await mkdtemp(join(dir, 'export-'))
  const output = join(sub, 'alice.zip')
  const args = ['export', 'atproto', world.alice.did, '-o', output, '--pds', holdUrl, '--plc', network.plc.url]
  for (const [signal, code] of [['SIGINT', 130], ['SIGINT', 130], ['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const started = nextBlobRequest()
    const run = spawnCli(args)
    await started
    run.child.kill(signal)
    const stopped = await run.done
    assert.equal(stopped.code, code, `${signal}: ${stopped.stderr}`)
    assert.equal(stderrLines(stopped.stderr).filter((l) => /Interrupted|error:/.test(l)).length, 1, stopped.stderr)
    assert.match(stopped.stderr, new RegExp(`Interrupted by ${signal}`))
    assert.ok(!(await readdir(sub)).includes('alice.zip'), 'no archive under the final name')
  }
  for (const res of held) res.destroy()
  const rerun = await runCli(['export', 'atproto', world.alice.did, '-o', output, '--pds', network.pds.url, '--plc', network.plc.url])
  assert.equal(rerun.code, 0, rerun.stderr)
  assert.ok((await readdir(sub)).includes('alice.zip'))
})
