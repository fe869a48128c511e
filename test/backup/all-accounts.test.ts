// `lifeboat backup --config FILE` against a real PDS (@atproto/dev-env): two good accounts get snapshots, an account
// whose secret variable is unset and one whose server does not answer are reported without stopping the others
// (exit 3, a summary line for every account), and a second run of the unchanged accounts is incremental.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { createAccount, type SampleAccount } from '../../src/demo/sample-account.js'
import { run as backupAll } from '../../src/commands/backup-all-run.js'
import { openStore } from '../../src/store/store.js'
import type { AtprotoSnapshotData } from '../../src/adapters/atproto/backup.js'
import type { Snapshot } from '../../src/store/format.js'
import { ExitCode } from '../../src/errors.js'
import { runCommand, runCli } from '../_util/cli.js'

let network: TestNetworkNoAppView
let alice: SampleAccount
let bob: SampleAccount
let carol: SampleAccount
let dir: string
let deadServer: string

/** A loopback URL on which nothing listens (a port taken and given back). */
async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

before(async () => {
  network = await TestNetworkNoAppView.create({})
  alice = await createAccount(network.pds.url, 'alice')
  bob = await createAccount(network.pds.url, 'bob')
  carol = await createAccount(network.pds.url, 'carol')
  await alice.agent.post({ text: 'alice before the first backup', createdAt: new Date().toISOString() })
  await bob.agent.post({ text: 'bob before the first backup', createdAt: new Date().toISOString() })
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-backup-all-'))
  deadServer = await closedPortUrl()
})

after(async () => {
  await network?.close()
})

function configText(store: string): string {
  const pds = network.pds.url
  return `[store]
path = "${store}"

[[account]]
name = "alice"
network = "atproto"
handle = "${alice.handle}"
server = "${pds}"
password-env = "ALICE_PW"

[[account]]
name = "bob"
network = "atproto"
handle = "${bob.handle}"
server = "${pds}"

[[account]]
name = "carol"
network = "atproto"
handle = "${carol.handle}"
server = "${pds}"
password-env = "CAROL_PW"

[[account]]
name = "gone"
network = "atproto"
handle = "gone.test"
server = "${deadServer}"
`
}

async function snapshotsOf(store: string, did: string): Promise<Snapshot<AtprotoSnapshotData>[]> {
  return (await (await openStore(store)).listSnapshots({ kind: 'atproto-repo', subject: did })) as Snapshot<AtprotoSnapshotData>[]
}

interface Summary {
  name: string
  network: string
  status: string
  snapshots: string[]
  reason?: string
  exitCode?: number
}

test('every configured account in turn: failures reported, the others backed up, exit 3, a summary of all; the second run is incremental', async () => {
  const store = join(dir, 'store')
  const file = join(dir, 'config.toml')
  await writeFile(file, configText(store), { mode: 0o600 })
  // LIFEBOAT_ATPROTO_PASSWORD holds alice's password: bob, who names no variable, must not be logged in with it.
  const env = { ALICE_PW: alice.password, LIFEBOAT_ATPROTO_PASSWORD: alice.password }

  const first = await runCommand(env, (cli) => backupAll({ config: file }, cli), { json: true })
  assert.equal(first.code, ExitCode.partial, first.stderr)
  const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; name?: string; status?: string; accounts?: Summary[]; error?: { exitCode: number; accounts: Summary[] } })
  assert.deepEqual(lines.filter((e) => e.event === 'backup-account').map((e) => [e.name, e.status]), [['alice', 'changed'], ['bob', 'changed'], ['carol', 'failed'], ['gone', 'failed']])
  const result = lines.at(-1)!
  assert.equal(result.event, 'result')
  assert.equal(result.error!.exitCode, ExitCode.partial)
  const byName = new Map(result.error!.accounts.map((a) => [a.name, a]))
  assert.deepEqual([...byName.keys()], ['alice', 'bob', 'carol', 'gone'])
  assert.equal(byName.get('carol')!.exitCode, ExitCode.auth)
  assert.equal(byName.get('carol')!.reason, 'The environment variable CAROL_PW is not set.')
  assert.equal(byName.get('gone')!.exitCode, ExitCode.remote)
  assert.ok(!first.stdout.includes(alice.password) && !first.stderr.includes(alice.password), 'no password in any output')

  const [aliceSnap] = await snapshotsOf(store, alice.did)
  const [bobSnap] = await snapshotsOf(store, bob.did)
  assert.deepEqual(byName.get('alice')!.snapshots, [aliceSnap!.id])
  assert.deepEqual(byName.get('bob')!.snapshots, [bobSnap!.id])
  assert.ok(aliceSnap!.data.preferences, 'alice logged in with ALICE_PW (preferences are backed up)')
  assert.ok(!bobSnap!.data.preferences, 'bob was not logged in with LIFEBOAT_ATPROTO_PASSWORD')
  assert.equal((await snapshotsOf(store, carol.did)).length, 0, 'carol was not backed up without her secret')

  // Second run, human output, only the two good accounts: both unchanged (nothing fetched again), exit 0.
  const second = await runCommand({ ALICE_PW: alice.password }, (cli) => backupAll({ config: file, account: ['alice', 'bob'] }, cli))
  assert.equal(second.code, 0, second.stderr)
  assert.deepEqual(second.value!.map((s) => [s.name, s.status]), [['alice', 'unchanged'], ['bob', 'unchanged']])
  assert.match(second.stderr, /2 of 2 accounts backed up:\n  alice \(atproto\): unchanged, snapshot \S+\n  bob \(atproto\): unchanged, snapshot \S+\n/)

  // A change to bob is a diff on the next run, while alice stays unchanged.
  await bob.agent.post({ text: 'bob after the first backup', createdAt: new Date().toISOString() })
  const third = await runCommand({ ALICE_PW: alice.password, CAROL_PW: carol.password }, (cli) => backupAll({ config: file, account: ['alice', 'bob', 'carol'] }, cli))
  assert.equal(third.code, 0, third.stderr)
  assert.deepEqual(third.value!.map((s) => [s.name, s.status]), [['alice', 'unchanged'], ['bob', 'changed'], ['carol', 'changed']])
  const bobLatest = (await snapshotsOf(store, bob.did)).at(-1)!
  assert.equal(bobLatest.data.full, false, "bob's new snapshot is a diff on the first")
})

test('the built CLI: `lifeboat backup --config FILE --store DIR` with the human summary on stderr and exit 3', async () => {
  const store = join(dir, 'cli-store')
  const file = join(dir, 'cli-config.toml')
  await writeFile(file, configText('/nonexistent/overridden-by-store-flag'), { mode: 0o600 })
  const run = await runCli(['backup', '--config', file, '--store', store, '--account', 'bob', '--account', 'gone'])
  assert.equal(run.code, ExitCode.partial, run.stderr)
  assert.match(run.stderr, /1 of 2 accounts backed up:\n  bob \(atproto\): changed, snapshot \S+\n  gone \(atproto\): failed \(exit 5\): .*\nerror: 1 of 2 accounts could not be backed up: gone\.\nhint: /)
  assert.equal((await snapshotsOf(store, bob.did)).length, 1, 'the --store flag overrides the file')
})
