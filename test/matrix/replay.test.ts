// Replaying a Matrix archive onto a second account of the test homeserver: joins, DMs, tags, ignored users, push
// rules and profile; rate limits honoured; a rerun changes nothing and never makes a second DM room.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMatrix } from '../../src/commands/export-matrix.js'
import { replayTarget } from '../../src/adapters/matrix/index.js'
import { DM_MARKER, NEEDS_INVITE } from '../../src/adapters/matrix/replay-rooms.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { AuthError, BadArchiveError, UnsupportedError } from '../../src/errors.js'
import { ReplayJournal, journalPath, type JournalEntry } from '../../src/replay/journal.js'
import { replay as replayDriver } from '../../src/replay/replay.js'
import type { ReplaySummary } from '../../src/replay/report.js'
import type { ReplayKind, TargetFlags } from '../../src/adapters/adapter.js'
import { startMatrixServer, type MatrixTestServer } from '../servers/matrix/server.js'
import type { SeededUser } from '../servers/matrix/seed.js'
import { captureCli } from '../_util/cli.js'
import { fastContext, sha256, writes } from './helpers.js'
import { seedWorld, type MatrixWorld } from './world.js'

/** The rate buckets' clock, moved only by the HTTP client's waits: the joins meet the limit however busy the machine. */
let now = Date.parse('2026-11-22T09:42:15.000Z')
const clock = {
  now: () => now,
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    now += Math.max(0, ms)
  },
}

/** What `lifeboat replay <archive> --to matrix` does (src/commands/replay.ts: the one replay driver), on the test clock. */
async function replay(archivePath: string, user: SeededUser, options: { dryRun?: boolean; flags?: Partial<TargetFlags>; only?: ReplayKind[] } = {}): Promise<ReplaySummary & { journal: string }> {
  const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: user.accessToken } })
  const context = fastContext(cli, clock)
  const archive = await ArchiveReader.open(archivePath)
  try {
    const { target, server, account } = await replayTarget.create({ homeserver: serverUrl, user: user.userId, ...options.flags }, context, cli.env)
    try {
      const path = journalPath(archivePath, { network: 'matrix', server, account })
      const journal = await ReplayJournal.open(path)
      try {
        const summary = await replayDriver({ archive, target, journal, only: options.only ?? [...target.capabilities.replays], dryRun: Boolean(options.dryRun), context })
        return { ...summary, journal: path }
      } finally {
        await journal.close()
      }
    } finally {
      await target.close?.()
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
    // The driver's journal, not the steps' reads, is what makes the rerun a no-op: every journaled step is done
    // before; only the unjournaled m.direct merge runs again (and finds nothing to add).
    assert.deepEqual(again.items.filter((i) => i.status === 'unchanged').map((i) => `${i.kind} ${i.subject}`), ['direct m.direct'])
    for (const kind of ['profile', 'rooms', 'direct', 'account-data']) assert.ok((again.counts[kind]?.['done-before'] ?? 0) > 0, kind)
  })

  it('journals each step under the keys earlier versions used, so their journals resume', async () => {
    const entries = (await readFile(first.journal, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalEntry)
    const latest = new Map(entries.map((e) => [`${e.kind} ${e.key}`, e]))
    const { rooms } = world
    const expected = [
      'profile displayname',
      'profile avatar_url',
      ...[rooms.big, rooms.failing, rooms.media, rooms.general, rooms.quiet, rooms.announcements, rooms.games, rooms.encrypted, rooms.work, rooms.book].map((id) => `rooms ${id}`),
      `direct ${rooms.dmBob}`,
      `direct ${rooms.dmCarol}`,
      'account-data m.ignored_user_list',
      ...[rooms.general, rooms.announcements, rooms.dmBob].map((id) => `account-data m.tag\u0000${id}`),
      'account-data push-rule\u0000content\u0000lifeboat',
      'account-data push-rule\u0000override\u0000mute-games',
      'account-data push-rule\u0000override\u0000.m.rule.suppress_notices',
    ]
    for (const key of expected) assert.ok(latest.has(key), `journaled: ${JSON.stringify(key)}`)
    assert.equal(latest.get(`rooms ${rooms.general}`)?.targetId, rooms.general)
    assert.equal(latest.get(`rooms ${rooms.work}`)?.status, 'skipped')
    assert.equal(latest.get(`direct ${rooms.dmBob}`)?.targetId, directOf(alice2.userId)[world.bob.userId]![0])
    assert.match(latest.get('profile avatar_url')?.targetId ?? '', /^mxc:\/\//)
    // The DM's "creating" line comes before its result, as the journal of a run killed during createRoom needs.
    const dm = entries.filter((e) => e.kind === 'direct' && e.key === rooms.dmBob).map((e) => e.status)
    assert.deepEqual(dm, ['failed', 'applied'])
  })

  it('refuses a kind Matrix does not replay and an archive of another network before any write', async () => {
    server.resetRequests()
    await assert.rejects(replay(archive, alice2, { only: ['rooms', 'follows'] }), (error: Error) => error instanceof UnsupportedError && /follows/.test(error.message))
    const other = join(dir, 'misskey.zip')
    const writer = await ArchiveWriter.open({ path: other, source: { network: 'misskey', server: null, account: { id: 'old' } } })
    await writer.finish()
    await assert.rejects(replay(other, alice2), BadArchiveError)
    assert.deepEqual(writes(server), [])
  })

  it('ends the run on a token refused mid-way (AuthError), recording nothing per item', async () => {
    const alice4 = server.seed.user('alice4')
    const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: alice4.accessToken } })
    const context = fastContext(cli, clock)
    const reader = await ArchiveReader.open(archive)
    try {
      const { target, server: url, account } = await replayTarget.create({ homeserver: serverUrl, user: alice4.userId }, context, cli.env)
      // the token is logged out after the login check, before the first step
      await fetch(`${server.url}/_matrix/client/v3/logout`, { method: 'POST', headers: { authorization: `Bearer ${alice4.accessToken}` } })
      const path = journalPath(archive, { network: 'matrix', server: url, account })
      const journal = await ReplayJournal.open(path)
      try {
        await assert.rejects(replayDriver({ archive: reader, target, journal, only: [...target.capabilities.replays], dryRun: false, context }), AuthError)
      } finally {
        await journal.close()
        await target.close?.()
      }
      assert.equal(await readFile(path, 'utf8'), '')
    } finally {
      reader.close()
    }
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
