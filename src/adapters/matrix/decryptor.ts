// Megolm decryption with the Rust crypto that matrix-js-sdk bundles (@matrix-org/matrix-sdk-crypto-wasm), used
// directly: an in-memory OlmMachine for a throwaway device, loaded with the sessions of a key file, decrypting events
// one by one. Nothing is uploaded: matrix-js-sdk's initRustCrypto would publish device keys for the token's device,
// which an export must never do to the account. The WASM module loads only when a key file is given.
import type { ClientEvent } from './api.js'
import type { ExportedSession } from './key-file.js'

export const MEGOLM_ALGORITHM = 'm.megolm.v1.aes-sha2'

export interface Decryptor {
  /** Sessions the crypto library accepted out of those in the file. */
  readonly imported: number
  readonly total: number
  /** The clear event, or null when no imported session opens it. Never throws for a bad event. */
  decrypt(event: ClientEvent, roomId: string): Promise<Record<string, unknown> | null>
  close(): void
}

export async function createDecryptor(userId: string, sessions: ExportedSession[]): Promise<Decryptor> {
  const wasm = await import('@matrix-org/matrix-sdk-crypto-wasm')
  try {
    // The library's tracing defaults to nothing in Node, but a process that also ran matrix-js-sdk may have turned it
    // on at Debug; exports only want errors.
    new wasm.Tracing(wasm.LoggerLevel.Error).turnOn()
  } catch {
    // Tracing is optional.
  }
  const machine = await wasm.OlmMachine.initialize(new wasm.UserId(userId), new wasm.DeviceId('LIFEBOATEXPORT'))
  const result = await machine.importExportedRoomKeys(JSON.stringify(sessions), () => undefined)
  const settings = new wasm.DecryptionSettings(wasm.TrustRequirement.Untrusted)
  const roomIds = new Map<string, InstanceType<typeof wasm.RoomId>>()
  return {
    imported: result.importedCount,
    total: result.totalCount,
    async decrypt(event, roomId) {
      const content = event.content
      if (content?.algorithm !== MEGOLM_ALGORITHM || typeof content.ciphertext !== 'string') return null
      let room = roomIds.get(roomId)
      if (!room) {
        room = new wasm.RoomId(roomId)
        roomIds.set(roomId, room)
      }
      try {
        const decrypted = await machine.decryptRoomEvent(JSON.stringify({ ...event, room_id: roomId }), room, settings)
        return JSON.parse(decrypted.event) as Record<string, unknown>
      } catch {
        // MegolmDecryptionError: no session for it (the common case), or a damaged or replayed message.
        return null
      }
    },
    close() {
      machine.close()
    },
  }
}

/** An encrypted event that has content to decrypt (a redacted one has none and is not counted as undecryptable). */
export function isEncryptedPayload(event: ClientEvent): boolean {
  return event.type === 'm.room.encrypted' && typeof event.content?.ciphertext === 'string'
}
