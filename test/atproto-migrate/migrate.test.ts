// `lifeboat migrate atproto` on a dev-env network with one PLC directory and two real PDSes, the way the PDS's own
// test does it (packages/pds/tests/account-migration.test.ts): the emailed PLC token is read from the old PDS's
// `email_token` table, which is where the PDS keeps it (account-manager/helpers/email-token.ts).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { access, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView, TestPds, mockNetworkUtilities } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { CID } from 'multiformats/cid'
import { Secp256k1Keypair } from '@atproto/crypto'
import { seedSampleWorld, createAccount, type SampleWorld, type SampleAccount } from '../../src/demo/sample-account.js'
import { solidPng } from '../../src/demo/png.js'
import { run as migrate, type MigrateAtprotoOptions } from '../../src/commands/migrate-atproto.js'
import type { MigrationState } from '../../src/adapters/atproto/migration-state.js'
import { captureCli, runCli } from '../_util/cli.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { PAST_ACCESS_TOKEN_LIFE_MS, withPdsClock, xrpcWatcher } from '../_util/pds-clock.js'

let network: TestNetworkNoAppView
let newPds: TestPds
let world: SampleWorld
let dir: string

before(async () => {
  network = await TestNetworkNoAppView.create({})
  newPds = await TestPds.create({ didPlcUrl: network.plc.url })
  mockNetworkUtilities(newPds)
  world = await seedSampleWorld(network.pds.url)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-migrate-'))
})

after(async () => {
  await newPds?.close()
  await network?.close()
})

async function plcToken(did: string): Promise<string | undefined> {
  const row = await network.pds.ctx.accountManager.db.db.selectFrom('email_token').selectAll().where('did', '=', did as never).where('purpose', '=', 'plc_operation' as never).executeTakeFirst()
  return row?.token
}

async function didPds(did: string): Promise<string> {
  const doc = (await (await fetch(`${network.plc.url}/${did}`)).json()) as { service: { id: string; serviceEndpoint: string }[] }
  return doc.service.find((s) => s.id === '#atproto_pds')!.serviceEndpoint
}

async function repoStatus(pds: string, did: string): Promise<{ active: boolean; status?: string }> {
  return (await (await fetch(`${pds}/xrpc/com.atproto.sync.getRepoStatus?did=${did}`)).json()) as { active: boolean; status?: string }
}

/** Every record as `collection/rkey cid`, and every blob's bytes, read while the account is active. */
async function snapshot(agent: AtpAgent, did: string) {
  const { data: repo } = await agent.com.atproto.repo.describeRepo({ repo: did })
  const records: string[] = []
  for (const collection of repo.collections) {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100 })
    records.push(...data.records.map((r) => `${collection}/${r.uri.split('/').pop()} ${r.cid}`))
  }
  const { data: listed } = await agent.com.atproto.sync.listBlobs({ did, limit: 1000 })
  const blobs = new Map<string, Buffer>()
  for (const cid of listed.cids) blobs.set(cid, Buffer.from((await agent.com.atproto.sync.getBlob({ did, cid })).data))
  return { records: records.sort(), blobs }
}

function options(account: SampleAccount, extra: Partial<MigrateAtprotoOptions> = {}): MigrateAtprotoOptions {
  return {
    toPds: newPds.url,
    newHandle: `${account.handle.split('.')[0]}-moved.test`,
    email: `${account.handle.split('.')[0]}@moved.example.com`,
    plc: network.plc.url,
    passwordEnv: 'OLD_PW',
    state: join(dir, `${account.handle}.state.json`),
    ...extra,
  }
}

const fast = { activateDelaysMs: [200, 400] }

test('a migration moves the DID to the new PDS with identical records and blobs, and stops before the PLC step until --yes', async () => {
  const alice = world.alice
  const env = { OLD_PW: alice.password }
  const { data: prefsBefore } = await alice.agent.app.bsky.actor.getPreferences()
  const records = (await snapshot(alice.agent, alice.did)).records.length

  const dry = captureCli({ env })
  const plan = await migrate(alice.did, { ...options(alice), dryRun: true }, dry.cli, fast)
  assert.equal(plan.new?.account, null)
  assert.equal(plan.old?.account?.records, records)
  assert.match(dry.stderr(), /create-account: create the account on the new PDS/)
  await assert.rejects(access(options(alice).state!), 'a dry run writes no state')

  const stopped = await migrate(alice.did, options(alice), captureCli({ env }).cli, fast)
  assert.equal(stopped.waitingFor, 'yes')
  assert.equal(await didPds(alice.did), network.pds.url, 'without --yes the DID is not moved')
  assert.equal(await plcToken(alice.did), undefined, 'and no PLC token is requested')

  // alice posts on the old PDS after the copy: the run with --yes copies the repo again before the PLC step.
  await alice.agent.post({ text: 'one more before the move', createdAt: new Date().toISOString() })
  const before = await snapshot(alice.agent, alice.did)
  assert.equal(before.records.length, records + 1)
  assert.ok(before.blobs.size >= 3)
  const waiting = captureCli({ env })
  await assert.rejects(migrate(alice.did, { ...options(alice), yes: true }, waiting.cli, fast), /Waiting for the PLC token/)
  assert.match(waiting.stderr(), /The old repository changed since it was imported/)
  const token = await plcToken(alice.did)
  assert.ok(token, 'the token is requested only now, after the data is in place')

  const done = captureCli({ env: { ...env, LIFEBOAT_PLC_TOKEN: token } })
  const report = await migrate(alice.did, { ...options(alice), yes: true }, done.cli, fast)
  assert.equal(report.finished, true, done.stderr())
  assert.equal(await didPds(alice.did), newPds.url)
  assert.equal((await repoStatus(newPds.url, alice.did)).active, true)
  assert.equal((await repoStatus(network.pds.url, alice.did)).status, 'deactivated')

  const moved = new AtpAgent({ service: newPds.url })
  await moved.login({ identifier: alice.did, password: alice.password })
  const after = await snapshot(moved, alice.did)
  assert.deepEqual(after.records, before.records, 'every record with the same CID')
  assert.deepEqual([...after.blobs.keys()].sort(), [...before.blobs.keys()].sort())
  for (const [cid, bytes] of before.blobs) assert.ok(after.blobs.get(cid)!.equals(bytes), `blob ${cid}`)
  const { data: prefsAfter } = await moved.app.bsky.actor.getPreferences()
  assert.deepEqual(prefsAfter, prefsBefore)
  const { data: session } = await moved.com.atproto.server.getSession()
  assert.equal(session.handle, 'alice-moved.test')

  const state = JSON.parse(await readFile(options(alice).state!, 'utf8')) as MigrationState
  assert.equal(state.plcOperation, null)
  assert.ok(!JSON.stringify(state).includes(alice.password) && !JSON.stringify(state).includes(token!), 'no secret in the state file')

  const again = captureCli({ env, json: true })
  const rerun = await migrate(alice.did, { ...options(alice), yes: true }, again.cli, fast)
  assert.equal(rerun.finished, true)
  assert.equal((again.stdout().match(/"status":"done-before"/g) ?? []).length, 8, 'a finished migration does nothing again')
})

async function accountWithImage(name: string): Promise<{ account: SampleAccount; cid: string }> {
  const account = await createAccount(network.pds.url, name)
  const { data } = await account.agent.uploadBlob(solidPng(20, 20, [10, 200, 30], 5), { encoding: 'image/png' })
  await account.agent.post({ text: `${name} with a picture`, embed: { $type: 'app.bsky.embed.images', images: [{ image: data.blob, alt: 'green' }] }, createdAt: new Date().toISOString() })
  await account.agent.post({ text: `${name} without`, createdAt: new Date().toISOString() })
  return { account, cid: data.blob.ref.toString() }
}

test('a migration killed after the blob copy resumes from its state file and completes, adding the user\'s rotation key', async () => {
  const { account: erin } = await accountWithImage('erin')
  const rotationKey = (await Secp256k1Keypair.create()).did()
  const opts = options(erin, { yes: true, rotationKey })
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/atproto-migrate/_migrate-child.ts', erin.did, JSON.stringify(opts), 'copy-blobs'], {
    env: { PATH: process.env.PATH, OLD_PW: erin.password },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)))
  assert.equal(signal, 'SIGKILL', stderr)
  const killed = JSON.parse(await readFile(opts.state!, 'utf8')) as MigrationState
  assert.deepEqual(Object.keys(killed.done), ['create-account', 'import-repo', 'copy-blobs'])
  await access(`${opts.state}.lock`) // left behind by the killed run

  const env = { OLD_PW: erin.password }
  await assert.rejects(migrate(erin.did, opts, captureCli({ env }).cli, fast), /Waiting for the PLC token/)
  const resumed = captureCli({ env: { ...env, LIFEBOAT_PLC_TOKEN: await plcToken(erin.did) }, json: true })
  const report = await migrate(erin.did, opts, resumed.cli, fast)
  assert.equal(report.finished, true)
  const events = resumed.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; step?: string; status?: string })
  const stepStatus = Object.fromEntries(events.filter((e) => e.event === 'step').map((e) => [e.step, e.status]))
  assert.equal(stepStatus['import-repo'], 'done-before', 'the repository is not copied again')
  assert.equal(stepStatus['copy-blobs'], 'done-before')
  assert.equal(stepStatus['activate-new'], 'done')
  assert.equal(await didPds(erin.did), newPds.url)
  const data = (await (await fetch(`${network.plc.url}/${erin.did}/data`)).json()) as { rotationKeys: string[] }
  assert.equal(data.rotationKeys[0], rotationKey, 'the user\'s key comes first')
  assert.equal((await repoStatus(newPds.url, erin.did)).active, true)
  assert.equal((await repoStatus(network.pds.url, erin.did)).status, 'deactivated')
})

test('a blob missing on the old PDS stops the migration before the PLC step and names the blob', async () => {
  const { account: fred, cid } = await accountWithImage('fred')
  await network.pds.ctx.blobstore(fred.did).delete(CID.parse(cid))
  const out = captureCli({ env: { OLD_PW: fred.password, LIFEBOAT_PLC_TOKEN: 'AAAAA-BBBBB' } })
  await assert.rejects(migrate(fred.did, options(fred, { yes: true }), out.cli, fast), (error: Error & { exitCode?: number }) => {
    assert.equal(error.exitCode, 3)
    assert.match(error.message, new RegExp(`1 blob is missing on the new PDS, so the DID was not moved: ${cid} \\(used by at://${fred.did}/app.bsky.feed.post/`))
    assert.match(error.message, /does not have it/)
    return true
  })
  assert.equal(await didPds(fred.did), network.pds.url)
  assert.equal(await plcToken(fred.did), undefined, 'no PLC token was requested')
  const state = JSON.parse(await readFile(options(fred).state!, 'utf8')) as MigrationState
  assert.equal(state.done['plc-operation'], undefined)
  assert.deepEqual(state.blobs?.missing.map((b) => b.cid), [cid])
  assert.equal((await repoStatus(network.pds.url, fred.did)).active, true, 'the old account is untouched')
})

test('an app password is refused with a clear message', async () => {
  const carol = world.friends[1]!
  const { data } = await carol.agent.com.atproto.server.createAppPassword({ name: 'not-for-migrations' })
  await assert.rejects(migrate(carol.did, options(carol, { yes: true }), captureCli({ env: { OLD_PW: data.password } }).cli, fast), (error: Error & { exitCode?: number }) => {
    assert.equal(error.exitCode, 4)
    assert.match(error.message, /app password/)
    return true
  })
})

test('the built CLI: a dry run prints the plan as JSON and exits 0; a missing --email is a usage error', async () => {
  const bob = world.friends[0]!
  const state = join(dir, 'bob-cli.state.json')
  const args = ['migrate', 'atproto', bob.did, '--to-pds', newPds.url, '--new-handle', 'bob-moved.test', '--plc', network.plc.url, '--state', state]
  const dry = await runCli(['--json', ...args, '--email', 'bob@moved.example.com', '--dry-run'], { env: { LIFEBOAT_ATPROTO_PASSWORD: bob.password } })
  assert.equal(dry.code, 0, dry.stderr)
  const result = JSON.parse(dry.stdout.trim().split('\n').at(-1)!) as { event: string; ok: boolean; dryRun: boolean; steps: unknown[] }
  assert.equal(result.event, 'result')
  assert.equal(result.dryRun, true)
  assert.equal(result.steps.length, 8)
  const usage = await runCli(args, { env: { LIFEBOAT_ATPROTO_PASSWORD: bob.password } })
  assert.equal(usage.code, 2, usage.stderr)
  assert.match(usage.stderr, /needs --to-pds, --new-handle and --email/)
  assert.ok(!dry.stdout.includes(bob.password) && !dry.stderr.includes(bob.password))
})

test('the built CLI: access tokens that expire during the blob copy are refreshed and the copy completes', async () => {
  const { account: gina } = await accountWithImage('gina')
  const w = xrpcWatcher()
  const proxy = await startFaultProxy({ target: newPds.url, skip: (req) => w.skip(req) })
  try {
    await withPdsClock(async (advance) => {
      // Both PDSes and the PLC directory run in this process: as the first upload reaches the new PDS, the tokens of
      // both sessions expire.
      const expired = w.onFirst('com.atproto.repo.uploadBlob', () => advance(PAST_ACCESS_TOKEN_LIFE_MS))
      const state = join(dir, 'gina-cli.state.json')
      const args = ['--json', 'migrate', 'atproto', gina.did, '--to-pds', proxy.url, '--new-handle', 'gina-moved.test', '--email', 'gina@moved.example.com', '--plc', network.plc.url, '--state', state]
      const run = await runCli(args, { env: { LIFEBOAT_ATPROTO_PASSWORD: gina.password } })
      assert.equal(run.code, 0, run.stderr)
      assert.ok(expired())
      assert.equal(w.count('com.atproto.server.refreshSession'), 1, 'the new PDS session refreshed once')
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { waitingFor?: string }
      assert.equal(result.waitingFor, 'yes')
      const saved = JSON.parse(await readFile(state, 'utf8')) as MigrationState
      assert.ok(saved.done['copy-blobs'] && saved.done.verify, JSON.stringify(saved.done))
      assert.deepEqual(saved.blobs?.missing, [])
    })
  } finally {
    await proxy.close()
  }
})
