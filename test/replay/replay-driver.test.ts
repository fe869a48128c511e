// The replay driver against an in-memory Target that follows the contract (idempotent writes, a daily cap). The
// adapters' own tests replay onto protocol-faithful servers; this one pins the driver's ordering, journal and deferral.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { ReplayJournal, journalPath } from '../../src/replay/journal.js'
import { replay } from '../../src/replay/replay.js'
import { replayError } from '../../src/replay/report.js'
import type { Outcome, ResolvedAccount, Target } from '../../src/adapters/adapter.js'
import type { ListRecord } from '../../src/archive/records.js'
import { captureCli } from '../_util/cli.js'
import { createHttpClient } from '../../src/net/http-client.js'
import { AuthError } from '../../src/errors.js'

class MemoryTarget implements Target {
  readonly capabilities = { network: 'mastodon' as const, exports: [], replays: ['follows', 'lists', 'mutes', 'blocks'] as const, alias: false, move: false }
  follows = new Set<string>()
  lists = new Map<string, Set<string>>()
  writes = 0
  constructor(public followCap = Infinity) {}
  async whoami() {
    return { id: 'me' }
  }
  async resolve(account: { id: string; handle?: string }): Promise<ResolvedAccount | null> {
    return account.id.includes('gone') ? null : { targetId: account.id, ref: account }
  }
  async follow(account: ResolvedAccount): Promise<Outcome> {
    if (this.follows.has(account.targetId)) return { status: 'unchanged' }
    if (this.followCap <= 0) return { status: 'deferred', reason: 'daily cap', until: '2026-11-23T00:00:00.000Z' }
    this.followCap--
    this.writes++
    this.follows.add(account.targetId)
    return { status: 'applied' }
  }
  async list(list: ListRecord, members: ResolvedAccount[]): Promise<Outcome[]> {
    const set = this.lists.get(list.name) ?? new Set<string>()
    this.lists.set(list.name, set)
    return members.map((m) => {
      if (set.has(m.targetId)) return { status: 'unchanged' }
      this.writes++
      set.add(m.targetId)
      return { status: 'applied' }
    })
  }
}

async function archiveWith(dir: string): Promise<string> {
  const path = join(dir, 'a.zip')
  const writer = await ArchiveWriter.open({ path, source: { network: 'misskey', server: null, account: { id: 'old' } } })
  for (const name of ['a', 'b', 'gone-c', 'd']) await writer.write('following', { account: { id: `https://x.example/users/${name}`, handle: `${name}@x.example` } })
  await writer.write('lists', { id: 'l1', name: 'Friends', members: [{ id: 'https://x.example/users/a', handle: 'a@x.example' }] })
  await writer.write('lists', { id: 'l2', name: 'Empty', members: [] })
  await writer.finish()
  return path
}

async function run(path: string, target: MemoryTarget, options: { dryRun?: boolean } = {}) {
  const { cli } = captureCli()
  const archive = await ArchiveReader.open(path)
  const journal = await ReplayJournal.open(journalPath(path, { network: 'mastodon', server: 's', account: 'me' }))
  try {
    return await replay({ archive, target, journal, only: ['follows', 'lists'], dryRun: Boolean(options.dryRun), context: { http: createHttpClient(), signal: cli.signal, out: cli.out, secrets: cli.secrets } })
  } finally {
    await journal.close()
    archive.close()
  }
}

test('follows then lists; unresolved accounts named (exit 3) and tried again; empty lists created; a rerun applies nothing', async () => {
  const path = await archiveWith(await mkdtemp(join(tmpdir(), 'lifeboat-replay-')))
  const target = new MemoryTarget()
  const dry = await run(path, target, { dryRun: true })
  assert.equal(target.writes, 0, 'a dry run writes nothing')
  assert.equal(dry.counts.follows?.planned, 4)
  const first = await run(path, target)
  assert.deepEqual(first.counts.follows, { applied: 3, unresolved: 1 })
  assert.deepEqual(first.unresolved.map((i) => i.subject), ['gone-c@x.example'])
  const ending = replayError(first)
  assert.equal(ending?.exitCode, 3)
  assert.match(ending!.message, /^1 item could not be resolved on the target: follows gone-c@x\.example\.$/)
  assert.deepEqual([...target.lists.keys()].sort(), ['Empty', 'Friends'])
  assert.equal(first.failed, 0)
  const writes = target.writes
  const second = await run(path, target)
  assert.equal(target.writes, writes, 'nothing is written twice')
  assert.equal(second.counts.follows?.['done-before'], 3)
  assert.equal(second.counts.follows?.unresolved, 1, 'an unresolved account is looked up again')
})

test('a daily cap defers the rest of the kind cleanly, and the next run finishes it', async () => {
  const path = await archiveWith(await mkdtemp(join(tmpdir(), 'lifeboat-replay-')))
  const target = new MemoryTarget(2)
  const first = await run(path, target)
  assert.equal(first.deferred.length, 1)
  assert.equal(first.deferred[0]!.until, '2026-11-23T00:00:00.000Z')
  assert.equal(target.follows.size, 2)
  assert.ok(target.lists.has('Friends'), 'other kinds still run after follows are deferred')
  target.followCap = 10
  const second = await run(path, target)
  assert.equal(second.deferred.length, 0)
  assert.equal(target.follows.size, 3)
})

test('a token refused mid-run ends the run with one AuthError: the items before it are journaled, none after it is tried, a rerun continues', async () => {
  const path = await archiveWith(await mkdtemp(join(tmpdir(), 'lifeboat-replay-')))
  // The server stops accepting the token after two follows, as when it is revoked while a replay runs.
  class RevokedTarget extends MemoryTarget {
    revoked = false
    attempts = 0
    override async follow(account: ResolvedAccount): Promise<Outcome> {
      this.attempts++
      if (this.revoked) throw new AuthError('new.example refused the access token (401).')
      const outcome = await super.follow(account)
      if (this.writes === 2) this.revoked = true
      return outcome
    }
    override async list(list: ListRecord, members: ResolvedAccount[]): Promise<Outcome[]> {
      if (this.revoked) throw new AuthError('new.example refused the access token (401).')
      return super.list(list, members)
    }
  }
  const target = new RevokedTarget()
  await assert.rejects(run(path, target), (error: unknown) => error instanceof AuthError && error.exitCode === 4)
  assert.equal(target.attempts, 3, 'the follow after the refusal is the last one tried')
  assert.equal(target.lists.size, 0, 'lists are not tried with a refused token')
  target.revoked = false
  const rerun = await run(path, target)
  assert.equal(rerun.counts.follows?.['done-before'], 2, 'the two follows made before the refusal are not made again')
  assert.deepEqual([...target.follows].sort(), ['https://x.example/users/a', 'https://x.example/users/b', 'https://x.example/users/d'])
  assert.equal(rerun.failed, 0)
})
