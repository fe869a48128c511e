/**
 * Encrypted rooms: real Megolm ciphertext from megolm.ts, decrypted by matrix-js-sdk's Rust crypto with
 * keys from a key export file that holds only some of the sessions.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LoggerLevel, OlmMachine, Tracing } from '@matrix-org/matrix-sdk-crypto-wasm'
import { Direction, type MatrixEvent } from 'matrix-js-sdk'
import { decryptKeyExport, encryptKeyExport } from './key-export.js'
import type { MegolmFixture } from './megolm.js'
import { sdkClient } from './sdk-client.js'
import { startMatrixServer, type MatrixTestServer } from './server.js'

describe('encrypted rooms', () => {
  let server: MatrixTestServer
  let bob: { userId: string; accessToken: string; deviceId: string }
  let roomId: string
  let fixture: MegolmFixture

  before(async () => {
    server = await startMatrixServer()
    const alice = server.seed.user('alice')
    bob = server.seed.user('bob')
    roomId = server.seed.room({ creator: alice.userId, kind: 'private', name: 'Secret', members: [bob.userId], encrypted: true })
    fixture = await server.seed.encryptedMessages(roomId, { userId: alice.userId, messages: 9, sessions: 3, exportedSessions: [0, 2] })
  })
  after(() => server.close())

  it('writes a key file that Element-format readers accept and that holds only the chosen sessions', () => {
    assert.match(fixture.keyFile, /^-----BEGIN MEGOLM SESSION DATA-----\n[A-Za-z0-9+/=\n]+-----END MEGOLM SESSION DATA-----\n$/)
    const ours = JSON.parse(decryptKeyExport(fixture.keyFile, fixture.passphrase)) as { session_id: string; room_id: string }[]
    const rust = JSON.parse(OlmMachine.decryptExportedRoomKeys(fixture.keyFile, fixture.passphrase)) as { session_id: string }[]
    assert.deepEqual(rust.map((k) => k.session_id), ours.map((k) => k.session_id))
    assert.deepEqual(ours.map((k) => k.session_id), [fixture.sessions[0]!.sessionId, fixture.sessions[2]!.sessionId])
    assert.ok(ours.every((k) => k.room_id === roomId))
    assert.throws(() => decryptKeyExport(fixture.keyFile, 'wrong passphrase'), /Authentication check failed/)
    // And the reverse direction: a file the Rust SDK wrote decrypts here.
    const fromRust = OlmMachine.encryptExportedRoomKeys(JSON.stringify(ours), 'pw', 1000)
    assert.deepEqual(JSON.parse(decryptKeyExport(fromRust, 'pw')), ours)
    assert.equal(decryptKeyExport(encryptKeyExport('[]', 'x', 10), 'x'), '[]')
  })

  it('lets matrix-js-sdk decrypt exactly the exported sessions', async () => {
    const client = sdkClient(server, bob)
    await client.initRustCrypto({ useIndexedDB: false })
    // initRustCrypto turns the Rust SDK's tracing on at Debug; tests only want errors.
    new Tracing(LoggerLevel.Error).turnOn()
    try {
      const keys = JSON.parse(decryptKeyExport(fixture.keyFile, fixture.passphrase))
      await client.getCrypto()!.importRoomKeys(keys)
      const page = await client.createMessagesRequest(roomId, null, 100, Direction.Backward)
      const mapper = client.getEventMapper()
      const encrypted: MatrixEvent[] = page.chunk.filter((e) => e.type === 'm.room.encrypted').map((e) => mapper(e))
      assert.equal(encrypted.length, 9)
      for (const event of encrypted) await client.decryptEventIfNeeded(event)
      const readable = encrypted.filter((e) => !e.isDecryptionFailure()).map((e) => e.getContent().body as string)
      const expected = fixture.events.filter((e) => e.sessionIndex !== 1).map((e) => e.plaintext.content.body as string)
      assert.deepEqual(readable.sort(), expected.sort())
      assert.equal(encrypted.filter((e) => e.isDecryptionFailure()).length, 3)
    } finally {
      client.stopClient()
    }
  })
})
