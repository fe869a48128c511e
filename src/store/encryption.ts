// The codec of an encrypted store (docs/backup-store.md §9): object names are HMAC-SHA256 of the plaintext's sha256
// under the store's name key, object bodies and manifests are sealed bodies (encryption-stream.ts), and the keys come
// from config.json and the passphrase (encryption-keys.ts). Pure: no file or network access.
import { createHmac } from 'node:crypto'
import { OBJECTS_DIR } from './format.js'
import type { ObjectCodec } from './codec.js'
import { createOpenStream, createSealStream, openBuffer, sealBuffer } from './encryption-stream.js'
import { DEFAULT_SCRYPT, newEncryptionKeys, unlockKeys, type EncryptionConfig, type ScryptParams, type StoreKeys } from './encryption-keys.js'

export { ENCRYPTION_SCHEME, DEFAULT_SCRYPT, checkEncryptionConfig, type EncryptionConfig, type ScryptParams } from './encryption-keys.js'
export type { ObjectCodec } from './codec.js'

export const ENCRYPTED_CODEC_NAME = 'aes-256-gcm'
const SHA256_HEX = /^[0-9a-f]{64}$/
const KEYED_OBJECT_KEY = /^objects\/([0-9a-f]{2})\/([0-9a-f]{64})$/

/** The codec for a store whose keys are unlocked. */
export function encryptedCodec(keys: StoreKeys): ObjectCodec {
  return {
    name: ENCRYPTED_CODEC_NAME,
    objectKey(sha256: string): string {
      if (!SHA256_HEX.test(sha256)) throw new Error(`encryptedCodec.objectKey: ${JSON.stringify(sha256)} is not a sha256 in lowercase hex`)
      const name = createHmac('sha256', keys.nameKey).update(Buffer.from(sha256, 'hex')).digest('hex')
      return `${OBJECTS_DIR}/${name.slice(0, 2)}/${name}`
    },
    isObjectKey(key: string): boolean {
      const match = KEYED_OBJECT_KEY.exec(key)
      return match !== null && match[2]!.startsWith(match[1]!)
    },
    encrypt: () => createSealStream(keys.encryptionKey, 'object'),
    decrypt: () => createOpenStream(keys.encryptionKey, 'object'),
    sealSmall: (bytes: Buffer) => sealBuffer(keys.encryptionKey, 'manifest', bytes),
    openSmall: (bytes: Buffer) => openBuffer(keys.encryptionKey, 'manifest', bytes),
  }
}

/** A new store's `encryption` block (a fresh master key sealed under `passphrase`) and its codec. */
export async function createEncryptionConfig(passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<{ config: EncryptionConfig; codec: ObjectCodec }> {
  const { config, keys } = await newEncryptionKeys(passphrase, params)
  return { config, codec: encryptedCodec(keys) }
}

/**
 * The codec of an existing encrypted store. BadArchiveError (exit 12) when the block is malformed; AuthError (exit
 * 4, one line) when the passphrase is wrong. `location` names the store in messages.
 */
export async function unlock(config: unknown, passphrase: string, location?: string): Promise<ObjectCodec> {
  return encryptedCodec(await unlockKeys(config, passphrase, location))
}
