// Drives the fake Misskey with the real misskey-js APIClient (and plain fetch where status and headers matter,
// since misskey-js hides them). Expected values are the recorded ones (/work/shared/fixtures/misskey, named per test).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as Misskey from 'misskey-js'
import { createMisskeyDirectory } from './directory.js'
import { seedRecordedScenario } from './scenario.js'
import type { Scenario } from './scenario.js'
import { startMisskeyServer } from './server.js'
import type { MisskeyTestServer } from './server.js'
import { until } from '../../_util/wait.js'

interface Raw {
  status: number
  headers: Headers
  body: any
}

async function post(server: MisskeyTestServer, endpoint: string, body: unknown, init: RequestInit = {}): Promise<Raw> {
  const res = await fetch(`${server.url}/api/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) }
}

async function apiError(promise: Promise<unknown>): Promise<{ code: string; id: string; info?: any }> {
  try {
    await promise
  } catch (err) {
    assert.ok(Misskey.api.isAPIError(err as Misskey.api.APIError), `expected an API error, got ${String(err)}`)
    return err as { code: string; id: string; info?: any }
  }
  assert.fail('expected the call to fail')
}

describe('fake Misskey server', () => {
  let server: MisskeyTestServer
  let sc: Scenario
  let alice: Misskey.api.APIClient
  let anonymous: Misskey.api.APIClient

  before(async () => {
    server = await startMisskeyServer({ rateLimits: { enabled: false }, exportDelayMs: 5 })
    sc = seedRecordedScenario(server.seed)
    alice = new Misskey.api.APIClient({ origin: server.url, credential: sc.tokens.alice })
    anonymous = new Misskey.api.APIClient({ origin: server.url })
  })
  after(() => server.close())

  it('pages users/notes newest first with untilId, 100 + 48 + end (users_notes__page1/2/3)', async () => {
    const userId = sc.users.alice.id
    const page1 = await alice.request('users/notes', { userId, limit: 100 })
    assert.equal(page1.length, 100)
    const ids = page1.map((n) => n.id)
    assert.deepEqual(ids, [...ids].sort().reverse())
    const page2 = await alice.request('users/notes', { userId, limit: 100, untilId: ids.at(-1)! })
    assert.equal(page2.length, 48)
    assert.ok(page2.every((n) => n.id < ids.at(-1)!))
    assert.deepEqual(await alice.request('users/notes', { userId, limit: 100, untilId: page2.at(-1)!.id }), [])
    assert.equal((await alice.request('users/notes', { userId })).length, 10)
    const replies1 = await alice.request('users/notes', { userId, limit: 100, withReplies: true })
    const replies2 = await alice.request('users/notes', { userId, limit: 100, withReplies: true, untilId: replies1.at(-1)!.id })
    assert.equal(replies1.length + replies2.length, 149)
  })

  it('answers sinceId alone oldest first and sinceId+untilId newest first (users_notes__sinceId-*)', async () => {
    const all = [...sc.aliceNotes].filter((n) => n.replyId == null).map((n) => n.id)
    const since = all[20]!
    const asc = await alice.request('users/notes', { userId: sc.users.alice.id, sinceId: since, limit: 10 })
    assert.deepEqual(
      asc.map((n) => n.id),
      all.slice(21, 31),
    )
    const window = await alice.request('users/notes', { userId: sc.users.alice.id, sinceId: since, untilId: all[40]!, limit: 10 })
    assert.deepEqual(
      window.map((n) => n.id),
      all.slice(30, 40).reverse(),
    )
  })

  it('rejects limits outside 1..100 with the recorded INVALID_PARAM info', async () => {
    const over = await apiError(alice.request('users/notes', { userId: sc.users.alice.id, limit: 101 }))
    assert.equal(over.code, 'INVALID_PARAM')
    assert.deepEqual(over.info, { param: '#/properties/limit/maximum', reason: 'must be <= 100' })
    const zero = await apiError(alice.request('users/notes', { userId: sc.users.alice.id, limit: 0 }))
    assert.deepEqual(zero.info, { param: '#/properties/limit/minimum', reason: 'must be >= 1' })
    const following = await post(server, 'users/following', { userId: sc.users.alice.id, limit: 101, i: sc.tokens.alice })
    assert.equal(following.status, 400)
    assert.equal(following.body.error.info.param, '#/allOf/1/properties/limit/maximum')
  })

  it('lists relations by relation id with the other user embedded (users_following__limit1-untilId)', async () => {
    const first = await alice.request('users/following', { userId: sc.users.alice.id, limit: 1 })
    assert.equal(first.length, 1)
    assert.equal(first[0]!.followee!.username, 'carol')
    assert.notEqual(first[0]!.id, first[0]!.followeeId)
    const second = await alice.request('users/following', { userId: sc.users.alice.id, limit: 1, untilId: first[0]!.id })
    assert.equal(second[0]!.followee!.username, 'bob')
    const blocks = await alice.request('blocking/list', {})
    assert.deepEqual(
      blocks.map((b) => b.blockee.username),
      ['dave'],
    )
  })

  it('hides notes by visibility: omitted from users/notes, isHidden in notes/show', async () => {
    const anon = await anonymous.request('users/notes', { userId: sc.users.alice.id, limit: 100 })
    const visibilities = new Set(anon.map((n) => n.visibility))
    assert.ok(!visibilities.has('followers') && !visibilities.has('specified') && visibilities.has('home'))
    const carol = new Misskey.api.APIClient({ origin: server.url, credential: sc.tokens.carol })
    const hidden = await carol.request('notes/show', { noteId: sc.notes.specified!.id })
    assert.equal(hidden.isHidden, true)
    assert.equal(hidden.text, null)
    const bob = new Misskey.api.APIClient({ origin: server.url, credential: sc.tokens.bob })
    assert.equal((await bob.request('notes/show', { noteId: sc.notes.specified!.id })).text, '@bob a direct (specified) note only for you.')
  })

  it('refuses app tokens on secure endpoints with 400 ACCESS_DENIED, and wrong tokens with 401', async () => {
    const app = new Misskey.api.APIClient({ origin: server.url, credential: sc.tokens.aliceApp })
    assert.equal((await app.request('i', {})).username, 'alice')
    for (const ep of ['i/move', 'i/export-notes'] as const) {
      const res = await post(server, ep, { moveToAccount: '@bob', i: sc.tokens.aliceApp })
      assert.equal(res.status, 400, ep)
      assert.deepEqual(res.body.error, { message: 'Access denied.', code: 'ACCESS_DENIED', id: '56f35758-7dd5-468b-8439-5d6fb8ec9b8e', kind: 'client' })
    }
    assert.equal((await post(server, 'i/move', { moveToAccount: '@bob' })).status, 400)
    const invalid = await post(server, 'i/export-notes', { i: 'xxxxxxxxxxxxxxxx' })
    assert.equal(invalid.status, 401)
    assert.equal(invalid.body.error.code, 'AUTHENTICATION_FAILED')
    const missing = await post(server, 'i', {})
    assert.equal(missing.status, 401)
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="Misskey"')
  })

  it('checks app-token permission kinds: 403 PERMISSION_DENIED (drive_files__limited-token-permission-denied)', async () => {
    const limited = server.seed.token(sc.users.alice, 'app', ['read:account'])
    const res = await post(server, 'drive/files', { limit: 5, i: limited })
    assert.equal(res.status, 403)
    assert.equal(res.body.error.code, 'PERMISSION_DENIED')
    assert.match(res.headers.get('www-authenticate')!, /insufficient_scope/)
    assert.equal((await post(server, 'i', { i: limited })).status, 200)
  })

  it('runs a native-token export: 204, then a file in the drive root and a notification', async () => {
    assert.equal(await alice.request('i/export-following', {}), null)
    let file: Misskey.entities.DriveFile | undefined
    await until(async () => {
      file = (await alice.request('drive/files', { limit: 100 })).find((f) => f.name.startsWith('following-'))
      return file !== undefined
    }, 'the export file in the drive')
    assert.ok(file, 'export file appeared')
    assert.equal(file.type, 'text/csv')
    const csv = await (await fetch(file.url)).text()
    assert.equal(csv, `bob@${server.host},withReplies=false\ncarol@${server.host},withReplies=false\n`)
    const notes = await alice.request('i/notifications', {})
    assert.equal((notes[0] as { exportedEntity?: string }).exportedEntity, 'following')
  })

  it('serves drive bytes at url: GET, HEAD, Range, ?download=1, unknown key (files/*.json)', async () => {
    const [shown] = await alice.request('drive/files', { limit: 1, sort: '-name' })
    assert.equal(shown!.name, 'attach-alt.jpg')
    const seeded = sc.files.alt!.bytes
    const get = await fetch(shown!.url)
    assert.equal(get.status, 200)
    assert.equal(get.headers.get('content-disposition'), 'inline; filename="attach-alt.jpg"')
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), seeded)
    const head = await fetch(shown!.url, { method: 'HEAD' })
    assert.equal(head.headers.get('content-length'), String(seeded.length))
    const range = await fetch(shown!.url, { headers: { range: 'bytes=0-3' } })
    assert.equal(range.status, 206)
    assert.equal(range.headers.get('content-range'), `bytes 0-3/${seeded.length}`)
    const redirect = await fetch(`${shown!.url}?download=1`, { redirect: 'manual' })
    assert.equal(redirect.status, 301)
    assert.equal(redirect.headers.get('location'), new URL(shown!.url).pathname)
    assert.equal((await fetch(`${server.url}/files/00000000-0000-0000-0000-000000000000`)).status, 404)
  })

  it('answers malformed requests as Fastify does (users_show__error-*, unknown-endpoint__*, i__error-*)', async () => {
    const malformed = await post(server, 'users/show', '{"username": "alice",')
    assert.equal(malformed.status, 400)
    assert.equal(malformed.body.code, 'FST_ERR_CTP_INVALID_JSON_BODY')
    const plain = await post(server, 'users/show', 'username=alice', { headers: { 'content-type': 'text/plain' } })
    assert.deepEqual(plain.body.error.info, { param: '#/allOf/0/anyOf/0/type', reason: 'must be object' })
    assert.equal((await fetch(`${server.url}/api/i`)).status, 405)
    const unknownPost = await post(server, 'no-such-endpoint', {})
    assert.deepEqual(unknownPost.body, { message: 'Route POST:/api/no-such-endpoint not found', error: 'Not Found', statusCode: 404 })
    const unknownGet = await fetch(`${server.url}/api/no-such-endpoint`)
    assert.equal((await unknownGet.json()).error.code, 'UNKNOWN_API_ENDPOINT')
    const scheme = await post(server, 'i', {}, { headers: { 'content-type': 'application/json', authorization: `Token ${sc.tokens.alice}` } })
    assert.equal(scheme.body.error.code, 'CREDENTIAL_REQUIRED')
    const bearer = await post(server, 'i', {}, { headers: { 'content-type': 'application/json', authorization: `Bearer ${sc.tokens.alice}` } })
    assert.equal(bearer.body.username, 'alice')
    await assert.rejects(post(server, 'i', { i: 12345 }, { signal: AbortSignal.timeout(200) }), /abort|timeout/i)
  })

  it('identifies itself as Misskey through meta and nodeinfo', async () => {
    const meta = await anonymous.request('meta', { detail: false })
    assert.equal(meta.version, '2025.11.1')
    assert.equal(meta.repositoryUrl, 'https://github.com/misskey-dev/misskey')
    const wellKnown = await (await fetch(`${server.url}/.well-known/nodeinfo`)).json()
    const nodeinfo = await (await fetch(wellKnown.links[0].href)).json()
    assert.equal(nodeinfo.software.name, 'misskey')
  })

  it('takes replay writes: lists/create + push, mute/create, blocking/create, drive upload (setup/03x fixtures)', async () => {
    const newcomer = server.seed.user({ username: 'newcomer' })
    const client = new Misskey.api.APIClient({ origin: server.url, credential: server.seed.token(newcomer, 'app') })
    const list = await client.request('users/lists/create', { name: 'Friends' })
    assert.deepEqual(list.userIds, [])
    assert.equal(await client.request('users/lists/push', { listId: list.id, userId: sc.users.bob.id }), null)
    assert.equal((await apiError(client.request('users/lists/push', { listId: list.id, userId: sc.users.bob.id }))).code, 'ALREADY_ADDED')
    assert.equal(await client.request('mute/create', { userId: sc.users.erin.id }), null)
    assert.equal((await apiError(client.request('mute/create', { userId: sc.users.erin.id }))).code, 'ALREADY_MUTING')
    assert.equal((await client.request('blocking/create', { userId: sc.users.dave.id })).isBlocking, true)
    assert.equal((await apiError(client.request('following/create', { userId: 'atv7zzzzzzzzzzzz' }))).id, 'fcd2eef9-a9b2-4c4f-8624-038099e90aa5')
    const upload = await client.request('drive/files/create', { file: new Blob([Buffer.from('hello')], { type: 'text/plain' }), name: 'hello.txt' })
    assert.equal(upload.size, 5)
    assert.equal(await (await fetch(upload.url)).text(), 'hello')
  })

  it('counts requests per endpoint', () => {
    const counters = server.counters()
    assert.ok(counters.byEndpoint['users/notes']! >= 8)
    assert.equal(counters.rateLimited, 0)
  })
})

describe('rate limits', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once the window is full, failed calls counting', async () => {
    let now = Date.parse('2026-11-22T10:00:00Z')
    const server = await startMisskeyServer({ clock: () => now, rateLimits: { overrides: { 'following/create': { duration: 1000, max: 2 } } } })
    try {
      const alice = server.seed.user({ username: 'alice' })
      const bob = server.seed.user({ username: 'bob' })
      const token = server.seed.token(alice)
      assert.equal((await post(server, 'following/create', { userId: bob.id, i: token })).status, 200)
      assert.equal((await post(server, 'following/create', { userId: bob.id, i: token })).body.error.code, 'ALREADY_FOLLOWING')
      const limited = await post(server, 'following/create', { userId: bob.id, i: token })
      assert.equal(limited.status, 429)
      assert.equal(limited.headers.get('retry-after'), '1')
      assert.equal(limited.headers.get('www-authenticate'), null)
      assert.equal(limited.body.error.code, 'RATE_LIMIT_EXCEEDED')
      assert.equal(limited.body.error.id, 'd5826d14-3982-4d2e-8011-b9e9f02499ef')
      assert.deepEqual(Object.keys(limited.body.error.info), ['remaining', 'reset', 'resetMs', 'total'])
      assert.equal(limited.body.error.info.total, 2)
      now += 1001
      assert.equal((await post(server, 'following/create', { userId: bob.id, i: token })).body.error.code, 'ALREADY_FOLLOWING')
      assert.equal(server.counters().rateLimited, 1)
    } finally {
      await server.close()
    }
  })

  it('models the hourly upstream limit on a compressed clock and switches off with factor 0', async () => {
    let now = 0
    const server = await startMisskeyServer({ clock: () => now })
    const relaxed = await startMisskeyServer({ rateLimits: { factor: 0 } })
    try {
      const [a, b] = [server.seed.user({ username: 'a' }), server.seed.user({ username: 'b' })]
      const token = server.seed.token(a)
      for (let i = 0; i < 100; i++) assert.notEqual((await post(server, 'following/create', { userId: b.id, i: token })).status, 429)
      const limited = await post(server, 'following/create', { userId: b.id, i: token })
      assert.equal(limited.status, 429)
      assert.equal(Number(limited.headers.get('retry-after')), 3600)
      now += 3_600_001
      assert.notEqual((await post(server, 'following/create', { userId: b.id, i: token })).status, 429)
      const [c, d] = [relaxed.seed.user({ username: 'c' }), relaxed.seed.user({ username: 'd' })]
      const relaxedToken = relaxed.seed.token(c)
      for (let i = 0; i < 101; i++) assert.notEqual((await post(relaxed, 'following/create', { userId: d.id, i: relaxedToken })).status, 429)
    } finally {
      await Promise.all([server.close(), relaxed.close()])
    }
  })
})

describe('two instances sharing a directory', () => {
  it('resolve each other, deliver follows, accept an alias and complete a move', async () => {
    const directory = createMisskeyDirectory()
    const old = await startMisskeyServer({ directory, rateLimits: { enabled: false } })
    const fresh = await startMisskeyServer({ directory, rateLimits: { enabled: false } })
    try {
      const sc = seedRecordedScenario(old.seed, { bulkNotes: 3 })
      const alice2 = fresh.seed.user({ username: 'alice2' })
      const token2 = fresh.seed.token(alice2)
      const client = new Misskey.api.APIClient({ origin: fresh.url, credential: token2 })

      const bob = await client.request('users/show', { username: 'bob', host: old.host })
      assert.equal(bob.host, old.host)
      assert.equal(bob.uri, `${old.url}/users/${sc.users.bob.id}`)
      assert.notEqual(bob.id, sc.users.bob.id)
      const viaUri = await client.request('ap/show', { uri: `${old.url}/users/${sc.users.carol.id}` })
      assert.equal(viaUri.type, 'User')
      assert.equal((viaUri.object as { username: string }).username, 'carol')
      const note = await client.request('ap/show', { uri: `${old.url}/notes/${sc.notes.public!.id}` })
      assert.equal((note.object as { text: string }).text, 'Hello world! This is a plain public note.')
      assert.equal((await apiError(client.request('ap/show', { uri: `${old.url}/notes/${sc.notes.followers!.id}` }))).code, 'REQUEST_FAILED')
      const unknownHost = await post(fresh, 'users/show', { username: 'x', host: 'nowhere.example', i: token2 })
      assert.equal(unknownHost.status, 500)
      assert.equal(unknownHost.body.error.code, 'FAILED_TO_RESOLVE_REMOTE_USER')

      await client.request('following/create', { userId: bob.id })
      const bobFollowers = await new Misskey.api.APIClient({ origin: old.url }).request('users/followers', { userId: sc.users.bob.id, limit: 100 })
      assert.ok(bobFollowers.some((f) => f.follower?.username === 'alice2' && f.follower.host === fresh.host))

      const updated = await client.request('i/update', { alsoKnownAs: [`@alice@${old.host}`] })
      const aliasId = updated.alsoKnownAs![0]!
      assert.equal((await client.request('users/show', { userId: aliasId })).uri, `${old.url}/users/${sc.users.alice.id}`)

      const moved = await post(old, 'i/move', { moveToAccount: `@alice2@${fresh.host}`, i: sc.tokens.alice })
      assert.equal(moved.status, 200)
      assert.equal(typeof moved.body.movedTo, 'string')
      const followers = await client.request('users/followers', { userId: alice2.id, limit: 100 })
      assert.deepEqual(followers.map((f) => f.follower!.username).sort(), ['bob', 'carol'])
      const again = await post(old, 'i/move', { moveToAccount: `@alice2@${fresh.host}`, i: sc.tokens.alice })
      assert.equal(again.body.error.code, 'YOUR_ACCOUNT_MOVED')
      const refused = await post(old, 'i/move', { moveToAccount: `@alice2@${fresh.host}`, i: sc.tokens.bob })
      assert.equal(refused.body.error.code, 'DESTINATION_ACCOUNT_FORBIDS')
    } finally {
      await Promise.all([old.close(), fresh.close()])
    }
  })
})
