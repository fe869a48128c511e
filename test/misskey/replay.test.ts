// `lifeboat replay <archive> --to misskey` (the generic command with the Misskey Target) between fake instances
// that share a directory: the same following set, lists, mutes and blocks on the new account; a second replay
// changes nothing; an interrupted replay finishes on rerun without following anyone twice; 429s are waited out and
// the pacer avoids them; gone, refused and failed accounts are reported apart.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { createTargetFactory, type MisskeyTuning } from '../../src/adapters/misskey/index.js'
import type { ReplaySummary } from '../../src/replay/report.js'
import { startFaultProxy } from '../_util/fault-proxy.js'
import { captureCli } from '../_util/cli.js'
import { startMisskeyServer, type MisskeyTestServer } from '../servers/misskey/server.js'
import type { UserRecord } from '../servers/misskey/state.js'
import { runCommand } from '../_util/cli.js'
import { FAST_HTTP, followingOf, startWorld, type World } from './world.js'

let pacing: MisskeyTuning = {}
registerTargetFactory('misskey', async () => createTargetFactory({ http: FAST_HTTP, ...pacing }))

function state(server: MisskeyTestServer, user: UserRecord) {
  const { state: s } = server.instance
  const name = (id: string) => {
    const u = s.users.get(id)!
    return `${u.username}@${u.host ?? server.host}`
  }
  const lists = [...s.lists.values()]
    .filter((l) => l.userId === user.id)
    .map((l) => [l.name, [...s.memberships.values()].filter((m) => m.userListId === l.id).map((m) => name(m.userId)).sort()] as const)
    .sort()
  return {
    following: followingOf(server, user),
    lists,
    mutes: [...s.mutings.values()].filter((m) => m.muterId === user.id).map((m) => name(m.muteeId)).sort(),
    blocks: [...s.blockings.values()].filter((b) => b.blockerId === user.id).map((b) => name(b.blockeeId)).sort(),
    renoteMutes: [...s.renoteMutings.values()].filter((m) => m.muterId === user.id).map((m) => name(m.muteeId)).sort(),
  }
}

function writes(server: MisskeyTestServer): number {
  const counts = server.counters().byEndpoint
  return ['following/create', 'users/lists/create', 'users/lists/push', 'mute/create', 'blocking/create', 'renote-mute/create'].reduce((n, e) => n + (counts[e] ?? 0), 0)
}

/** The `result` event of a --json run. */
function resultEvent(stdout: string) {
  return stdout.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.event === 'result')
}

describe('replay --to misskey', () => {
  let world: World
  let archive: string

  before(async () => {
    world = await startWorld()
    archive = join(world.dir, 'alice.zip')
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    await exportMisskey({ server: world.old.url, output: archive }, cli, { http: FAST_HTTP })
  })
  after(() => world.close())

  it('rebuilds the following set, lists, mutes and blocks; a second replay changes nothing', async () => {
    const { old, fresh, far } = world
    const env = { LIFEBOAT_MISSKEY_TOKEN: world.freshToken }
    const first = await runCommand(env, (cli) => replay(archive, { to: 'misskey', server: fresh.url }, cli))
    assert.equal(first.code, 0, first.stderr)
    const o = old.host
    assert.deepEqual(state(fresh, world.alice2), {
      following: [`bob@${o}`, `carol@${o}`, `frank@${far.host}`],
      lists: [
        ['Friends', [`bob@${o}`, `carol@${o}`, `frank@${far.host}`]],
        ['Watch', [`erin@${o}`]],
      ],
      mutes: [`bob@${o}`, `erin@${o}`],
      blocks: [`dave@${o}`],
      renoteMutes: [`carol@${o}`],
    })
    assert.equal(first.value!.counts.follows!.applied, 3)
    // the follows reached the accounts' home servers too
    assert.ok([...far.instance.state.followings.values()].some((f) => f.followeeId === world.frank.id))
    const bobMute = [...fresh.instance.state.mutings.values()].find((m) => fresh.instance.state.users.get(m.muteeId)!.username === 'bob')!
    assert.equal(bobMute.expiresAt, Date.parse('2099-01-01T00:00:00Z'))

    const before = writes(fresh)
    const second = await runCommand(env, (cli) => replay(archive, { to: 'misskey', server: fresh.url }, cli))
    assert.equal(second.code, 0, second.stderr)
    assert.equal(writes(fresh), before, 'no write endpoint was called again')
    assert.ok(second.value!.items.every((i) => i.status === 'done-before'))
    assert.deepEqual(state(fresh, world.alice2).following, [`bob@${o}`, `carol@${o}`, `frank@${far.host}`])
  })

  it('--dry-run changes nothing and --only limits the kinds', async () => {
    const newcomer = world.fresh.seed.user({ username: 'newcomer' })
    const env = { LIFEBOAT_MISSKEY_TOKEN: world.fresh.seed.token(newcomer, 'app') }
    const dry = await runCommand(env, (cli) => replay(archive, { to: 'misskey', server: world.fresh.url, dryRun: true }, cli))
    assert.equal(dry.code, 0, dry.stderr)
    assert.deepEqual(state(world.fresh, newcomer).following, [])
    const only = await runCommand(env, (cli) => replay(archive, { to: 'misskey', server: world.fresh.url, only: 'follows' }, cli))
    assert.equal(only.code, 0, only.stderr)
    const after = state(world.fresh, newcomer)
    assert.equal(after.following.length, 3)
    assert.deepEqual([after.lists, after.mutes, after.blocks], [[], [], []])
  })

  it('reports unresolved and refused accounts apart; an unresolved account or a failed follow means exit 3', async () => {
    const { old, fresh, far } = world
    const ghost = far.seed.user({ username: 'ghost' })
    const hank = old.seed.user({ username: 'hank' })
    old.seed.follow(world.alice, old.instance.federation.resolveRemoteUser('ghost', far.host)!)
    old.seed.follow(world.alice, hank)
    const output = join(world.dir, 'alice-more.zip')
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    await exportMisskey({ server: old.url, output }, cli, { http: FAST_HTTP })
    ghost.isSuspended = true
    const carla = fresh.seed.user({ username: 'carla' })
    fresh.seed.block(fresh.instance.federation.resolveRemoteUser('hank', old.host)!, carla)
    const run = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: fresh.seed.token(carla, 'app') }, (c) => replay(output, { to: 'misskey', server: fresh.url, only: 'follows' }, c), { json: true })
    // the replay did all it could, but an account it could not find makes it partial: exit 3, and --json lists it
    assert.equal(run.code, 3, run.stderr)
    const result = resultEvent(run.stdout)
    assert.deepEqual(result.unresolved, [{ kind: 'follows', subject: `ghost@${far.host}` }])
    const item = (name: string) => result.items.find((i: { subject: string }) => i.subject.startsWith(name))
    assert.deepEqual([item('ghost').status, item('ghost').reason], ['unresolved', 'not found from the target server'])
    assert.deepEqual([item('hank').status, item('hank').reason], ['skipped', 'refused: this account blocks you'])
    assert.equal(item('bob').status, 'applied')
    // a rerun looks ghost up again, and says how many and which could not be resolved
    const again = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: fresh.seed.token(carla, 'app') }, (c) => replay(output, { to: 'misskey', server: fresh.url, only: 'follows' }, c))
    assert.equal(again.code, 3, again.stderr)
    assert.match(again.stderr, /follows ghost@.*: unresolved \(not found from the target server\)/)
    assert.match(again.stderr, /error: 1 item could not be resolved on the target: follows ghost@/)

    // a token without write:following: every follow fails, the rest of the report stands, exit code 3
    const dora = fresh.seed.user({ username: 'dora' })
    const limited = fresh.seed.token(dora, 'app', ['read:account', 'write:account', 'write:mutes', 'write:blocks'])
    const failed = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: limited }, (c) => replay(archive, { to: 'misskey', server: fresh.url }, c))
    assert.equal(failed.code, 3, failed.stderr)
    assert.match(failed.stderr, /failed: follows bob@.*write:following/)
    assert.deepEqual(state(fresh, dora).blocks, [`dave@${old.host}`])
  })

  it('accounts on a server that is gone fail (to be tried again later), without a lookup each', async () => {
    const { old, fresh } = world
    const closing = await startMisskeyServer({ directory: world.directory, rateLimits: { enabled: false } })
    const lina = old.seed.user({ username: 'lina' })
    for (const name of ['gus', 'gwen', 'gail']) old.seed.follow(lina, old.instance.federation.resolveRemoteUser(closing.seed.user({ username: name }).username, closing.host)!)
    old.seed.follow(lina, world.sc.users.bob)
    const output = join(world.dir, 'lina.zip')
    await exportMisskey({ server: old.url, output }, captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: old.seed.token(lina, 'app') } }).cli, { http: FAST_HTTP })
    await closing.close()
    const lena = fresh.seed.user({ username: 'lena' })
    const before = fresh.log.filter((e) => e.endpoint === 'users/show').length
    const run = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: fresh.seed.token(lena, 'app') }, (c) => replay(output, { to: 'misskey', server: fresh.url, only: 'follows' }, c))
    assert.equal(run.code, 3, run.stderr)
    assert.equal(run.value, undefined)
    assert.match(run.stderr, new RegExp(`failed: follows gus@${closing.host.replace(/\./g, '\\.')} \\(${closing.host.replace(/\./g, '\\.')} cannot be reached \\(Cannot reach`))
    for (const name of ['gus', 'gwen', 'gail']) assert.match(run.stderr, new RegExp(`failed: follows ${name}@.*cannot be reached`))
    // one lookup for the whole dead host, one for bob: FAILED_TO_RESOLVE_REMOTE_USER is a 500 that says it is
    // permanent, so the HTTP layer does not retry it (MISSKEY_BODIES)
    assert.equal(fresh.log.filter((e) => e.endpoint === 'users/show').length - before, 1 + 1)
    assert.deepEqual(followingOf(fresh, lena), [`bob@${old.host}`])
  })

  it('an interrupted replay, run again, ends with the same result and follows nobody twice', async () => {
    const { old, fresh, far } = world
    const many = Array.from({ length: 24 }, (_, i) => far.seed.user({ username: `fan${String(i).padStart(2, '0')}` }))
    for (const fan of many) old.seed.follow(world.alice, old.instance.federation.resolveRemoteUser(fan.username, far.host)!)
    const output = join(world.dir, 'alice-many.zip')
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    await exportMisskey({ server: old.url, output }, cli, { http: FAST_HTTP })
    const erika = fresh.seed.user({ username: 'erika' })
    const env = { LIFEBOAT_MISSKEY_TOKEN: fresh.seed.token(erika, 'app') }
    const proxy = await startFaultProxy({ target: fresh.url, latencyMs: 5 })
    try {
      const follows = () => fresh.log.filter((e) => e.endpoint === 'following/create' && e.userId === erika.id).length
      const stopped = await runCommand(env, async (c, abort) => {
        const timer = setInterval(() => follows() >= 10 && abort(), 1)
        try {
          return await replay(output, { to: 'misskey', server: proxy.url, only: 'follows' }, c)
        } finally {
          clearInterval(timer)
        }
      })
      assert.equal(stopped.code, 130, stopped.stderr)
      const partial = followingOf(fresh, erika).length
      assert.ok(partial >= 10 && partial < 27, `stopped half-way (${partial} followed)`)
      const rerun = await runCommand(env, (c) => replay(output, { to: 'misskey', server: proxy.url, only: 'follows' }, c), { json: true })
      // ghost, suspended by the earlier test, cannot be found: the rerun ends partial (exit 3) but finishes the rest
      assert.equal(rerun.code, 3, rerun.stderr)
      assert.match(rerun.stderr, /error: 1 item could not be resolved on the target: follows ghost@/)
      // everyone alice follows, except ghost, suspended by the earlier test
      const expected = followingOf(old, world.alice).filter((a) => !a.startsWith('ghost@'))
      assert.deepEqual(followingOf(fresh, erika), expected)
      const calls = fresh.log.filter((e) => e.endpoint === 'following/create' && e.userId === erika.id)
      // one successful follow per account; at most the call in flight when the run stopped (which the proxy still
      // delivered after the client had gone) may be repeated, and the server then answers ALREADY_FOLLOWING
      assert.equal(calls.filter((e) => e.status === 200).length, expected.length)
      assert.ok(calls.length - expected.length <= 1, `${calls.length} calls for ${expected.length} accounts`)
      const summary = resultEvent(rerun.stdout) as ReplaySummary
      // the follow in flight when the run stopped was made but not journalled: the rerun finds it in place
      const counts = summary.counts.follows!
      assert.equal((counts['done-before'] ?? 0) + (counts.unchanged ?? 0), partial)
    } finally {
      await proxy.close()
    }
  })
})

describe('replay under the rate limit of following/create', () => {
  it('waits out 429 + Retry-After when the server is stricter than expected, and paces to avoid them when the limit is known', async () => {
    const limit = { duration: 500, max: 4 }
    // One clock for the server, the HTTP client and the pacer, moved only by their waits: whatever the machine's load,
    // windows pass exactly when a wait says so.
    let t = Date.now()
    const waits: number[] = []
    const clock = { now: () => t, sleep: async (ms: number) => void (waits.push(ms), (t += Math.max(0, ms))) }
    const world = await startWorld({ fresh: { clock: clock.now, rateLimits: { overrides: { 'following/create': limit } } } })
    try {
      const { old, fresh, far } = world
      for (let i = 0; i < 6; i++) old.seed.follow(world.alice, old.instance.federation.resolveRemoteUser(far.seed.user({ username: `p${i}` }).username, far.host)!)
      const archive = join(world.dir, 'alice.zip')
      const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
      await exportMisskey({ server: old.url, output: archive }, cli, { http: FAST_HTTP })

      pacing = { http: { ...FAST_HTTP, now: clock.now, sleep: clock.sleep } }
      const naive = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: world.freshToken }, (c) => replay(archive, { to: 'misskey', server: fresh.url, only: 'follows' }, c))
      assert.equal(naive.code, 0, naive.stderr)
      assert.equal(naive.value!.counts.follows!.applied, 9)
      assert.match(naive.stderr, /9 follows at 100 per 1 h on 127\.0\.0\.1:\d+: about 0 min|9 follows to make, within/)
      assert.ok(fresh.counters().rateLimited >= 1, 'the server answered 429 and the client waited')

      pacing = { overrides: { 'following/create': limit }, now: clock.now, sleep: clock.sleep, http: { ...FAST_HTTP, now: clock.now, sleep: clock.sleep } }
      fresh.rateLimiter.reset()
      const before = fresh.counters().rateLimited
      const fenna = fresh.seed.user({ username: 'fenna' })
      waits.length = 0
      const paced = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: fresh.seed.token(fenna, 'app') }, (c) => replay(archive, { to: 'misskey', server: fresh.url, only: 'follows' }, c))
      assert.equal(paced.code, 0, paced.stderr)
      assert.equal(paced.value!.counts.follows!.applied, 9)
      assert.equal(fresh.counters().rateLimited, before, 'no 429 when pacing by the known limit')
      assert.equal(waits.length, 2, '9 follows at 4 per window: the pacer waited for two more windows')
    } finally {
      pacing = {}
      await world.close()
    }
  })
})

