// `lifeboat export matrix` against the test homeserver (test/servers/matrix/): the 12-room account of world.ts.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { run as exportMatrix, register, type ExportMatrixOptions } from '../../src/commands/export-matrix.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { AuthError, PartialFailureError, UsageError } from '../../src/errors.js'
import type { EventRecord, MediaRecord, RoomRecord } from '../../src/archive/records.js'
import { startMatrixServer, type MatrixTestServer } from '../servers/matrix/server.js'
import { captureCli } from '../_util/cli.js'
import { fastContext, records, sha256, visibleEventIds } from './helpers.js'
import { seedWorld, type MatrixWorld } from './world.js'

describe('export matrix', () => {
  let server: MatrixTestServer
  let world: MatrixWorld
  let dir: string
  let archive: string
  let rooms: RoomRecord[]
  let events: EventRecord[]
  let media: MediaRecord[]
  let failure: unknown

  function options(extra: Partial<ExportMatrixOptions> = {}): ExportMatrixOptions {
    return { homeserver: server.url, user: world.alice.userId, output: join(dir, 'alice.zip'), ...extra }
  }

  before(async () => {
    server = await startMatrixServer()
    world = await seedWorld(server)
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-matrix-'))
    await writeFile(join(dir, 'keys.txt'), world.megolm.keyFile)
    archive = join(dir, 'alice.zip')
    const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: world.alice.accessToken, KEYS_PW: world.megolm.passphrase } })
    failure = await exportMatrix(options({ keys: join(dir, 'keys.txt'), passphraseEnv: 'KEYS_PW' }), cli, { context: fastContext(cli) }).then(
      () => null,
      (error: unknown) => error,
    )
    rooms = await records(archive, 'rooms')
    events = await records(archive, 'events')
    media = await records(archive, 'media')
  })
  after(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('writes a sound archive and reports the failing room and the missing media as a partial failure', async () => {
    assert.ok(failure instanceof PartialFailureError, String(failure))
    assert.ok((await verifyArchive(archive)).ok)
    const reader = await ArchiveReader.open(archive)
    const notes = reader.manifest.notes
    assert.equal(reader.manifest.source.network, 'matrix')
    assert.deepEqual(reader.manifest.source.account, { id: world.alice.userId })
    reader.close()
    assert.ok(notes.some((n) => n.startsWith(`failed room ${world.rooms.failing}:`)), notes.join('\n'))
    assert.ok(notes.some((n) => n.includes('doesnotexist')), notes.join('\n'))
    assert.ok(notes.some((n) => n === 'key file: 2 of 2 room keys imported'), notes.join('\n'))
    assert.deepEqual(await readdir(dir), ['alice.zip', 'keys.txt'])
  })

  it('holds every room with its state, membership, DM partners, tags and a per-room report', () => {
    assert.equal(rooms.length, 12)
    assert.deepEqual(new Set(rooms.map((r) => r.id)), new Set(Object.values(world.rooms)))
    const byId = new Map(rooms.map((r) => [r.id, r]))
    const failing = byId.get(world.rooms.failing)!
    assert.match(failing.error ?? '', /500/)
    assert.deepEqual(failing.counts, { events: 0, undecryptable: 0, media: 0 })
    assert.ok(failing.state.length > 0, 'the state of a room whose history fails is still kept')
    for (const room of rooms) if (room.id !== world.rooms.failing) assert.equal(room.error, null, room.id)
    for (const room of rooms) assert.equal(room.membership, 'join')
    const general = byId.get(world.rooms.general)!
    assert.equal(general.name, 'General')
    assert.equal(general.topic, 'Everything')
    assert.equal(general.canonicalAlias, `#general:${server.serverName}`)
    assert.deepEqual(general.tags, { 'm.favourite': { order: 0.25 } })
    assert.deepEqual(general.via, [server.serverName])
    assert.equal(byId.get(world.rooms.encrypted)!.encrypted, true)
    assert.deepEqual(byId.get(world.rooms.dmBob)!.directWith, [world.bob.userId])
    assert.equal(byId.get(world.rooms.dmCarol)!.isDirect, true)
    assert.equal(general.isDirect, false)
    for (const type of ['m.room.create', 'm.room.name', 'm.room.topic', 'm.room.canonical_alias', 'm.room.join_rules', 'm.room.power_levels', 'm.room.member']) {
      assert.ok((general.state as { type: string }[]).some((e) => e.type === type), type)
    }
    assert.ok((byId.get(world.rooms.encrypted)!.state as { type: string }[]).some((e) => e.type === 'm.room.encryption'))
  })

  it('holds every timeline whole and in timeline order, with per-room counts that match', () => {
    const perRoom = new Map<string, string[]>()
    for (const e of events) {
      const list = perRoom.get(e.roomId) ?? []
      list.push(e.event.event_id as string)
      perRoom.set(e.roomId, list)
    }
    for (const room of rooms) {
      if (room.id === world.rooms.failing) {
        assert.equal(perRoom.get(room.id), undefined)
        continue
      }
      const expected = visibleEventIds(server, room.id, world.alice.userId)
      assert.deepEqual(perRoom.get(room.id), expected, room.id)
      assert.equal(room.counts.events, expected.length, room.id)
    }
    assert.ok(perRoom.get(world.rooms.big)!.length > world.bigCount)
    // Mallory is ignored by alice: the server hides her message, so the archive cannot have it.
    assert.ok(!events.some((e) => e.event.sender === world.mallory.userId && e.event.type === 'm.room.message'))
  })

  it('decrypts what the key file opens and keeps the rest verbatim, counted', () => {
    const encrypted = events.filter((e) => e.roomId === world.rooms.encrypted && e.event.type === 'm.room.encrypted')
    assert.equal(encrypted.length, 9)
    const opened = encrypted.filter((e) => e.decrypted !== null)
    const expected = world.megolm.events.filter((e) => e.sessionIndex !== 1).map((e) => e.plaintext.content.body)
    assert.deepEqual(opened.map((e) => (e.decrypted!.content as { body: string }).body), expected)
    for (const e of opened) {
      assert.equal(e.decrypted!.type, 'm.room.message')
      assert.equal(e.decrypted!.event_id, e.event.event_id)
    }
    const room = rooms.find((r) => r.id === world.rooms.encrypted)!
    assert.equal(room.counts.undecryptable, 3)
    for (const r of rooms) if (r.id !== world.rooms.encrypted) assert.equal(r.counts.undecryptable, 0)
    const closed = encrypted.find((e) => e.decrypted === null)!
    assert.deepEqual(closed.event.content, world.megolm.events.find((m) => m.sessionIndex === 1 && (m.content.ciphertext === (closed.event.content as { ciphertext: string }).ciphertext))!.content)
  })

  it('downloads every piece of media, authenticated first, decrypting encrypted attachments', () => {
    const bySha = new Map(media.map((m) => [m.sha256, m]))
    for (const bytes of [world.media.png, world.media.frozenPng, world.media.avatar, world.media.secret, world.media.roomAvatar]) {
      assert.ok(bySha.has(sha256(bytes)), `missing media ${sha256(bytes)}`)
    }
    const secret = bySha.get(sha256(world.media.secret))!
    assert.equal(secret.mime, 'text/plain')
    assert.equal(secret.name, 'secret.txt')
    assert.match(secret.source.mxc ?? '', /^mxc:\/\//)
    const red = bySha.get(sha256(world.media.png))!
    assert.equal(red.alt, 'a red square')
    const image = events.find((e) => (e.event.content as { body?: string }).body === 'a red square')!
    assert.deepEqual(image.media, [{ sha256: sha256(world.media.png), mxc: red.source.mxc }])
    const gone = events.find((e) => (e.event.content as { body?: string }).body === 'a picture that is gone')!
    assert.deepEqual(gone.media, [])
    assert.equal(rooms.find((r) => r.id === world.rooms.media)!.counts.media, 4)
    assert.equal(server.countRequests({ path: /^\/_matrix\/media\/v3\/download\// }), 0, 'a v1.11 server is never asked for legacy media')
  })

  it('keeps the account data, push rules and profile', async () => {
    const data = await records(archive, 'account-data')
    const global = new Map(data.filter((d) => d.roomId === null).map((d) => [d.type, d.content as Record<string, unknown>]))
    assert.deepEqual(global.get('m.ignored_user_list'), { ignored_users: { [world.mallory.userId]: {} } })
    assert.deepEqual(global.get('m.direct'), { [world.bob.userId]: [world.rooms.dmBob], [world.carol.userId]: [world.rooms.dmCarol] })
    assert.deepEqual(global.get('im.example.settings'), { theme: 'dark' })
    const rules = (global.get('m.push_rules') as { global: Record<string, { rule_id: string; enabled: boolean }[]> }).global
    assert.ok(rules.content!.some((r) => r.rule_id === 'lifeboat'))
    assert.equal(rules.override!.find((r) => r.rule_id === '.m.rule.suppress_notices')!.enabled, false)
    const tags = data.filter((d) => d.type === 'm.tag')
    assert.deepEqual(new Set(tags.map((t) => t.roomId)), new Set([world.rooms.general, world.rooms.work, world.rooms.announcements, world.rooms.dmBob]))
    const reader = await ArchiveReader.open(archive)
    const profile = await reader.readJson<{ displayName: string; avatar: { sha256: string }; account: { id: string } }>('profile.json')
    const cursor = await reader.readJson<{ rooms: Record<string, string> }>('native/matrix/cursor.json')
    reader.close()
    assert.equal(profile.displayName, 'Alice Liddell')
    assert.equal(profile.account.id, world.alice.userId)
    assert.equal(profile.avatar.sha256, sha256(world.media.avatar))
    assert.equal(Object.keys(cursor.rooms).length, 11, 'every room but the failing one has a resume token')
  })

  it('refuses a wrong key passphrase before logging in, and leaves nothing behind', async () => {
    const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: world.alice.accessToken, KEYS_PW: 'wrong' } })
    server.resetRequests()
    await assert.rejects(exportMatrix(options({ output: join(dir, 'wrong.zip'), keys: join(dir, 'keys.txt'), passphraseEnv: 'KEYS_PW' }), cli), AuthError)
    assert.equal(server.requests.length, 0)
    await assert.rejects(exportMatrix(options({ output: join(dir, 'x.zip'), rooms: 'general' }), cli), UsageError)
  })

  it('refuses a token of another account', async () => {
    const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: world.bob.accessToken } })
    await assert.rejects(exportMatrix(options({ output: join(dir, 'bob.zip') }), cli), (error: Error) => error instanceof AuthError && /belongs to @bob/.test(error.message))
  })

  it('runs from the command line with its flags', async () => {
    const { cli, stderr } = captureCli({ env: { MY_TOKEN: world.alice.accessToken } })
    const program = new Command('lifeboat').exitOverride()
    register(program, cli)
    const output = join(dir, 'cli.zip')
    const args = ['export', 'matrix', '--homeserver', server.url, '--user', world.alice.userId, '-o', output, '--token-env', 'MY_TOKEN', '--rooms', `#general:${server.serverName},${world.rooms.dmBob}`, '--include-left']
    await program.parseAsync(['node', 'lifeboat', ...args])
    assert.deepEqual((await records(output, 'rooms')).map((r) => r.id).sort(), [world.rooms.general, world.rooms.dmBob].sort())
    assert.match(stderr(), /room .* \(General\): \d+ events, 0 undecryptable, 0 media/)
    assert.ok(!stderr().includes(world.alice.accessToken))
  })
})
