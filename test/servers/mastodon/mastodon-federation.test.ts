// Search resolution across test instances (two Mastodon-API servers and a stand-in Misskey member of the shared
// directory), delivered follows, and the alias/move endpoints of the GoToSocial and Akkoma flavors versus their
// absence on Mastodon.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createFediDirectory, type DirectoryActor } from './directory.js'
import { startMastodonServer, type MastodonTestServer } from './mastodon-server.js'
import { call } from './test-client.js'

describe('search resolve across instances', () => {
  const directory = createFediDirectory()
  let oldServer: MastodonTestServer
  let newServer: MastodonTestServer
  let alice: { id: string; uri: string }
  let bob: { id: string; uri: string }
  let token: string
  const misskeyCarol: DirectoryActor = {
    uri: 'https://misskey.test/users/9abc', username: 'carol', host: 'misskey.test', url: 'https://misskey.test/@carol',
    displayName: 'Carol', note: '', locked: false, bot: false, alsoKnownAs: [], movedTo: null,
  }

  before(async () => {
    oldServer = await startMastodonServer({ domain: 'old.test', directory })
    newServer = await startMastodonServer({ domain: 'new.test', directory, flavor: 'gotosocial' })
    directory.register({ host: 'misskey.test', lookup: (u) => (u === 'carol' ? misskeyCarol : undefined), lookupUri: (uri) => (uri === misskeyCarol.uri ? misskeyCarol : undefined) })
    alice = oldServer.seed.account({ username: 'alice' })
    bob = newServer.seed.account({ username: 'bob', displayName: 'Bob' })
    token = oldServer.seed.token(alice.id)
  })
  after(async () => {
    await oldServer.close()
    await newServer.close()
  })

  it('finds an unknown remote account only with resolve=true, then knows it', async () => {
    const lookup = await call(`${oldServer.url}/api/v1/accounts/lookup?acct=bob@new.test`)
    assert.equal(lookup.status, 404, 'lookup never resolves')
    const unresolved = await call(`${oldServer.url}/api/v2/search?q=bob@new.test&type=accounts`, { token })
    assert.deepEqual(unresolved.json.accounts, [])
    const resolved = await call(`${oldServer.url}/api/v2/search?q=@bob@new.test&type=accounts&resolve=true`, { token })
    assert.equal(resolved.status, 200)
    assert.equal(resolved.json.accounts.length, 1)
    assert.equal(resolved.json.accounts[0].acct, 'bob@new.test')
    assert.equal(resolved.json.accounts[0].uri, bob.uri)
    const known = await call(`${oldServer.url}/api/v1/accounts/lookup?acct=bob@new.test`)
    assert.equal(known.json.id, resolved.json.accounts[0].id)
  })

  it('resolves a Misskey user registered in the directory, by acct and by actor URI', async () => {
    const byAcct = await call(`${oldServer.url}/api/v2/search?q=carol@misskey.test&resolve=true`, { token })
    assert.equal(byAcct.json.accounts[0].acct, 'carol@misskey.test')
    const byUri = await call(`${oldServer.url}/api/v2/search?q=${encodeURIComponent(misskeyCarol.uri)}&resolve=true`, { token })
    assert.equal(byUri.json.accounts[0].id, byAcct.json.accounts[0].id)
    const nowhere = await call(`${oldServer.url}/api/v2/search?q=dave@gone.test&resolve=true`, { token })
    assert.deepEqual(nowhere.json.accounts, [], 'an unreachable host yields nothing')
  })

  it('refuses anonymous resolution with 401', async () => {
    const res = await call(`${oldServer.url}/api/v2/search?q=bob@new.test&resolve=true`)
    assert.deepEqual([res.status, res.json], [401, { error: 'Search queries that resolve remote resources are not supported without authentication' }])
  })

  it('delivers a follow of a resolved account to its instance', async () => {
    const found = await call(`${oldServer.url}/api/v2/search?q=bob@new.test&resolve=true`, { token })
    const followed = await call(`${oldServer.url}/api/v1/accounts/${found.json.accounts[0].id}/follow`, { token, body: { reblogs: false, languages: ['en', 'de'] } })
    assert.equal(followed.status, 200)
    assert.deepEqual([followed.json.following, followed.json.showing_reblogs, followed.json.languages], [true, false, ['en', 'de']])
    const followers = await call(`${newServer.url}/api/v1/accounts/${bob.id}/followers`)
    assert.deepEqual(followers.json.map((a: any) => a.acct), ['alice@old.test'])
  })
})

describe('alias and move by flavor', () => {
  const directory = createFediDirectory()
  let gtsOld: MastodonTestServer
  let gtsNew: MastodonTestServer
  let akkoma: MastodonTestServer
  let mastodon: MastodonTestServer

  before(async () => {
    gtsOld = await startMastodonServer({ flavor: 'gotosocial', domain: 'gts-old.test', directory })
    gtsNew = await startMastodonServer({ flavor: 'gotosocial', domain: 'gts-new.test', directory })
    akkoma = await startMastodonServer({ flavor: 'akkoma', domain: 'akkoma.test', directory })
    mastodon = await startMastodonServer({ flavor: 'mastodon', domain: 'masto.test', directory })
  })
  after(async () => {
    for (const s of [gtsOld, gtsNew, akkoma, mastodon]) await s.close()
  })

  it('reports each flavor in the instance version and nodeinfo', async () => {
    const versions = await Promise.all([mastodon, gtsOld, akkoma].map((s) => call(`${s.url}/api/v1/instance`)))
    assert.deepEqual(versions.map((v) => v.json.version), ['4.3.2', '0.17.3', '2.7.2 (compatible; Akkoma 3.13.2)'])
    const v2 = await call(`${akkoma.url}/api/v2/instance`)
    assert.equal(v2.json.domain, 'akkoma.test')
    for (const [server, name] of [[mastodon, 'mastodon'], [gtsOld, 'gotosocial'], [akkoma, 'akkoma']] as const) {
      const index = await call(`${server.url}/.well-known/nodeinfo`)
      const info = await call(index.json.links[0].href)
      assert.equal(info.json.software.name, name)
    }
  })

  it('GoToSocial: alias on the new account, then move the old one (password, 202)', async () => {
    const oldAcc = gtsOld.seed.account({ username: 'ann', password: 'hunter2' })
    const newAcc = gtsNew.seed.account({ username: 'ann' })
    const oldToken = gtsOld.seed.token(oldAcc.id)
    const newToken = gtsNew.seed.token(newAcc.id)

    const notAliased = await call(`${gtsOld.url}/api/v1/accounts/move`, { token: oldToken, body: { password: 'hunter2', moved_to_uri: newAcc.uri } })
    assert.equal(notAliased.status, 422)
    assert.match(notAliased.json.error, /^Unprocessable Entity: target account .* is not aliased to this account via alsoKnownAs/)

    const alias = await call(`${gtsNew.url}/api/v1/accounts/alias`, { token: newToken, form: { 'also_known_as_uris[]': [oldAcc.uri] } })
    assert.equal(alias.status, 200)
    assert.deepEqual(alias.json.source.also_known_as_uris, [oldAcc.uri])

    const badAlias = await call(`${gtsNew.url}/api/v1/accounts/alias`, { token: newToken, body: { also_known_as_uris: ['ftp://x'] } })
    assert.equal(badAlias.status, 400)

    const wrong = await call(`${gtsOld.url}/api/v1/accounts/move`, { token: oldToken, body: { password: 'nope', moved_to_uri: newAcc.uri } })
    assert.deepEqual([wrong.status, wrong.json], [400, { error: 'Bad Request: invalid password provided in account Move request' }])

    const moved = await call(`${gtsOld.url}/api/v1/accounts/move`, { token: oldToken, body: { password: 'hunter2', moved_to_uri: newAcc.uri } })
    assert.deepEqual([moved.status, moved.json], [202, { message: 'accepted' }])
    const me = await call(`${gtsOld.url}/api/v1/accounts/${oldAcc.id}`)
    assert.equal(me.json.moved.acct, 'ann@gts-new.test')
  })

  it('Akkoma: aliases GET/PUT/DELETE and move_account', async () => {
    const oldAcc = akkoma.seed.account({ username: 'olga', password: 'pw' })
    const token = akkoma.seed.token(oldAcc.id)
    const target = mastodon.seed.account({ username: 'olga' })
    // The alias must be a known account: resolve it first, as Pleroma's find_user_by_nickname does not fetch.
    const unknown = await call(`${akkoma.url}/api/pleroma/aliases`, { token, method: 'PUT', body: { alias: 'olga@masto.test' } })
    assert.deepEqual([unknown.status, unknown.json], [404, { error: 'Target account does not exist.' }])
    await call(`${akkoma.url}/api/v2/search?q=olga@masto.test&resolve=true`, { token })
    const put = await call(`${akkoma.url}/api/pleroma/aliases`, { token, method: 'PUT', body: { alias: 'olga@masto.test' } })
    assert.deepEqual(put.json, { status: 'success' })
    assert.deepEqual((await call(`${akkoma.url}/api/pleroma/aliases`, { token })).json, { aliases: ['olga@masto.test'] })
    const del = await call(`${akkoma.url}/api/pleroma/aliases`, { token, method: 'DELETE', body: { alias: 'olga@masto.test' } })
    assert.deepEqual(del.json, { status: 'success' })
    assert.deepEqual((await call(`${akkoma.url}/api/pleroma/aliases`, { token })).json, { aliases: [] })

    const wrong = await call(`${akkoma.url}/api/pleroma/move_account`, { token, body: { password: 'x', target_account: 'olga@masto.test' } })
    assert.deepEqual([wrong.status, wrong.json], [200, { error: 'Invalid password.' }])
    const unaliased = await call(`${akkoma.url}/api/pleroma/move_account`, { token, body: { password: 'pw', target_account: 'olga@masto.test' } })
    assert.deepEqual(unaliased.json, { error: 'Target account must have the origin in `alsoKnownAs`' })
    mastodon.seed.setAlsoKnownAs(target.id, [oldAcc.uri])
    const moved = await call(`${akkoma.url}/api/pleroma/move_account`, { token, body: { password: 'pw', target_account: 'olga@masto.test' } })
    assert.deepEqual(moved.json, { status: 'success' })
    assert.equal((await call(`${akkoma.url}/api/v1/accounts/${oldAcc.id}`)).json.moved.acct, 'olga@masto.test')
  })

  it('Mastodon: no alias or move API (404), but the actor and account show a move done in the web UI', async () => {
    const oldAcc = mastodon.seed.account({ username: 'mo' })
    const newAcc = gtsNew.seed.account({ username: 'mo' })
    const token = mastodon.seed.token(oldAcc.id)
    for (const [method, path] of [['POST', '/api/v1/accounts/alias'], ['POST', '/api/v1/accounts/move'], ['GET', '/api/pleroma/aliases'], ['POST', '/api/pleroma/move_account']]) {
      const res = await call(`${mastodon.url}${path}`, { token, method, body: method === 'POST' ? {} : undefined })
      assert.deepEqual([res.status, res.json], [404, { error: 'Not Found' }], path)
    }
    const resolved = await call(`${mastodon.url}/api/v2/search?q=mo@gts-new.test&resolve=true`, { token })
    mastodon.seed.setAlsoKnownAs(oldAcc.id, [newAcc.uri])
    mastodon.seed.setMoved(oldAcc.id, resolved.json.accounts[0].id)
    const actor = await call(`${mastodon.url}/users/mo`, { accept: 'application/activity+json' })
    assert.equal(actor.headers.get('content-type'), 'application/activity+json; charset=utf-8')
    assert.deepEqual(actor.json.alsoKnownAs, [newAcc.uri])
    assert.equal(actor.json.movedTo, newAcc.uri)
    const account = await call(`${mastodon.url}/api/v1/accounts/${oldAcc.id}`)
    assert.equal(account.json.moved.uri, newAcc.uri)
    const refused = await call(`${mastodon.url}/api/v1/accounts/${oldAcc.id}/follow`, { token: mastodon.seed.token(mastodon.seed.account({ username: 'fan' }).id), method: 'POST' })
    assert.deepEqual([refused.status, refused.json], [403, { error: 'This action is not allowed' }], 'a moved account cannot be followed')
  })
})
