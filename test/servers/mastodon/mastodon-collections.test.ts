// Entities and collections: statuses of every kind with media served as bytes, edit history, the viewer's
// collections (favourites, bookmarks, blocks, mutes, domain blocks, lists, tags, endorsements, filters) and the
// relationship writes that fill them.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startMastodonServer, type MastodonTestServer } from './mastodon-server.js'
import { call, pageAll, parseLink } from './test-client.js'

const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex')

describe('statuses and media', () => {
  let server: MastodonTestServer
  let alice: { id: string }
  let bob: { id: string }
  let token: string
  const ids: Record<string, string> = {}

  before(async () => {
    server = await startMastodonServer({ domain: 'old.test' })
    alice = server.seed.account({ username: 'alice', note: 'Hello\n\nworld', fields: [{ name: 'Site', value: 'https://a.test' }], avatar: { bytes: JPEG, contentType: 'image/jpeg' }, bot: true, locked: true })
    bob = server.seed.account({ username: 'bob', domain: 'remote.test' })
    token = server.seed.token(alice.id)
    const bobPost = server.seed.status(bob.id, { text: 'remote post' })
    ids.root = server.seed.status(alice.id, { text: 'root', language: 'de' }).id
    ids.media = server.seed.status(alice.id, { text: 'photo', sensitive: true, media: [{ bytes: JPEG, contentType: 'image/jpeg', description: 'a cat', focus: { x: -0.5, y: 0.25 }, width: 4, height: 3 }] }).id
    ids.cw = server.seed.status(alice.id, { text: 'spoiler', spoilerText: 'CW: food' }).id
    ids.poll = server.seed.status(alice.id, { text: 'pick', poll: { options: [{ title: 'a', votesCount: 3 }, { title: 'b', votesCount: 1 }], expiresAt: '2020-01-01T00:00:00.000Z' } }).id
    ids.selfReply = server.seed.status(alice.id, { text: 'thread', inReplyToId: ids.root }).id
    ids.reply = server.seed.status(alice.id, { text: '@bob hi', inReplyToId: bobPost.id, mentions: [bob.id], visibility: 'unlisted' }).id
    ids.dm = server.seed.status(alice.id, { text: 'secret', visibility: 'direct', mentions: [bob.id] }).id
    ids.boost = server.seed.status(alice.id, { reblogOf: bobPost.id }).id
    ids.edited = server.seed.status(alice.id, { text: 'v3', pinned: true, edits: [{ text: 'v1' }, { text: 'v2' }] }).id
  })
  after(() => server.close())

  it('serves every kind of status with the Mastodon entity fields', async () => {
    const res = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?limit=40`, { token })
    const byId = new Map(res.json.map((s: any) => [s.id, s]))
    const media: any = byId.get(ids.media)
    assert.equal(media.sensitive, true)
    assert.equal(media.media_attachments[0].description, 'a cat')
    assert.deepEqual(media.media_attachments[0].meta.focus, { x: -0.5, y: 0.25 })
    assert.match(media.media_attachments[0].url, /\/system\/media_attachments\/files\/(\d{3}\/){6}original\/[0-9a-f]{16}\.jpg$/)
    const bytes = Buffer.from(await (await fetch(media.media_attachments[0].url)).arrayBuffer())
    assert.deepEqual(bytes, JPEG)
    assert.equal((byId.get(ids.cw) as any).spoiler_text, 'CW: food')
    assert.deepEqual((byId.get(ids.poll) as any).poll.options, [{ title: 'a', votes_count: 3 }, { title: 'b', votes_count: 1 }])
    assert.equal((byId.get(ids.poll) as any).poll.expired, true)
    assert.equal((byId.get(ids.root) as any).language, 'de')
    assert.equal((byId.get(ids.boost) as any).reblog.account.acct, 'bob@remote.test')
    assert.equal((byId.get(ids.dm) as any).visibility, 'direct')
    assert.equal((byId.get(ids.edited) as any).pinned, true)
    assert.ok((byId.get(ids.edited) as any).edited_at)
  })

  it('filters replies to others, boosts, and pinned statuses', async () => {
    const noReplies = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?exclude_replies=true`, { token })
    const kept = noReplies.json.map((s: any) => s.id)
    assert.ok(kept.includes(ids.selfReply), 'a reply to oneself stays')
    assert.ok(!kept.includes(ids.reply))
    const noBoosts = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?exclude_reblogs=1`, { token })
    assert.ok(!noBoosts.json.some((s: any) => s.reblog))
    const pinned = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses?pinned=true`, { token })
    assert.deepEqual(pinned.json.map((s: any) => s.id), [ids.edited])
    const anon = await call(`${server.url}/api/v1/accounts/${alice.id}/statuses`)
    assert.ok(!anon.json.some((s: any) => s.id === ids.dm), 'direct messages stay private')
    assert.equal((await call(`${server.url}/api/v1/statuses/${ids.dm}`)).status, 404)
  })

  it('returns the edit history oldest first, and one snapshot for an unedited status', async () => {
    const history = await call(`${server.url}/api/v1/statuses/${ids.edited}/history`)
    assert.deepEqual(history.json.map((v: any) => v.content), ['<p>v1</p>', '<p>v2</p>', '<p>v3</p>'])
    assert.equal((await call(`${server.url}/api/v1/statuses/${ids.root}/history`)).json.length, 1)
  })

  it('returns the profile with source, fields, flags and a served avatar', async () => {
    const me = await call(`${server.url}/api/v1/accounts/verify_credentials`, { token })
    assert.equal(me.json.note, '<p>Hello</p><p>world</p>')
    assert.equal(me.json.source.note, 'Hello\n\nworld')
    assert.deepEqual(me.json.source.fields, [{ name: 'Site', value: 'https://a.test', verified_at: null }])
    assert.deepEqual([me.json.bot, me.json.locked, me.json.statuses_count], [true, true, 9])
    const avatar = Buffer.from(await (await fetch(me.json.avatar)).arrayBuffer())
    assert.deepEqual(avatar, JPEG)
  })
})

describe('collections and relationship writes', () => {
  let server: MastodonTestServer
  let me: { id: string }
  let token: string
  const others: string[] = []

  before(async () => {
    server = await startMastodonServer({ domain: 'old.test' })
    me = server.seed.account({ username: 'me' })
    token = server.seed.token(me.id)
    for (let i = 0; i < 5; i++) others.push(server.seed.account({ username: `u${i}`, domain: i % 2 ? 'odd.test' : 'even.test' }).id)
    const posts = others.map((id) => server.seed.status(id, { text: 'x' }).id)
    for (const p of posts) server.seed.favourite(me.id, p)
    server.seed.bookmark(me.id, posts[0]!)
    server.seed.followTag(me.id, 'cats')
    server.seed.featureTag(me.id, 'dogs', { statusesCount: 4, lastStatusAt: '2024-05-01' })
    server.seed.filter(me.id, { title: 'spoilers', context: ['home'], keywords: [{ keyword: 'finale' }] })
  })
  after(() => server.close())

  it('pages favourites by internal ids, following next to the end', async () => {
    const { items, pages } = await pageAll(`${server.url}/api/v1/favourites?limit=2`, token)
    assert.equal(items.length, 5)
    assert.equal(pages, 3)
    const bookmarks = await call(`${server.url}/api/v1/bookmarks`, { token })
    assert.equal(bookmarks.json.length, 1)
  })

  it('follows with settings, and reports them in relationships', async () => {
    await call(`${server.url}/api/v1/accounts/${others[0]}/follow`, { token, form: { reblogs: 'false', notify: 'true', 'languages[]': ['en', 'fr'] } })
    await call(`${server.url}/api/v1/accounts/${others[0]}/follow`, { token, form: { notify: 'false' } })
    const rel = await call(`${server.url}/api/v1/accounts/relationships?id[]=${others[0]}&id[]=${others[1]}`, { token })
    assert.deepEqual(
      rel.json.map((r: any) => [r.id, r.following, r.showing_reblogs, r.notifying, r.languages]),
      [[others[0], true, false, false, ['en', 'fr']], [others[1], false, false, false, null]],
    )
  })

  it('adds to a list only accounts the owner follows (422 otherwise)', async () => {
    const list = await call(`${server.url}/api/v1/lists`, { token, body: { title: 'Friends', replies_policy: 'followed' } })
    assert.equal(list.json.title, 'Friends')
    const blank = await call(`${server.url}/api/v1/lists`, { token, body: { title: '' } })
    assert.deepEqual([blank.status, blank.json], [422, { error: "Validation failed: Title can't be blank" }])
    const refused = await call(`${server.url}/api/v1/lists/${list.json.id}/accounts`, { token, body: { account_ids: [others[1]] } })
    assert.deepEqual([refused.status, refused.json], [422, { error: 'Validation failed: Account must be a followed account' }])
    const added = await call(`${server.url}/api/v1/lists/${list.json.id}/accounts`, { token, body: { account_ids: [others[0]] } })
    assert.deepEqual([added.status, added.json], [200, {}])
    const members = await call(`${server.url}/api/v1/lists/${list.json.id}/accounts`, { token })
    assert.deepEqual(members.json.map((a: any) => a.id), [others[0]])
    assert.equal((await call(`${server.url}/api/v1/lists`, { token })).json.length, 1)
    assert.equal((await call(`${server.url}/api/v1/lists/999/accounts`, { token })).status, 404)
  })

  it('blocks, mutes (with notifications) and domain blocks, then lists them', async () => {
    const blocked = await call(`${server.url}/api/v1/accounts/${others[0]}/block`, { token, method: 'POST' })
    assert.deepEqual([blocked.json.blocking, blocked.json.following], [true, false], 'a block ends the follow')
    const muted = await call(`${server.url}/api/v1/accounts/${others[2]}/mute`, { token, form: { notifications: 'false' } })
    assert.deepEqual([muted.json.muting, muted.json.muting_notifications], [true, false])
    const mutedAll = await call(`${server.url}/api/v1/accounts/${others[3]}/mute`, { token, method: 'POST' })
    assert.equal(mutedAll.json.muting_notifications, true, 'notifications default to muted')
    assert.deepEqual((await call(`${server.url}/api/v1/domain_blocks`, { token, body: { domain: 'spam.test' } })).json, {})
    assert.equal((await call(`${server.url}/api/v1/domain_blocks`, { token, body: {} })).status, 400)
    assert.deepEqual((await call(`${server.url}/api/v1/blocks`, { token })).json.map((a: any) => a.id), [others[0]])
    assert.deepEqual((await call(`${server.url}/api/v1/mutes`, { token })).json.map((a: any) => a.id), [others[3], others[2]])
    const domains = await call(`${server.url}/api/v1/domain_blocks`, { token })
    assert.deepEqual(domains.json, ['spam.test'])
    assert.ok(parseLink(domains.headers.get('link')).prev, 'prev link on a non-empty page')
  })

  it('lists followed tags, featured tags, endorsements and filters', async () => {
    await call(`${server.url}/api/v1/accounts/${others[4]}/follow`, { token, method: 'POST' })
    const endorse = await call(`${server.url}/api/v1/accounts/${others[4]}/pin`, { token, method: 'POST' })
    assert.equal(endorse.json.endorsed, true)
    const notFollowed = await call(`${server.url}/api/v1/accounts/${others[1]}/pin`, { token, method: 'POST' })
    assert.equal(notFollowed.status, 422)
    assert.deepEqual((await call(`${server.url}/api/v1/endorsements`, { token })).json.map((a: any) => a.id), [others[4]])
    assert.equal((await call(`${server.url}/api/v1/followed_tags`, { token })).json[0].name, 'cats')
    const featured = await call(`${server.url}/api/v1/featured_tags`, { token })
    assert.deepEqual([featured.json[0].name, featured.json[0].statuses_count, featured.json[0].last_status_at], ['dogs', '4', '2024-05-01'])
    const filters = await call(`${server.url}/api/v2/filters`, { token })
    assert.deepEqual([filters.json[0].title, filters.json[0].keywords[0].keyword, filters.json[0].filter_action], ['spoilers', 'finale', 'warn'])
  })
})
