// Issue 4's figures, against the fake Misskey (test/servers/misskey):
// - exporting an account of 50,000 notes and 2,000 drive files behind 40 ms of added latency, as a ratio of the
//   limit measured in the same run (bench/_limit.ts): the note pages and the drive listing are sequential cursor
//   chains (each page needs the previous one's last id), walked side by side, while every file is fetched at once —
//   a bare client doing exactly that through the same proxy and nothing else (no parsing beyond the cursor, no
//   archive);
// - the export's peak RSS (a child process), against the same child exporting a 150-note account;
// - replaying 1,000 follows under following/create's recorded limit (100 per hour, with the hour shrunk to a few
//   seconds on both sides), as a ratio of the limit's floor ((⌈N/100⌉ − 1) windows), and how many requests the
//   server answered 429.
// Runs the real export command through the built CLI, as a user's shell would (bench/_cli.ts).
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMisskeyDirectory } from '../test/servers/misskey/directory.js'
import { startMisskeyServer } from '../test/servers/misskey/server.js'
import { seedRecordedScenario } from '../test/servers/misskey/scenario.js'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { captureCli } from '../test/_util/cli.js'
import { runLifeboat } from './_cli.js'
import { describeLimit, measureLimit, type Step } from './_limit.js'
import { report, timed } from './_report.js'

const NOTES = 50_000
const FILES = 2_000
const FOLLOWS = 1_000
/** An hour of the server's (and the pacer's) rate-limit windows lasts this long here. */
const HOUR_MS = 3_000

async function exportChild(server: string, output: string, token: string): Promise<{ ms: number; rssKb: number }> {
  const run = await runLifeboat(['--quiet', 'export', 'misskey', '--server', server, '-o', output], { LIFEBOAT_MISSKEY_TOKEN: token })
  if (run.code !== 0) throw new Error(`export failed (${run.code}): ${run.stderr}`)
  return { ms: run.ms, rssKb: run.rssKb }
}

async function post(base: string, endpoint: string, body: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(`${base}/api/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return res.json()
}

/** A cursor chain of `endpoint` (`users/notes`, `drive/stream`): each page starts below the previous page's last id. */
function chain(base: string, endpoint: string, body: Record<string, unknown>): Step {
  return async (untilId) => {
    const page = (await post(base, endpoint, { ...body, limit: 100, ...(untilId ? { untilId } : {}) })) as { id: string }[]
    return page.length === 0 ? null : page.at(-1)!.id
  }
}

async function exportFigures(dir: string): Promise<void> {
  const server = await startMisskeyServer({ rateLimits: { enabled: false } })
  const small = await startMisskeyServer({ rateLimits: { enabled: false } })
  const proxy = await startFaultProxy({ target: server.url, latencyMs: 40 })
  try {
    process.stderr.write(`seeding ${NOTES} notes and ${FILES} files …\n`)
    const alice = server.seed.user({ username: 'alice', name: 'Bench Alice' })
    const token = server.seed.token(alice, 'app')
    const start = Date.now() - NOTES * 60_000
    const files = Array.from({ length: FILES }, (_, i) =>
      server.seed.file(alice, { name: `file-${i}.bin`, type: i % 2 ? 'image/jpeg' : 'application/octet-stream', bytes: randomBytes(8 * 1024 + (i % 32) * 512), createdAt: start + i * 1000 }),
    )
    for (let i = 0; i < NOTES; i++) {
      const attach = i % 50 === 0 ? [files[(i / 50) % FILES]!.id] : []
      server.seed.note(alice, { text: `Bench note ${i}: some ordinary words about the day #bench${i % 20}`, fileIds: attach, visibility: i % 10 === 0 ? 'home' : 'public', createdAt: start + i * 60_000 })
    }
    const urls = files.map((f) => `${proxy.url}/files/${f.accessKey}`)
    const limit = await measureLimit([chain(proxy.url, 'users/notes', { userId: alice.id, withReplies: true, withRenotes: true, withChannelNotes: true, i: token }), chain(proxy.url, 'drive/stream', { i: token })], urls)
    process.stderr.write(`limit: ${(limit.ms / 1000).toFixed(1)} s (${describeLimit(limit, ['note', 'drive'])})\n`)
    const exported = await exportChild(proxy.url, join(dir, 'big.zip'), token)
    report({
      name: `export ${NOTES} notes + ${FILES} files, 40 ms latency`,
      value: exported.ms / 1000,
      baseline: limit.ms / 1000,
      unit: 's',
      against: describeLimit(limit, ['note', 'drive']),
      note: 'lower is better; goal ≤ 1.3; includes the CLI starting, mentions, collections, archive writing, zip and re-verify',
    })
    const sc = seedRecordedScenario(small.seed)
    const tiny = await exportChild(small.url, join(dir, 'small.zip'), sc.tokens.aliceApp)
    report({ name: 'export peak RSS', value: exported.rssKb / 1024, baseline: tiny.rssKb / 1024, unit: 'MiB', against: 'the same export of a 149-note account', note: '≈1.0 means memory does not grow with the account' })
  } finally {
    await proxy.close()
    await Promise.all([server.close(), small.close()])
  }
}

async function replayFigures(dir: string): Promise<void> {
  const { run: replay } = await import('../src/commands/replay.js')
  const { registerTargetFactory } = await import('../src/adapters/registry.js')
  const { run: exportMisskey } = await import('../src/commands/export-misskey.js')
  const { createTargetFactory } = await import('../src/adapters/misskey/index.js')
  const timeScale = HOUR_MS / 3_600_000
  registerTargetFactory('misskey', async () => createTargetFactory({ timeScale }))
  const directory = createMisskeyDirectory()
  const home = await startMisskeyServer({ directory, rateLimits: { enabled: false } })
  const target = await startMisskeyServer({ directory, rateLimits: { timeScale } })
  try {
    const alice = home.seed.user({ username: 'alice' })
    for (let i = 0; i < FOLLOWS; i++) home.seed.follow(alice, home.seed.user({ username: `friend${i}` }))
    const archive = join(dir, 'follows.zip')
    await exportMisskey({ server: home.url, output: archive }, captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: home.seed.token(alice, 'app') } }).cli)
    const me = target.seed.user({ username: 'alice2' })
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: target.seed.token(me, 'app') } })
    const replayed = await timed(() => replay(archive, { to: 'misskey', server: target.url, only: 'follows' }, cli))
    const applied = replayed.value.counts.follows?.applied ?? 0
    if (applied !== FOLLOWS) throw new Error(`replay applied ${applied} of ${FOLLOWS} follows`)
    const floor = (Math.ceil(FOLLOWS / 100) - 1) * HOUR_MS
    report({ name: `replay ${FOLLOWS} follows under 100 per hour`, value: replayed.ms / 1000, baseline: floor / 1000, unit: 's', against: `the limit's floor, ${Math.ceil(FOLLOWS / 100) - 1} windows (an hour shrunk to ${HOUR_MS / 1000} s)`, note: 'lower is better; 1.0 is the best possible' })
    report({ name: 'replay: requests answered 429', value: target.counters().rateLimited, baseline: FOLLOWS, unit: 'requests', against: 'follows replayed', note: '0 means the pacer never ran into the limit' })
  } finally {
    await Promise.all([home.close(), target.close()])
  }
}

{
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-misskey-'))
  try {
    await exportFigures(dir)
    await replayFigures(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
