/**
 * Real Megolm ciphertext for test rooms, and a key export file that holds only some of the sessions.
 *
 * Uses the Rust crypto that matrix-js-sdk 37.5.0 bundles (`@matrix-org/matrix-sdk-crypto-wasm` 14.x): an
 * in-memory `OlmMachine` for the sending device, `shareRoomKey(room, [], settings)` to start an outbound
 * Megolm session with no recipients (works offline: it returns no to-device requests),
 * `encryptRoomEvent` for each message, `invalidateGroupSession` to rotate to a new session, and
 * `exportRoomKeys` for the sessions in the export. `rotationPeriodMessages` is raised because the
 * machine panics ("Session expired") when a session outlives its rotation period (default 100 messages).
 *
 * `@matrix-org/olm` 3.2.15 (also installed) can do the same (`OutboundGroupSession.create/encrypt`,
 * `InboundGroupSession.export_session`) but libolm is deprecated and later matrix-js-sdk releases drop it.
 */
import { DeviceId, EncryptionSettings, OlmMachine, RoomId, UserId } from '@matrix-org/matrix-sdk-crypto-wasm'
import { encryptKeyExport } from './key-export.js'

export interface MegolmFixtureOptions {
  roomId: string
  /** The sender of every encrypted event. */
  userId: string
  /** The sending device; default `MEGOLMDEVICE`. */
  deviceId?: string
  /** How many messages (bodies "Secret message N") or the message bodies themselves. */
  messages: number | string[]
  /** Megolm sessions to spread the messages over, in order (default 2). */
  sessions?: number
  /** Indexes of the sessions put in the key export; default every session but the last. */
  exportedSessions?: number[]
  /** Default `lifeboat-test`. */
  passphrase?: string
  /** PBKDF2 rounds of the key file; default 1000 so tests stay fast (Element uses 500,000). */
  rounds?: number
}

export interface MegolmEvent {
  /** `m.room.encrypted` content: algorithm, ciphertext, device_id, sender_key, session_id. */
  content: Record<string, unknown>
  /** What decrypts out of it. */
  plaintext: { type: string; content: Record<string, unknown> }
  sessionIndex: number
}

export interface MegolmFixture {
  roomId: string
  userId: string
  deviceId: string
  /** The device's Curve25519 identity key (`sender_key`). */
  senderKey: string
  events: MegolmEvent[]
  sessions: { sessionId: string; messages: number; exported: boolean }[]
  /** The exported sessions as JSON objects (spec: "Key export format", `megolm_export_session_data.yaml`). */
  exportedKeys: Record<string, unknown>[]
  /** The encrypted key file ("-----BEGIN MEGOLM SESSION DATA-----"). */
  keyFile: string
  passphrase: string
}

export async function createMegolmFixture(options: MegolmFixtureOptions): Promise<MegolmFixture> {
  const deviceId = options.deviceId ?? 'MEGOLMDEVICE'
  const bodies =
    typeof options.messages === 'number'
      ? Array.from({ length: options.messages }, (_, i) => `Secret message ${i + 1}`)
      : options.messages
  const sessionCount = Math.max(1, Math.min(options.sessions ?? 2, bodies.length || 1))
  const exportedIdx = new Set(options.exportedSessions ?? Array.from({ length: sessionCount - 1 }, (_, i) => i))
  const passphrase = options.passphrase ?? 'lifeboat-test'

  const machine = await OlmMachine.initialize(new UserId(options.userId), new DeviceId(deviceId))
  try {
    const senderKey = machine.identityKeys.curve25519.toBase64()
    const settings = new EncryptionSettings()
    settings.rotationPeriodMessages = BigInt(bodies.length + 1)
    const events: MegolmEvent[] = []
    const sessions: MegolmFixture['sessions'] = []
    const perSession = Math.ceil(bodies.length / sessionCount)
    for (let s = 0; s < sessionCount; s++) {
      await machine.shareRoomKey(new RoomId(options.roomId), [], settings)
      const slice = bodies.slice(s * perSession, (s + 1) * perSession)
      let sessionId = ''
      for (const body of slice) {
        const plaintext = { type: 'm.room.message', content: { msgtype: 'm.text', body } }
        const content = JSON.parse(
          (await machine.encryptRoomEvent(new RoomId(options.roomId), plaintext.type, JSON.stringify(plaintext.content))) as string,
        ) as Record<string, unknown>
        sessionId = String(content.session_id)
        events.push({ content, plaintext, sessionIndex: s })
      }
      sessions.push({ sessionId, messages: slice.length, exported: exportedIdx.has(s) })
      await machine.invalidateGroupSession(new RoomId(options.roomId))
    }
    const all = JSON.parse((await machine.exportRoomKeys(() => true)) as string) as Record<string, unknown>[]
    // exportRoomKeys has no stable order; list the exported sessions in the order they were created.
    const exportedKeys = sessions.filter((s) => s.exported).map((s) => all.find((k) => k.session_id === s.sessionId)!)
    const keyFile = encryptKeyExport(JSON.stringify(exportedKeys), passphrase, options.rounds ?? 1000)
    return { roomId: options.roomId, userId: options.userId, deviceId, senderKey, events, sessions, exportedKeys, keyFile, passphrase }
  } finally {
    machine.close()
  }
}
