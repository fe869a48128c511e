// Replaying a Matrix archive onto a second account of the test homeserver: joins, DMs, tags, ignored users, push
// rules and profile; rate limits honoured; a rerun changes nothing and never makes a second DM room.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMatrix } from '../../src/commands/export-matrix.js'
import { replayTarget } from '../../src/adapters/matrix/index.js'
import { isWholeArchiveTarget } from '../../src/adapters/matrix/target.js'
import { DM_MARKER, NEEDS_INVITE } from '../../src/adapters/matrix/replay-rooms.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { ReplayJournal, journalPath } from '../../src/replay/journal.js'
import type { ReplaySummary } from '../../src/replay/report.js'
import type { ReplayKind, TargetFlags } from '../../src/adapters/adapter.js'
import { startMatrixServer, type MatrixTestServer } from '../servers/matrix/server.js'
import type { SeededUser } from '../servers/matrix/seed.js'
import { captureCli } from '../_util/cli.js'
import { fastContext, sha256, writes } from './helpers.js'
import { seedWorld, type MatrixWorld } from './world.js'

/** What `lifeboat replay <archive> --to matrix` does (src/commands/replay.ts with a WholeArchiveTarget). */
/** The rate buckets' clock, moved only by the HTTP client's waits: the joins meet the limit however busy the machine. */
let now = Date.parse('2026-11-22T09:42:15.000Z')
const clock = {
  now: () => now,
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    now += Math.max(0, ms)
  },
}

async function replay(archivePath: string, user: SeededUser, options: { dryRun?: boolean; flags?: Partial<TargetFlags>; only?: ReplayKind[] } = {}): Promise<ReplaySummary & { journal: string }> {
  const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: user.accessToken } })
  const context = fastContext(cli, clock)
  const archive = await ArchiveReader.open(archivePath)
  try {
    const { target, server, account } = await replayTarget.create({ homeserver: serverUrl, user: user.userId, ...options.flags }, context, cli.env)
    assert.ok(isWholeArchiveTarget(target))
    const path = journalPath(archivePath, { network: 'matrix', server, account })
    const journal = await ReplayJournal.open(path)
    try {
      const summary = await target.replayArchive({ archive, target, journal, only: options.only ?? [...target.capabilities.replays], dryRun: Boolean(options.dryRun), context })
      return { ...summary, journal: path }
    } finally {
      await journal.close()
    }
  } finally {
    archive.close()
  }
}

let serverUrl = ''

describe('replay --to matrix', () => {
  let server: MatrixTestServer
  let world: MatrixWorld
  let dir: string
  let archive: string
  let alice2: SeededUser
  let first: ReplaySummary & { journal: string }

  const membership = (roomId: string, userId: string) => server.state.room(roomId)!.membership(userId)
  const accountData = (userId: string, type: string, roomId?: string) =>
    (roomId ? server.state.user(userId).roomAccountData.get(roomId)?.get(type) : server.state.user(userId).accountData.get(type))?.content
  const directOf = (userId: string) => (accountData(userId, 'm.direct') ?? {}) as Record<string, string[]>

  before(async () => {
    // Synapse-like limits on joins and room creation, answered the way Synapse 1.67 does (retry_after_ms only).
    server = await startMatrixServer({ rateLimits: { join: { perSecond: 10, burst: 2 }, createRoom: { perSecond: 10, burst: 1 } }, retryAfter: 'body', rateClock: clock.now })
    serverUrl = server.url
    world = await seedWorld(server, { bigCount: 300 })
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-matrix-replay-'))
    archive = join(dir, 'alice.zip')
    const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: world.alice.accessToken } })
    await exportMatrix({ homeserver: server.url, user: world.alice.userId, output: archive }, cli, { context: fastContext(cli) }).catch(() => undefined)
    alice2 = server.seed.user('alice2')
  })
  after(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('plans without writing anything in a dry run', async () => {
    server.resetRequests()
    const plan = await replay(archive, alice2, { dryRun: true })
    assert.deepEqual(writes(server), [])
    assert.ok(plan.items.every((i) => i.status === 'planned' || i.status === 'skipped'), JSON.stringify(plan.items))
    const work = plan.items.find((i) => i.kind === 'rooms' && i.subject === 'Work')!
    assert.match(work.reason ?? '', new RegExp(NEEDS_INVITE))
    assert.ok(plan.items.some((i) => i.kind === 'direct' && i.reason === `create a DM room inviting ${world.bob.userId}`))
  })

  it('restores joins, DMs, tags, ignored users, push rules and profile, honouring M_LIMIT_EXCEEDED', async () => {
    server.resetRequests()
    first = await replay(archive, alice2)
    assert.equal(first.failed, 0, JSON.stringify(first.items.filter((i) => i.status === 'failed')))
    const { rooms } = world
    for (const room of [rooms.big, rooms.failing, rooms.media, rooms.general, rooms.quiet, rooms.announcements, rooms.games]) {
      assert.equal(membership(room, alice2.userId), 'join', room)
    }
    for (const room of [rooms.encrypted, rooms.work, rooms.book]) assert.equal(membership(room, alice2.userId), undefined, room)
    const needInvite = first.items.filter((i) => i.kind === 'rooms' && i.status === 'skipped').map((i) => i.subject)
    assert.deepEqual(new Set(needInvite), new Set(['Secret', 'Work', 'Book club']))
    assert.ok(first.items.filter((i) => i.kind === 'rooms' && i.status === 'skipped').every((i) => i.reason?.startsWith(NEEDS_INVITE)))
    assert.ok(server.countRequests({ status: 429, errcode: 'M_LIMIT_EXCEEDED' }) > 0, 'the joins met the rate limit')

    const direct = directOf(alice2.userId)
    assert.deepEqual(Object.keys(direct).sort(), [world.bob.userId, world.carol.userId].sort())
    for (const [partner, [roomId]] of Object.entries(direct)) {
      assert.equal(membership(roomId!, alice2.userId), 'join')
      assert.equal(membership(roomId!, partner), 'invite')
      const invite = server.state.room(roomId!)!.current('m.room.member', partner)!
      assert.equal(invite.content.is_direct, true)
      assert.ok(![rooms.dmBob, rooms.dmCarol].includes(roomId!))
    }
    assert.equal(server.countRequests({ method: 'POST', path: '/_matrix/client/v3/createRoom', status: 200 }), 2)

    const tags = (roomId: string) => (accountData(alice2.userId, 'm.tag', roomId) as { tags?: unknown } | undefined)?.tags
    assert.deepEqual(tags(rooms.general), { 'm.favourite': { order: 0.25 } })
    assert.deepEqual(tags(rooms.announcements), { 'm.lowpriority': {} })
    assert.deepEqual(tags(direct[world.bob.userId]![0]!), { 'm.favourite': { order: 0.1 } })
    assert.ok(first.items.some((i) => i.subject === 'tags of Work' && i.status === 'skipped'))
    assert.deepEqual(accountData(alice2.userId, 'm.ignored_user_list'), { ignored_users: { [world.mallory.userId]: {} } })

    const rules = server.state.user(alice2.userId).pushRules
    assert.equal(rules.content.find((r) => r.rule_id === 'lifeboat')?.pattern, 'lifeboat')
    assert.deepEqual(rules.override.find((r) => r.rule_id === 'mute-games')?.actions, ['dont_notify'])
    assert.equal(rules.override.find((r) => r.rule_id === '.m.rule.suppress_notices')?.enabled, false)

    const profile = server.state.user(alice2.userId)
    assert.equal(profile.displayname, 'Alice Liddell')
    const mediaId = /^mxc:\/\/[^/]+\/(.+)$/.exec(profile.avatar_url ?? '')![1]!
    assert.equal(sha256(server.state.media.get(mediaId)!.bytes), sha256(world.media.avatar))
  })

  it('changes nothing when run again', async () => {
    server.resetRequests()
    const again = await replay(archive, alice2)
    assert.deepEqual(writes(server), [])
    assert.equal(again.failed, 0)
    assert.ok(again.items.every((i) => i.status === 'done-before' || i.status === 'unchanged' || i.status === 'skipped'), JSON.stringify(again.items.filter((i) => i.status !== 'done-before')))
  })

  it('joins a room once its invite has arrived, and tags it', async () => {
    server.seed.invite(world.rooms.work, world.bob.userId, alice2.userId)
    const summary = await replay(archive, alice2)
    assert.equal(membership(world.rooms.work, alice2.userId), 'join')
    assert.ok(summary.items.some((i) => i.kind === 'rooms' && i.subject === 'Work' && i.status === 'applied'))
    assert.deepEqual((accountData(alice2.userId, 'm.tag', world.rooms.work) as { tags: unknown }).tags, { 'u.work': { order: 0.5 } })
  })

  it('never creates a second DM room, even without its journal', async () => {
    const before = directOf(alice2.userId)
    await rm(first.journal, { force: true })
    server.resetRequests()
    const summary = await replay(archive, alice2)
    assert.equal(server.countRequests({ path: '/_matrix/client/v3/createRoom' }), 0)
    assert.deepEqual(directOf(alice2.userId), before)
    assert.ok(summary.items.filter((i) => i.kind === 'direct' && i.subject.startsWith('DM with')).every((i) => i.status === 'unchanged'))
  })

  it('finds the DM room made by a run that stopped before journaling it', async () => {
    const alice3 = server.seed.user('alice3')
    // What a run killed right after POST /createRoom leaves: the room (marked with the archived room ID) and a
    // journal entry still saying "creating".
    const res = await fetch(`${server.url}/_matrix/client/v3/createRoom`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice3.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ preset: 'trusted_private_chat', is_direct: true, invite: [world.bob.userId], creation_content: { [DM_MARKER]: world.rooms.dmBob } }),
    })
    const { room_id: made } = (await res.json()) as { room_id: string }
    const path = journalPath(archive, { network: 'matrix', server: server.url, account: alice3.userId })
    await writeFile(path, JSON.stringify({ kind: 'direct', key: world.rooms.dmBob, status: 'failed', reason: 'stopped while creating the DM room', at: new Date().toISOString() }) + '\n')
    server.resetRequests()
    await replay(archive, alice3, { only: ['direct'] })
    assert.equal(server.countRequests({ path: '/_matrix/client/v3/createRoom', status: 200 }), 1, 'only the DM with carol is created')
    assert.deepEqual(directOf(alice3.userId)[world.bob.userId], [made])
  })
})
