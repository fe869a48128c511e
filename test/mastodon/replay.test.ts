// `lifeboat replay --to mastodon`: an exported account's follows (with their settings), lists, blocks, mutes and
// domain blocks rebuilt on a second instance, a rerun that changes nothing, a dry run, and a follow replay that meets
// the daily follow cap, stops cleanly and finishes on the next run without following anyone twice.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { captureCli } from '../_util/cli.js'
import { call, pageAll } from '../servers/mastodon/test-client.js'
import type { MastodonTestServer } from '../servers/mastodon/mastodon-server.js'
import { seedAlice, startWorld, type SeededAlice, type World } from './_world.js'

registerTargetFactory('mastodon', () => import('../../src/adapters/mastodon/index.js').then((m) => m.replayTarget))

const FOLLOW = 'POST /api/v1/accounts/:id/follow'

async function exportAlice(world: World, seeded: SeededAlice, dir: string): Promise<string> {
  const archive = join(dir, 'alice.zip')
  const { cli } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: seeded.token } })
  await exportMastodon({ server: world.old.url, output: archive }, cli)
  return archive
}

/** What the new account has now, read back through the API. */
async function graphOf(server: MastodonTestServer, id: string, token: string) {
  const following = (await pageAll(`${server.url}/api/v1/accounts/${id}/following`, token)).items
  // grace is locked: her follow stays a request, which the following list does not show.
  const grace = server.accountId('grace@friends.test')
  const ids = [...following.map((a: any) => a.id), ...(grace ? [grace] : [])]
  const rels = ids.length ? (await call(`${server.url}/api/v1/accounts/relationships?${ids.map((i) => `id[]=${i}`).join('&')}`, { token })).json : []
  const relById = new Map<string, any>(rels.map((r: any) => [r.id, r]))
  const acctOf = (aid: string) => following.find((a: any) => a.id === aid)?.acct ?? 'grace@friends.test'
  const follows = ids.filter((i) => relById.get(i)?.following || relById.get(i)?.requested).map((i) => {
    const r = relById.get(i)
    return [acctOf(i), r.following ? 'following' : 'requested', r.showing_reblogs, r.notifying, r.languages ?? null]
  }).sort()
  const lists = (await call(`${server.url}/api/v1/lists`, { token })).json
  const listMembers: [string, string[]][] = []
  for (const list of lists) listMembers.push([list.title, (await pageAll(`${server.url}/api/v1/lists/${list.id}/accounts`, token)).items.map((a: any) => a.acct).sort()])
  const blocks = (await pageAll(`${server.url}/api/v1/blocks`, token)).items.map((a: any) => a.acct)
  const mutes = (await pageAll(`${server.url}/api/v1/mutes`, token)).items
  const muteRels = mutes.length ? (await call(`${server.url}/api/v1/accounts/relationships?${mutes.map((m: any) => `id[]=${m.id}`).join('&')}`, { token })).json : []
  const muteList = mutes.map((m: any) => [m.acct, muteRels.find((r: any) => r.id === m.id).muting_notifications, m.mute_expires_at !== null]).sort()
  const domains = (await pageAll(`${server.url}/api/v1/domain_blocks`, token)).items.sort()
  return { follows, lists: listMembers.sort(), blocks, mutes: muteList, domains }
}

describe('replay onto a second instance', () => {
  let world: World
  let seeded: SeededAlice
  let dir: string
  let archive: string
  let newAlice: { id: string }
  let newToken: string

  before(async () => {
    world = await startWorld()
    seeded = seedAlice(world.old, world.friendsServer, 40)
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-mastodon-replay-'))
    archive = await exportAlice(world, seeded, dir)
    newAlice = world.neu.seed.account({ username: 'alice' })
    newToken = world.neu.seed.token(newAlice.id)
  })
  after(async () => {
    await world?.close()
  })

  it('a dry run plans every item and changes nothing', async () => {
    const { cli, stderr } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: newToken } })
    const summary = await replay(archive, { to: 'mastodon', server: world.neu.url, dryRun: true }, cli)
    assert.deepEqual(summary.counts, { follows: { planned: 4 }, lists: { planned: 3 }, mutes: { planned: 2 }, blocks: { planned: 1 }, 'domain-blocks': { planned: 2 } })
    assert.equal(world.neu.count(FOLLOW), 0)
    assert.match(stderr(), /allows 400 new follows a day/)
  })

  it('yields the same follows (with settings), lists, blocks, mutes and domain blocks', async () => {
    const { cli } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: newToken } })
    const summary = await replay(archive, { to: 'mastodon', server: world.neu.url }, cli)
    assert.equal(summary.failed, 0)
    assert.deepEqual(summary.deferred, [])
    const graph = await graphOf(world.neu, newAlice.id, newToken)
    assert.deepEqual(graph.follows, [
      ['bob@friends.test', 'following', false, true, ['en', 'de']],
      ['carol@friends.test', 'following', true, false, null],
      ['dave@friends.test', 'following', true, false, null],
      ['grace@friends.test', 'requested', true, false, null],
    ])
    // Mastodon lists hold only followed accounts; an empty list has no members to replay.
    assert.deepEqual(graph.lists, [['Close, friends', ['bob@friends.test', 'carol@friends.test']], ['Empty', []]])
    assert.deepEqual(graph.blocks, ['frank@friends.test'])
    assert.deepEqual(graph.mutes, [['dave@friends.test', true, true], ['erin@friends.test', false, false]])
    assert.deepEqual(graph.domains, ['spam.example', 'worse.example'])
    // The follows were delivered: bob's own server lists the new account among his followers.
    const bobFollowers = (await call(`${world.friendsServer.url}/api/v1/accounts/${seeded.friends.bob.home.id}/followers`)).json
    assert.ok(bobFollowers.some((a: any) => a.acct === 'alice@new.test'))
  })

  it('a rerun changes nothing, from the journal or from scratch', async () => {
    // Connecting (instance, nodeinfo, verify_credentials) is all a rerun may ask.
    const CONNECT = ['GET /api/v2/instance', 'GET /.well-known/nodeinfo', 'GET /nodeinfo/2.0', 'GET /api/v1/accounts/verify_credentials']
    const work = () => Object.fromEntries(Object.entries(world.neu.counters()).filter(([route]) => !CONNECT.includes(route)))
    const before = work()
    const posts = () => Object.entries(world.neu.counters()).filter(([route]) => route.startsWith('POST') || route.startsWith('PUT') || route.startsWith('DELETE')).reduce((n, [, c]) => n + c, 0)
    const postsBefore = posts()
    const { cli } = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: newToken } })
    const again = await replay(archive, { to: 'mastodon', server: world.neu.url }, cli)
    assert.ok(Object.values(again.counts).every((c) => Object.keys(c).every((status) => status === 'done-before')))
    assert.deepEqual(work(), before, 'the journal answers everything')
    const copy = join(dir, 'copy.zip')
    await copyFile(archive, copy)
    const fresh = await replay(copy, { to: 'mastodon', server: world.neu.url }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: newToken } }).cli)
    assert.deepEqual(fresh.counts, { follows: { unchanged: 4 }, lists: { unchanged: 3 }, mutes: { unchanged: 2 }, blocks: { unchanged: 1 }, 'domain-blocks': { unchanged: 2 } })
    assert.equal(posts(), postsBefore, 'nothing was written')
  })
})

describe('the daily follow cap', () => {
  let world: World
  let clock = Date.now()

  after(async () => {
    await world?.close()
  })

  it('stops the follow replay cleanly and finishes it on the next run, following nobody twice', async () => {
    world = await startWorld({ newRateLimits: { follows: { limit: 2, periodSeconds: 86_400 } }, newNow: () => clock })
    const seeded = seedAlice(world.old, world.friendsServer, 10)
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-mastodon-cap-'))
    const archive = await exportAlice(world, seeded, dir)
    const newAlice = world.neu.seed.account({ username: 'alice' })
    const token = world.neu.seed.token(newAlice.id)

    const first = captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } })
    await assert.rejects(replay(archive, { to: 'mastodon', server: world.neu.url }, first.cli), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 3)
      assert.match(error.message, /limit stopped the follows replay with 2 left/)
      return true
    })
    assert.equal(world.neu.count(FOLLOW), 2, 'the third follow is not even sent once the cap is known to be used up')
    assert.equal(world.neu.requests.filter((r) => r.status === 429).length, 0)
    assert.equal(world.neu.followsUsed(newAlice.id), 2)
    assert.match(first.stderr(), /run again after/)
    // Everything else was replayed: the cap holds back follows, not the rest of the server.
    const graph = await graphOf(world.neu, newAlice.id, token)
    assert.deepEqual(graph.blocks, ['frank@friends.test'])
    assert.equal(graph.mutes.length, 2)
    assert.deepEqual(graph.lists, [['Close, friends', []], ['Empty', []]])

    clock += 86_400_000
    const second = await replay(archive, { to: 'mastodon', server: world.neu.url }, captureCli({ env: { LIFEBOAT_MASTODON_TOKEN: token } }).cli)
    assert.equal(second.failed, 0)
    assert.deepEqual(second.deferred, [])
    assert.deepEqual(second.counts.follows, { 'done-before': 2, applied: 2 })
    assert.equal(world.neu.count(FOLLOW), 4, 'four accounts, four follows')
    const after = await graphOf(world.neu, newAlice.id, token)
    assert.equal(after.follows.length, 4)
    assert.deepEqual(after.lists, [['Close, friends', ['bob@friends.test', 'carol@friends.test']], ['Empty', []]])
  })
})
