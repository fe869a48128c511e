/**
 * The Matrix test homeserver, driven by the real matrix-js-sdk 37.5.0 over HTTP.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClientEvent, Direction, EventType, MatrixError, Method, MsgType, type MatrixClient } from 'matrix-js-sdk'
import { sdkClient } from './sdk-client.js'
import { startMatrixServer, type MatrixTestServer } from './server.js'

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5ddc2a50000000049454e44ae426082', 'hex')

/**
 * The SDK's sync loop arms an 80 s+ local timeout per /sync that it never clears (matrix-js-sdk
 * `http-api/utils.js` timeoutSignal), which would hold this test process open after the tests end.
 * While this file runs, timers of a minute or more are unref'd; shorter ones are left alone.
 */
const realSetTimeout = globalThis.setTimeout
before(() => {
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    const timer = realSetTimeout(...args)
    if ((args[1] ?? 0) >= 60_000) timer.unref()
    return timer
  }) as typeof setTimeout
})
after(() => {
  globalThis.setTimeout = realSetTimeout
})

/** The rate buckets' clock: it moves only when a test says, so a burst is a burst however slow the machine. */
let rateNow = Date.parse('2026-11-22T09:42:15.000Z')
const rateClock = (): number => rateNow

async function rejection(p: Promise<unknown>): Promise<MatrixError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof MatrixError, `expected MatrixError, got ${String(err)}`)
    return err
  }
  assert.fail('expected the request to fail')
}

/** Pages a room backwards to the end; returns the chunk sizes and whether each page had `end`. */
async function pageAll(client: MatrixClient, roomId: string, limit: number): Promise<{ sizes: number[]; bodies: string[]; pages: number }> {
  const sizes: number[] = []
  const bodies: string[] = []
  let from: string | null = null
  for (let pages = 1; pages < 10_000; pages++) {
    const res = await client.createMessagesRequest(roomId, from, limit, Direction.Backward)
    sizes.push(res.chunk.length)
    for (const e of res.chunk) if (typeof e.content.body === 'string') bodies.push(e.content.body)
    if (!res.end) return { sizes, bodies, pages }
    from = res.end
  }
  assert.fail('pagination did not end')
}

describe('matrix test server (spec mode)', () => {
  let server: MatrixTestServer
  let alice: { userId: string; accessToken: string; deviceId: string }
  let bob: typeof alice
  let mallory: typeof alice
  let publicRoom: string

  before(async () => {
    server = await startMatrixServer({ rateClock })
    alice = server.seed.user('alice', { password: 'alice-pw', displayname: 'Alice Liddell' })
    bob = server.seed.user('bob', { password: 'bob-pw', displayname: 'Bob Builder' })
    mallory = server.seed.user('mallory', { password: 'm-pw' })
    publicRoom = server.seed.room({ creator: alice.userId, kind: 'public', name: 'General', alias: 'general', members: [bob.userId, mallory.userId] })
    server.seed.messages(publicRoom, { count: 25, senders: [alice.userId, bob.userId] })
    server.seed.messages(publicRoom, { count: 30, senders: [mallory.userId], content: (k) => ({ msgtype: 'm.text', body: `spam ${k}` }) })
    server.seed.messages(publicRoom, { count: 25, senders: [bob.userId], content: (k) => ({ msgtype: 'm.text', body: `late ${k}` }) })
    server.seed.ignore(alice.userId, [mallory.userId])
  })
  after(() => server.close())

  it('logs in with a password and answers whoami, versions and well-known', async () => {
    const anon = sdkClient(server)
    const login = await anon.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bob' }, password: 'bob-pw' })
    assert.equal(login.user_id, bob.userId)
    const client = sdkClient(server, { userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id })
    assert.deepEqual(await client.whoami(), { user_id: bob.userId, is_guest: false, device_id: login.device_id })
    const versions = (await (await fetch(`${server.url}/_matrix/client/versions`)).json()) as { versions: string[] }
    assert.ok(versions.versions.includes('v1.11'))
    const wellKnown = (await (await fetch(`${server.url}/.well-known/matrix/client`)).json()) as Record<string, { base_url: string }>
    assert.equal(wellKnown['m.homeserver']!.base_url, server.url)
    const wrong = await rejection(anon.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bob' }, password: 'nope' }))
    assert.equal(wrong.httpStatus, 403)
    assert.equal(wrong.errcode, 'M_FORBIDDEN')
    const badToken = await rejection(sdkClient(server, { ...bob, accessToken: 'bogus' }).getJoinedRooms())
    assert.equal(badToken.httpStatus, 401)
    assert.equal(badToken.errcode, 'M_UNKNOWN_TOKEN')
  })

  it('syncs account data, tags, invites and left rooms with inline and stored filters', async () => {
    const carol = server.seed.user('carol-sync')
    const dm = server.seed.room({ creator: carol.userId, kind: 'dm', members: [alice.userId], direct: true })
    const invited = server.seed.room({ creator: alice.userId, kind: 'private', name: 'Invite', invited: [carol.userId] })
    const left = server.seed.room({ creator: alice.userId, kind: 'private', name: 'Left', members: [carol.userId] })
    server.seed.message(left, carol.userId, 'before leaving')
    server.seed.leave(left, carol.userId)
    server.seed.tag(carol.userId, dm, 'm.favourite', { order: 0.25 })
    const client = sdkClient(server, carol)
    const inline = JSON.stringify({ room: { timeline: { limit: 2 }, include_leave: true } })
    const sync = await client.http.authedRequest<Record<string, any>>(Method.Get, '/sync', { filter: inline })
    const direct = sync.account_data.events.find((e: { type: string }) => e.type === 'm.direct')
    assert.deepEqual(direct.content, { [alice.userId]: [dm] })
    assert.ok(sync.account_data.events.some((e: { type: string }) => e.type === 'm.push_rules'))
    assert.deepEqual(sync.rooms.join[dm].account_data.events, [{ type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.25 } } } }])
    assert.equal(sync.rooms.join[dm].timeline.events.length, 2)
    assert.equal(sync.rooms.join[dm].timeline.limited, true)
    assert.ok(sync.rooms.invite[invited].invite_state.events.some((e: { type: string }) => e.type === 'm.room.name'))
    assert.equal(sync.rooms.leave[left].timeline.events.at(-1).content.membership, 'leave')

    const filter = await client.createFilter({ room: { timeline: { limit: 1 } }, account_data: { types: ['m.direct'] } })
    const stored = await client.http.authedRequest<Record<string, any>>(Method.Get, '/sync', { filter: filter.filterId! })
    assert.deepEqual(stored.account_data.events.map((e: { type: string }) => e.type), ['m.direct'])
    assert.equal(stored.rooms.join[dm].timeline.events.length, 1)
    assert.deepEqual(stored.rooms.leave, {}, 'left rooms need include_leave on an initial sync')

    server.seed.message(dm, alice.userId, 'after the first sync')
    const incremental = await client.http.authedRequest<Record<string, any>>(Method.Get, '/sync', { filter: filter.filterId!, since: stored.next_batch, timeout: '0' })
    assert.deepEqual(Object.keys(incremental.rooms.join), [dm])
    assert.equal(incremental.rooms.join[dm].timeline.events[0].content.body, 'after the first sync')
  })

  it('lets the real SDK sync loop reach PREPARED', async () => {
    const client = sdkClient(server, bob)
    client.startClient({ initialSyncLimit: 3 })
    try {
      await new Promise<void>((resolve) => client.once(ClientEvent.Sync, () => resolve()))
      const room = client.getRoom(publicRoom)
      assert.equal(room?.name, 'General')
      assert.equal(room?.getLiveTimeline().getEvents().at(-1)?.getContent().body, 'late 24')
    } finally {
      client.stopClient()
    }
  })

  it('pages /messages to the end, through a page emptied by an ignored user', async () => {
    const client = sdkClient(server, alice)
    const { sizes, bodies } = await pageAll(client, publicRoom, 10)
    assert.ok(sizes.includes(0), `an empty page mid-way: ${sizes.join(',')}`)
    assert.notEqual(sizes.at(-1), 0, 'spec mode: the last page carries events and no end')
    assert.equal(bodies.filter((b) => b.startsWith('spam')).length, 0)
    assert.equal(bodies.filter((b) => b.startsWith('late')).length, 25)
    assert.equal(bodies.at(-1), 'Message 1')
    // Bob does not ignore mallory (fixture 115).
    const bobView = await pageAll(sdkClient(server, bob), publicRoom, 100)
    assert.equal(bobView.bodies.filter((b) => b.startsWith('spam')).length, 30)
  })

  it('pages forwards with from/to and honours a types filter', async () => {
    const client = sdkClient(server, alice)
    const first = await client.http.authedRequest<Record<string, any>>(Method.Get, `/rooms/${encodeURIComponent(publicRoom)}/messages`, { dir: 'f', limit: '5' })
    assert.equal(first.chunk[0].type, 'm.room.create')
    const upTo = await client.http.authedRequest<Record<string, any>>(Method.Get, `/rooms/${encodeURIComponent(publicRoom)}/messages`, { dir: 'f', from: first.start, to: first.end, limit: '50' })
    assert.equal(upTo.chunk.length, 5)
    assert.equal(upTo.end, undefined)
    const states = await client.http.authedRequest<Record<string, any>>(Method.Get, `/rooms/${encodeURIComponent(publicRoom)}/messages`, { dir: 'b', limit: '100', filter: JSON.stringify({ types: ['m.room.member'] }) })
    assert.equal(states.chunk.length, 3)
    assert.equal(states.end, undefined)
  })

  it('answers 403 to non-members and 500 for a room forced to fail', async () => {
    const outsider = server.seed.user('outsider')
    const priv = server.seed.room({ creator: alice.userId, kind: 'private' })
    const err = await rejection(sdkClient(server, outsider).createMessagesRequest(priv, null, 10, Direction.Backward))
    assert.equal(err.httpStatus, 403)
    assert.equal(err.errcode, 'M_FORBIDDEN')
    server.seed.failRoom(priv, { remaining: 1 })
    const failed = await rejection(sdkClient(server, alice).createMessagesRequest(priv, null, 10, Direction.Backward))
    assert.equal(failed.httpStatus, 500)
    const ok = await sdkClient(server, alice).createMessagesRequest(priv, null, 10, Direction.Backward)
    assert.ok(ok.chunk.length > 0)
  })

  it('serves uploads on authenticated media only, and old media on the legacy path too', async () => {
    const client = sdkClient(server, alice)
    const { content_uri: mxc } = await client.uploadContent(PNG, { name: 'dot.png', type: 'image/png' })
    const authed = client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, true, true)!
    assert.match(authed, /\/_matrix\/client\/v1\/media\/download\//)
    const res = await fetch(authed, { headers: { Authorization: `Bearer ${alice.accessToken}` } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'image/png')
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG)
    assert.equal((await fetch(authed)).status, 401)
    const legacyUrl = client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, false, false)!
    const legacy = await fetch(legacyUrl)
    assert.equal(legacy.status, 404)
    assert.equal(((await legacy.json()) as { errcode: string }).errcode, 'M_NOT_FOUND')
    const old = server.seed.media({ bytes: PNG, contentType: 'image/png', fileName: 'old.png', frozen: false })
    const oldRes = await fetch(client.mxcUrlToHttp(old, undefined, undefined, undefined, false, false, false)!)
    assert.equal(oldRes.status, 200)
    assert.equal(oldRes.headers.get('content-disposition'), 'inline; filename=old.png')
  })

  it('creates rooms, invites and joins; invite-only rooms refuse uninvited joins', async () => {
    const carol = server.seed.user('carol-rooms')
    const dave = server.seed.user('dave')
    const a = sdkClient(server, alice)
    const { room_id: roomId } = await a.createRoom({ preset: 'private_chat' as never, name: 'Replay', invite: [carol.userId], is_direct: true })
    const refused = await rejection(sdkClient(server, dave).joinRoom(roomId))
    assert.equal(refused.httpStatus, 403)
    assert.equal(refused.errcode, 'M_FORBIDDEN')
    await sdkClient(server, carol).joinRoom(roomId)
    await a.invite(roomId, dave.userId)
    await sdkClient(server, dave).joinRoom(roomId)
    const members = await a.http.authedRequest<{ joined: Record<string, unknown> }>(Method.Get, `/rooms/${encodeURIComponent(roomId)}/joined_members`)
    assert.deepEqual(Object.keys(members.joined).sort(), [alice.userId, carol.userId, dave.userId].sort())
    const invite = (await a.roomState(roomId)).find((e) => e.type === 'm.room.member' && e.state_key === carol.userId)
    assert.equal(invite?.content.membership, 'join')
    assert.equal((invite?.unsigned?.prev_content as { is_direct?: boolean }).is_direct, true)
    // Join by alias with via servers.
    await sdkClient(server, dave).joinRoom('#general:localhost', { viaServers: ['localhost'] })
    assert.ok(server.countRequests({ method: 'POST', path: /\/join\/%23general/ }) >= 1)
    const unknown = await rejection(sdkClient(server, dave).joinRoom('#nope:localhost'))
    assert.equal(unknown.httpStatus, 404)
  })

  it('sends idempotently per transaction ID and device', async () => {
    const a = sdkClient(server, alice)
    const room = server.seed.room({ creator: alice.userId, kind: 'private' })
    const first = await a.sendEvent(room, EventType.RoomMessage, { msgtype: MsgType.Text, body: 'once' }, 'txn-1')
    const again = await a.sendEvent(room, EventType.RoomMessage, { msgtype: MsgType.Text, body: 'once' }, 'txn-1')
    assert.equal(again.event_id, first.event_id)
    const session = server.state.newSession(alice.userId)
    const fromOther = await sdkClient(server, { userId: alice.userId, ...session }).sendEvent(room, EventType.RoomMessage, { msgtype: MsgType.Text, body: 'once' }, 'txn-1')
    assert.notEqual(fromOther.event_id, first.event_id)
    const page = await a.createMessagesRequest(room, null, 50, Direction.Backward)
    assert.equal(page.chunk.filter((e) => e.content.body === 'once').length, 2)
    assert.equal(page.chunk.find((e) => e.event_id === first.event_id)?.unsigned?.transaction_id, 'txn-1')
  })

  it('keeps account data, tags, push rules and profile', async () => {
    const a = sdkClient(server, alice)
    await a.setAccountData(EventType.Direct, { [bob.userId]: [publicRoom] })
    assert.deepEqual(await a.getAccountDataFromServer(EventType.Direct), { [bob.userId]: [publicRoom] })
    const refused = await rejection(a.http.authedRequest(Method.Put, `/user/${encodeURIComponent(alice.userId)}/account_data/m.push_rules`, undefined, {}))
    assert.equal(refused.httpStatus, 405)
    await a.setRoomTag(publicRoom, 'u.work', { order: 0.5 })
    assert.deepEqual((await a.getRoomTags(publicRoom)).tags, { 'u.work': { order: 0.5 } })
    await a.addPushRule('global', 'room' as never, publicRoom, { actions: ['dont_notify'] as never })
    await a.setPushRuleEnabled('global', 'room' as never, publicRoom, false)
    const rules = await a.getPushRules()
    assert.deepEqual(rules.global.room?.map((r) => [r.rule_id, r.enabled]), [[publicRoom, false]])
    await a.setDisplayName('Alice Two')
    assert.equal((await a.getProfileInfo(alice.userId)).displayname, 'Alice Two')
    const member = (await a.roomState(publicRoom)).find((e) => e.type === 'm.room.member' && e.state_key === alice.userId)
    assert.equal(member?.content.displayname, 'Alice Two')
  })

  it('answers 429 with Retry-After and retry_after_ms, then lets the retry through', async () => {
    const mal = sdkClient(server, mallory)
    server.setRateLimit('message', { perSecond: 5, burst: 2 })
    try {
      const room = server.seed.room({ creator: mallory.userId, kind: 'private' })
      await mal.sendEvent(room, EventType.RoomMessage, { msgtype: MsgType.Text, body: '1' }, 'r1')
      await mal.sendEvent(room, EventType.RoomMessage, { msgtype: MsgType.Text, body: '2' }, 'r2')
      const limited = await rejection(mal.http.authedRequest(Method.Put, `/rooms/${encodeURIComponent(room)}/send/m.room.message/r3`, undefined, { msgtype: 'm.text', body: '3' }))
      assert.equal(limited.httpStatus, 429)
      assert.equal(limited.errcode, 'M_LIMIT_EXCEEDED')
      assert.equal(limited.httpHeaders?.get('Retry-After'), '1')
      assert.equal(limited.data.retry_after_ms, 200, 'one token at 5 a second')
      assert.equal(limited.getRetryAfterMs(), 1000, 'the SDK prefers the header')
      rateNow += limited.data.retry_after_ms as number
      await mal.sendEvent(room, EventType.RoomMessage, { msgtype: MsgType.Text, body: '3' }, 'r3')
      assert.equal(server.countRequests({ status: 429 }), 1)
    } finally {
      server.setRateLimit('message', null)
    }
  })

  it('rate limits joins, invites and room creation like Synapse rc_* buckets', async () => {
    server.setRateLimit('createRoom', { perSecond: 0.001, burst: 1 })
    server.setRateLimit('inviteTarget', { perSecond: 0.001, burst: 1 })
    try {
      const eve = server.seed.user('eve')
      const e = sdkClient(server, eve)
      const { room_id: roomId } = await e.createRoom({})
      const second = await rejection(e.createRoom({}))
      assert.equal(second.httpStatus, 429)
      const target = server.seed.user('target')
      await e.invite(roomId, target.userId)
      const other = server.seed.room({ creator: eve.userId, kind: 'private' })
      const again = await rejection(e.invite(other, target.userId))
      assert.equal(again.httpStatus, 429, 'invites count against the invitee')
    } finally {
      server.setRateLimit('createRoom', null)
      server.setRateLimit('inviteTarget', null)
    }
  })
})

describe('matrix test server (synapse167 mode)', () => {
  let server: MatrixTestServer
  let alice: { userId: string; accessToken: string; deviceId: string }
  let room: string

  before(async () => {
    server = await startMatrixServer({ compat: 'synapse167', rateClock })
    alice = server.seed.user('alice', { password: 'pw' })
    const mallory = server.seed.user('mallory')
    room = server.seed.room({ creator: alice.userId, kind: 'public', members: [mallory.userId] })
    server.seed.messages(room, { count: 20, senders: [alice.userId] })
    server.seed.messages(room, { count: 10, senders: [mallory.userId] })
    server.seed.messages(room, { count: 20, senders: [alice.userId] })
    server.seed.ignore(alice.userId, [mallory.userId])
  })
  after(() => server.close())

  it('ends pagination with an empty chunk and no end (fixtures 110-111)', async () => {
    const { sizes } = await pageAll(sdkClient(server, alice), room, 10)
    assert.equal(sizes.at(-1), 0)
    assert.ok(sizes.slice(0, -1).includes(0), `an ignored-user page mid-way: ${sizes.join(',')}`)
    const legacy = await sdkClient(server, alice).createMessagesRequest(room, null, 1, Direction.Backward)
    assert.equal((legacy.chunk[0] as unknown as { user_id: string }).user_id, alice.userId)
  })

  it('has no authenticated media and serves uploads without a token (fixtures 136-138)', async () => {
    const client = sdkClient(server, alice)
    const { content_uri: mxc } = await client.uploadContent(PNG, { name: 'p.png', type: 'image/png' })
    const v1 = await fetch(client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, true, true)!, { headers: { Authorization: `Bearer ${alice.accessToken}` } })
    assert.equal(v1.status, 400)
    assert.equal(((await v1.json()) as { errcode: string }).errcode, 'M_UNRECOGNIZED')
    const legacy = await fetch(client.mxcUrlToHttp(mxc)!)
    assert.equal(legacy.status, 200)
    assert.deepEqual(Buffer.from(await legacy.arrayBuffer()), PNG)
  })

  it('answers 429 with retry_after_ms only, no Retry-After header (fixtures 163, 211)', async () => {
    server.setRateLimit('loginFailed', { perSecond: 10, burst: 3 })
    const anon = sdkClient(server)
    const attempt = (): Promise<unknown> => anon.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'wrong' })
    for (let i = 0; i < 3; i++) assert.equal((await rejection(attempt())).httpStatus, 403)
    const limited = await rejection(attempt())
    assert.equal(limited.httpStatus, 429)
    assert.equal(limited.httpHeaders?.get('Retry-After'), null)
    const wait = limited.getRetryAfterMs()
    assert.equal(wait, 100, 'one token at 10 a second')
    rateNow += wait!
    const ok = await anon.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'pw' })
    assert.equal(ok.user_id, alice.userId)
  })

  it('answers unknown endpoints with 400 M_UNRECOGNIZED (fixture 159)', async () => {
    const res = await fetch(`${server.url}/_matrix/client/v3/no/such/endpoint`, { headers: { Authorization: `Bearer ${alice.accessToken}` } })
    assert.equal(res.status, 400)
    assert.deepEqual(await res.json(), { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' })
  })
})
