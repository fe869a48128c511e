// The Matrix export against an older server (the recorded Synapse 1.67: no authenticated media, `end` still given on
// the last page), with a password login, and its options: --since, --include-left, --rooms.
import { after, before, describe, it } from 'node:test'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as exportMatrix, type ExportMatrixOptions } from '../../src/commands/export-matrix.js'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { MatrixClient } from '../../src/adapters/matrix/client.js'
import { MediaFetcher } from '../../src/adapters/matrix/media-fetcher.js'
import { PAGE_LIMIT } from '../../src/adapters/matrix/room-timeline.js'
import { startMatrixServer, type MatrixTestServer } from '../servers/matrix/server.js'
import { captureCli } from '../_util/cli.js'
import { UnsupportedError } from '../../src/errors.js'
import { fastContext, records, sha256, visibleEventIds } from './helpers.js'
import { seedWorld, type MatrixWorld } from './world.js'

async function exportWith(server: MatrixTestServer, world: MatrixWorld, options: Partial<ExportMatrixOptions> & { output: string }, env: Record<string, string> = { LIFEBOAT_MATRIX_TOKEN: world.alice.accessToken }) {
  const { cli } = captureCli({ env })
  return exportMatrix({ homeserver: server.url, user: world.alice.userId, ...options }, cli, { context: fastContext(cli) }).catch((error: Error) => {
    if (error.name !== 'PartialFailureError') throw error
    return null
  })
}

describe('export matrix from Synapse 1.67', () => {
  let server: MatrixTestServer
  let world: MatrixWorld
  let dir: string

  before(async () => {
    server = await startMatrixServer({ compat: 'synapse167' })
    world = await seedWorld(server, { bigCount: 2500 })
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-matrix-167-'))
  })
  after(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('logs in with a password, pages to the empty last page, uses legacy media, and logs out', async () => {
    const output = join(dir, 'alice.zip')
    await exportWith(server, world, { output, passwordEnv: 'ALICE_PW' }, { ALICE_PW: world.alice.password })
    const rooms = await records(output, 'rooms')
    const events = await records(output, 'events')
    for (const room of rooms.filter((r) => r.error === null)) {
      assert.equal(room.counts.events, visibleEventIds(server, room.id, world.alice.userId).length, room.id)
    }
    assert.equal(events.filter((e) => e.roomId === world.rooms.big).length, visibleEventIds(server, world.rooms.big, world.alice.userId).length)
    const pages = server.requests.filter((r) => r.path.includes(encodeURIComponent(world.rooms.big)) && r.path.endsWith('/messages')).length
    const expected = Math.ceil(visibleEventIds(server, world.rooms.big, world.alice.userId).length / PAGE_LIMIT) + 1
    assert.equal(pages, expected, 'Synapse 1.67 still gives `end` on the last page; the empty page after it ends the room')
    assert.equal(server.countRequests({ path: /^\/_matrix\/client\/v1\/media\// }), 0)
    assert.ok(server.countRequests({ path: /^\/_matrix\/media\/v3\/download\//, status: 200 }) >= 5)
    const media = await records(output, 'media')
    assert.ok(media.some((m) => m.sha256 === sha256(world.media.secret)))
    assert.equal(server.countRequests({ method: 'POST', path: '/_matrix/client/v3/login', status: 200 }), 1)
    assert.equal(server.countRequests({ method: 'POST', path: '/_matrix/client/v3/logout', status: 200 }), 1)
  })

  it('falls back to legacy media when the authenticated endpoint answers 400 M_UNRECOGNIZED', async () => {
    const { cli } = captureCli()
    const context = fastContext(cli)
    const writer = await ArchiveWriter.open({ path: join(dir, 'media.zip'), source: { network: 'matrix', server: server.url, account: { id: world.alice.userId } } })
    try {
      const client = new MatrixClient(context.http, server.url, world.alice.accessToken)
      const fetcher = new MediaFetcher(context, client, writer, { authenticated: true })
      server.resetRequests()
      const mxcs = [...server.state.media.values()].slice(0, 3).map((m) => `mxc://${server.serverName}/${m.mediaId}`)
      const outcomes = []
      for (const mxc of mxcs) outcomes.push(await fetcher.record({ mxc }, null))
      assert.ok(outcomes.every((o) => 'sha256' in o), JSON.stringify(outcomes))
      assert.equal(server.countRequests({ path: /^\/_matrix\/client\/v1\/media\//, status: 400, errcode: 'M_UNRECOGNIZED' }) >= 1, true)
      assert.equal(server.countRequests({ path: /^\/_matrix\/client\/v1\/media\// }), 1, 'once known missing, the authenticated endpoint is not asked again')
    } finally {
      await writer.abort()
    }
  })
})

describe('export matrix options', () => {
  let server: MatrixTestServer
  let world: MatrixWorld
  let dir: string

  before(async () => {
    server = await startMatrixServer()
    world = await seedWorld(server, { bigCount: 1200 })
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-matrix-opts-'))
  })
  after(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('--since exports only what is newer than the earlier archive', async () => {
    const base = join(dir, 'base.zip')
    await exportWith(server, world, { output: base })
    const later = server.seed.message(world.rooms.general, world.carol.userId, 'a new message')
    server.seed.messages(world.rooms.big, { count: 1500, senders: [world.bob.userId] })
    const next = join(dir, 'next.zip')
    await exportWith(server, world, { output: next, since: base })
    const events = await records(next, 'events')
    const general = events.filter((e) => e.roomId === world.rooms.general).map((e) => e.event.event_id)
    assert.deepEqual(general, [later])
    assert.equal(events.filter((e) => e.roomId === world.rooms.big).length, 1500)
    assert.deepEqual(events.filter((e) => e.roomId === world.rooms.big).map((e) => e.event.event_id), visibleEventIds(server, world.rooms.big, world.alice.userId).slice(-1500))
    const rooms = await records(next, 'rooms')
    assert.equal(rooms.length, 12, 'every room is still listed with its state')
    const reader = await ArchiveReader.open(next)
    const baseReader = await ArchiveReader.open(base)
    assert.deepEqual(reader.manifest.since?.archive, baseReader.manifest.createdAt)
    reader.close()
    baseReader.close()
    const third = join(dir, 'third.zip')
    await exportWith(server, world, { output: third, since: next })
    assert.deepEqual((await records(third, 'events')).length, 0)
  })

  it('--include-left adds rooms the account left, with their history up to the leave', async () => {
    const { games } = world.rooms
    server.seed.message(games, world.alice.userId, 'goodbye')
    server.seed.leave(games, world.alice.userId)
    server.seed.message(games, world.carol.userId, 'after alice left')
    const without = join(dir, 'without.zip')
    await exportWith(server, world, { output: without })
    assert.ok(!(await records(without, 'rooms')).some((r) => r.id === games))
    const withLeft = join(dir, 'with-left.zip')
    await exportWith(server, world, { output: withLeft, includeLeft: true })
    const room = (await records(withLeft, 'rooms')).find((r) => r.id === games)!
    assert.equal(room.membership, 'leave')
    const events = (await records(withLeft, 'events')).filter((e) => e.roomId === games)
    assert.equal(room.counts.events, events.length)
    const last = events.at(-1)!.event
    assert.equal(last.type, 'm.room.member')
    assert.equal((last.content as { membership: string }).membership, 'leave')
    assert.ok(!events.some((e) => (e.event.content as { body?: string }).body === 'after alice left'))
  })

  it('pages on past empty pages: ignored users\' events are dropped after the limit', async () => {
    const { media: room } = world.rooms
    const first = server.seed.message(room, world.bob.userId, 'before the spam')
    server.seed.messages(room, { count: 2 * PAGE_LIMIT + 10, senders: [world.mallory.userId] })
    const last = server.seed.message(room, world.bob.userId, 'after the spam')
    const output = join(dir, 'spam.zip')
    await exportWith(server, world, { output, rooms: room })
    const ids = (await records(output, 'events')).map((e) => e.event.event_id)
    assert.deepEqual(ids, visibleEventIds(server, room, world.alice.userId))
    assert.ok(ids.includes(first) && ids.includes(last))
  })

  it('--rooms exports just the rooms named, by ID or alias', async () => {
    const output = join(dir, 'two.zip')
    await exportWith(server, world, { output, rooms: `#general:${server.serverName},${world.rooms.work}` })
    const rooms = await records(output, 'rooms')
    assert.deepEqual(rooms.map((r) => r.id).sort(), [world.rooms.general, world.rooms.work].sort())
  })
})

describe('export matrix from something else', () => {
  it('refuses a web server that is not a Matrix homeserver (exit 6) before asking for anything else', async () => {
    const paths: string[] = []
    const web = createServer((req, res) => {
      paths.push(req.url ?? '')
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>')
    })
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve))
    try {
      const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: 'x' } })
      const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`
      await assert.rejects(exportMatrix({ homeserver: url, user: '@me:example.org', output: join(tmpdir(), 'never.zip') }, cli, { context: fastContext(cli) }), UnsupportedError)
      assert.deepEqual(paths, ['/_matrix/client/versions', '/.well-known/matrix/client'])
    } finally {
      web.closeAllConnections()
      await new Promise<void>((resolve) => web.close(() => resolve()))
    }
  })
})
