// `lifeboat backup --config FILE` with one account on each network: a real PDS (@atproto/dev-env) and the Misskey,
// Mastodon and Matrix test servers (test/servers/). Two nightly runs: the first snapshots all four into the one store,
// the second is incremental (AT Protocol unchanged; the others store no new medium and download none of the account's
// media again).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { createAccount, type SampleAccount } from '../../src/demo/sample-account.js'
import { run as backupAll, type AccountSummary } from '../../src/commands/backup-all-run.js'
import { openStore } from '../../src/store/store.js'
import { startWorld as startMisskey, type World as MisskeyWorld } from '../misskey/world.js'
import { seedAlice, startWorld as startMastodon, type SeededAlice, type World as MastodonWorld } from '../mastodon/_world.js'
import { startMatrixServer, type MatrixTestServer } from '../servers/matrix/server.js'
import type { SeededUser } from '../servers/matrix/seed.js'
import { runCommand } from '../_util/cli.js'

let pds: TestNetworkNoAppView
let alice: SampleAccount
let misskey: MisskeyWorld
let mastodon: MastodonWorld
let mastodonAlice: SeededAlice
let matrix: MatrixTestServer
let dora: SeededUser
let dir: string

before(async () => {
  pds = await TestNetworkNoAppView.create({})
  alice = await createAccount(pds.pds.url, 'alice')
  await alice.agent.post({ text: 'alice on the PDS', createdAt: new Date().toISOString() })
  misskey = await startMisskey()
  mastodon = await startMastodon()
  mastodonAlice = seedAlice(mastodon.old, mastodon.friendsServer, 20)
  matrix = await startMatrixServer()
  dora = matrix.seed.user('dora', { displayname: 'Dora' })
  const room = matrix.seed.room({ creator: dora.userId, kind: 'private', name: 'Notes' })
  matrix.seed.messages(room, { count: 30, senders: [dora.userId], startTs: 1_700_000_000_000, intervalMs: 1000 })
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-backup-networks-'))
})

after(async () => {
  await matrix?.close()
  await mastodon?.close()
  await misskey?.close()
  await pds?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

test('one config, an account on each network: two nightly runs into one store, the second incremental', async () => {
  const store = join(dir, 'store')
  const file = join(dir, 'config.toml')
  await writeFile(
    file,
    `[store]
path = "${store}"

[[account]]
name = "bsky"
network = "atproto"
handle = "${alice.handle}"
server = "${pds.pds.url}"
password-env = "PDS_PW"

[[account]]
name = "misskey"
network = "misskey"
server = "${misskey.old.url}"
token-env = "MISSKEY_TOKEN"

[[account]]
name = "mastodon"
network = "mastodon"
server = "${mastodon.old.url}"
token-env = "MASTODON_TOKEN"

[[account]]
name = "matrix"
network = "matrix"
server = "${matrix.url}"
user = "${dora.userId}"
token-env = "MATRIX_TOKEN"
`,
    { mode: 0o600 },
  )
  const env = { PDS_PW: alice.password, MISSKEY_TOKEN: misskey.sc.tokens.aliceApp, MASTODON_TOKEN: mastodonAlice.token, MATRIX_TOKEN: dora.accessToken }
  const statuses = (summaries: AccountSummary[] | undefined) => summaries?.map((s) => [s.name, s.status])

  const first = await runCommand(env, (cli) => backupAll({ config: file }, cli))
  assert.equal(first.code, 0, first.stderr)
  assert.deepEqual(statuses(first.value), [['bsky', 'changed'], ['misskey', 'changed'], ['mastodon', 'changed'], ['matrix', 'changed']])
  const kinds = (await (await openStore(store)).listSnapshots()).map((s) => `${s.kind} ${s.kind === 'account-archive' ? (s.data as { network: string }).network : ''}`.trim()).sort()
  assert.deepEqual(kinds, ['account-archive mastodon', 'account-archive matrix', 'account-archive misskey', 'atproto-repo'])

  misskey.old.log.length = 0
  const mastodonBefore = mastodon.old.requests.length
  const second = await runCommand(env, (cli) => backupAll({ config: file }, cli))
  assert.equal(second.code, 0, second.stderr)
  // AT Protocol: one request, no new snapshot data. The others: an incremental export (their --since cursors) that
  // stores no medium again; whether its snapshot counts as `unchanged` is the account-archive format's business.
  assert.equal(second.value![0]!.status, 'unchanged')
  assert.ok(second.value!.every((s) => s.status !== 'failed'), second.stderr)
  const storeNow = await openStore(store)
  for (const summary of second.value!.slice(1)) {
    const snapshot = await storeNow.readSnapshot(summary.snapshots[0]!)
    assert.equal(snapshot.stats.newMedia, 0, `${summary.name}: no new media in ${JSON.stringify(snapshot.stats)}`)
  }
  // At most the profile's avatar and banner/header are read again (the exports list them every time), none of the
  // account's other media (40 drive files on Misskey, the statuses' media on Mastodon).
  assert.ok(misskey.old.log.filter((e) => e.path.startsWith('/files/')).length <= 2, 'no Misskey drive file downloaded again')
  assert.ok(mastodon.old.requests.slice(mastodonBefore).filter((e) => e.path.startsWith('/system/')).length <= 2, 'no Mastodon status medium downloaded again')
})
