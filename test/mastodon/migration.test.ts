// `lifeboat alias add` and `lifeboat move` on the three Mastodon-API families: GoToSocial and Akkoma through their
// APIs (guarded like every move: preflight, dry run, --yes), Mastodon through printed steps for its settings pages,
// checked afterwards against the new account's `alsoKnownAs` and the old account's `moved`.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as aliasAdd } from '../../src/commands/alias.js'
import { registerMigrationFactory } from '../../src/adapters/registry.js'
import { run as move } from '../../src/commands/move.js'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { captureCli } from '../_util/cli.js'
import { createFediDirectory } from '../servers/mastodon/directory.js'
import { startMastodonServer, type MastodonTestServer } from '../servers/mastodon/mastodon-server.js'
import { call } from '../servers/mastodon/test-client.js'

registerMigrationFactory(['mastodon', 'gotosocial', 'akkoma', 'pleroma'], () => import('../../src/adapters/mastodon/index.js').then((m) => m.migration))

const directory = createFediDirectory()
let gtsOld: MastodonTestServer
let gtsNew: MastodonTestServer
let akkoma: MastodonTestServer
let masto: MastodonTestServer
let dir: string

before(async () => {
  const off = { enabled: false }
  gtsOld = await startMastodonServer({ flavor: 'gotosocial', domain: 'gts-old.test', directory, rateLimits: off })
  gtsNew = await startMastodonServer({ flavor: 'gotosocial', domain: 'gts-new.test', directory, rateLimits: off })
  akkoma = await startMastodonServer({ flavor: 'akkoma', domain: 'akkoma.test', directory, rateLimits: off })
  masto = await startMastodonServer({ flavor: 'mastodon', domain: 'masto.test', directory, rateLimits: off })
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-mastodon-migration-'))
})
after(async () => {
  await Promise.all([gtsOld, gtsNew, akkoma, masto].map((s) => s?.close()))
})

async function archiveOf(server: MastodonTestServer, token: string, name: string): Promise<string> {
  const output = join(dir, `${name}.zip`)
  await exportMastodon({ server: server.url, output }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } }).cli)
  return output
}

describe('GoToSocial', () => {
  it('adds the alias keeping existing ones, then moves after a preflight and a dry run', async () => {
    const oldAcc = gtsOld.seed.account({ username: 'ann', password: 'hunter2' })
    const oldToken = gtsOld.seed.token(oldAcc.id)
    const earlier = akkoma.seed.account({ username: 'ann' })
    const newAcc = gtsNew.seed.account({ username: 'ann', alsoKnownAs: [earlier.uri] })
    const newToken = gtsNew.seed.token(newAcc.id)

    const alias = await aliasAdd('@ann@gts-old.test', { to: 'gotosocial', server: gtsNew.url }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: newToken } }).cli)
    assert.equal(alias.changed, true)
    const me = (await call(`${gtsNew.url}/api/v1/accounts/verify_credentials`, { token: newToken })).json
    assert.deepEqual(me.source.also_known_as_uris, [earlier.uri, oldAcc.uri], 'the existing alias is kept')
    const again = await aliasAdd('@ann@gts-old.test', { to: 'gotosocial', server: gtsNew.url }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: newToken } }).cli)
    assert.equal(again.changed, false)

    const archive = await archiveOf(gtsOld, oldToken, 'ann-gts')
    const env = { LIFEBOAT_MASTODON_TOKEN: oldToken, ANN_PW: 'hunter2' }
    const dry = await move({ from: 'gotosocial', server: gtsOld.url, to: '@ann@gts-new.test', archive, passwordEnv: 'ANN_PW' }, captureCli({ env }).cli)
    assert.equal(dry.moved, false)
    assert.ok(dry.checks.every((c) => c.ok), JSON.stringify(dry.checks))
    assert.equal((await call(`${gtsOld.url}/api/v1/accounts/${oldAcc.id}`)).json.moved, undefined, 'a dry run moves nothing')

    const wrong = move({ from: 'gotosocial', server: gtsOld.url, to: '@ann@gts-new.test', archive, passwordEnv: 'BAD_PW', yes: true }, captureCli({ env: { ...env, BAD_PW: 'nope' } }).cli)
    await assert.rejects(wrong, (e: Error & { exitCode?: number }) => e.exitCode === 4)

    const done = await move({ from: 'gotosocial', server: gtsOld.url, to: '@ann@gts-new.test', archive, passwordEnv: 'ANN_PW', yes: true }, captureCli({ env }).cli)
    assert.equal(done.moved, true)
    assert.equal((await call(`${gtsOld.url}/api/v1/accounts/${oldAcc.id}`)).json.moved.acct, 'ann@gts-new.test')
  })

  it('refuses to move before the new account lists the old one', async () => {
    const oldAcc = gtsOld.seed.account({ username: 'bea' })
    const token = gtsOld.seed.token(oldAcc.id)
    gtsNew.seed.account({ username: 'bea' })
    const archive = await archiveOf(gtsOld, token, 'bea-gts')
    await assert.rejects(
      move({ from: 'gotosocial', server: gtsOld.url, to: '@bea@gts-new.test', archive, yes: true }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token, LIFEBOAT_MASTODON_PASSWORD: 'password' } }).cli),
      (e: Error & { exitCode?: number }) => e.exitCode === 3 && /alias on the new account/.test(e.message),
    )
    assert.equal((await call(`${gtsOld.url}/api/v1/accounts/${oldAcc.id}`)).json.moved, undefined)
  })
})

describe('Akkoma', () => {
  it('adds an alias through /api/pleroma/aliases and moves through /api/pleroma/move_account', async () => {
    const fromGts = gtsOld.seed.account({ username: 'olga' })
    const olga = akkoma.seed.account({ username: 'olga', password: 'pw' })
    const token = akkoma.seed.token(olga.id)
    const alias = await aliasAdd('@olga@gts-old.test', { to: 'akkoma', server: akkoma.url }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } }).cli)
    assert.deepEqual([alias.changed, alias.aliases], [true, ['olga@gts-old.test']])
    assert.ok((await call(`${akkoma.url}/users/olga`, { accept: 'application/activity+json' })).json.alsoKnownAs.includes(fromGts.uri))

    const target = masto.seed.account({ username: 'olga' })
    masto.seed.setAlsoKnownAs(target.id, [olga.uri])
    const archive = await archiveOf(akkoma, token, 'olga-akkoma')
    const env = { LIFEBOAT_MASTODON_TOKEN: token, LIFEBOAT_MASTODON_PASSWORD: 'pw' }
    const result = await move({ from: 'pleroma', server: akkoma.url, to: '@olga@masto.test', archive, yes: true }, captureCli({ env }).cli)
    assert.equal(result.moved, true)
    assert.equal((await call(`${akkoma.url}/api/v1/accounts/${olga.id}`)).json.moved.acct, 'olga@masto.test')
  })
})

describe('Mastodon (no API): printed steps, then a check that they took effect', () => {
  it('alias: prints the settings steps, fails until the alias shows, then confirms it', async () => {
    const old = gtsOld.seed.account({ username: 'mo' })
    const mo = masto.seed.account({ username: 'mo' })
    const token = masto.seed.token(mo.id)
    const first = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } })
    await assert.rejects(aliasAdd('@mo@gts-old.test', { to: 'mastodon', server: masto.url }, first.cli), (e: Error & { exitCode?: number }) => e.exitCode === 5)
    assert.match(first.stderr(), new RegExp(`${masto.url}/settings/aliases`))
    assert.match(first.stderr(), /Enter @mo@gts-old.test/)
    masto.seed.setAlsoKnownAs(mo.id, [old.uri]) // what "Create alias" in the web UI stores
    const second = await aliasAdd('@mo@gts-old.test', { to: 'mastodon', server: masto.url }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } }).cli)
    assert.deepEqual(second.aliases, [`@mo@gts-old.test (${old.uri})`])
  })

  it('move: prints the settings steps, then reports the move once it shows', async () => {
    const mia = masto.seed.account({ username: 'mia' })
    const token = masto.seed.token(mia.id)
    gtsNew.seed.account({ username: 'mia', alsoKnownAs: [mia.uri] })
    const archive = await archiveOf(masto, token, 'mia-masto')
    const env = { LIFEBOAT_MASTODON_TOKEN: token }
    const first = captureCli({ env })
    const pending = await move({ from: 'mastodon', server: masto.url, to: '@mia@gts-new.test', archive, yes: true }, first.cli)
    assert.equal(pending.moved, false)
    assert.ok(pending.checks.every((c) => c.ok), JSON.stringify(pending.checks))
    assert.match(first.stderr(), new RegExp(`${masto.url}/settings/migration`))
    masto.seed.setMoved(mia.id, masto.accountId(`mia@gts-new.test`)!) // what "Move followers" in the web UI does
    const second = await move({ from: 'mastodon', server: masto.url, to: '@mia@gts-new.test', archive, yes: true }, captureCli({ env }).cli)
    assert.equal(second.moved, true)
  })

  it('uses what the server is rather than what the flag says', async () => {
    const zed = gtsNew.seed.account({ username: 'zed' })
    gtsOld.seed.account({ username: 'zed' })
    const captured = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: gtsNew.seed.token(zed.id) } })
    const result = await aliasAdd('@zed@gts-old.test', { to: 'mastodon', server: gtsNew.url }, captured.cli)
    assert.equal(result.changed, true)
    assert.match(captured.stderr(), /runs gotosocial, not mastodon/)
  })
})
