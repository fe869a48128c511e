// Element's room key export file ("-----BEGIN MEGOLM SESSION DATA-----"), read with Node's own crypto so that the
// PBKDF2 (500,000 rounds in Element) runs natively and off the main thread.
// Spec: client-server API "Key exports" (https://spec.matrix.org/v1.11/client-server-api/#key-exports); reference
// implementation element-hq/element-web src/utils/MegolmExportEncryption.ts.
// Layout before base64: 0x01 | salt (16) | IV (16) | rounds (u32 BE) | AES-256-CTR ciphertext | HMAC-SHA-256 (32) of
// everything before it; keys = PBKDF2-HMAC-SHA-512(passphrase, salt, rounds) → 32 bytes AES key, 32 bytes HMAC key.
import { createDecipheriv, createHmac, pbkdf2, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { AuthError, UsageError } from '../../errors.js'

const HEADER = '-----BEGIN MEGOLM SESSION DATA-----'
const TRAILER = '-----END MEGOLM SESSION DATA-----'
const pbkdf2Async = promisify(pbkdf2)

/** One exported Megolm session (spec "Key export format"); other fields pass through to the crypto library. */
export interface ExportedSession {
  room_id: string
  session_id: string
  algorithm: string
  [key: string]: unknown
}

/** Decrypts a key file into its JSON text. Wrong passphrase → AuthError; not a key file → UsageError. */
export async function decryptKeyFile(file: string, passphrase: string, name = 'the key file'): Promise<string> {
  const start = file.indexOf(HEADER)
  const end = file.indexOf(TRAILER)
  if (start < 0 || end < start) {
    throw new UsageError(`${name} is not a Matrix key export (no "${HEADER}" block).`, { hint: 'Export the keys from Element: Settings > Security & Privacy > Export E2E room keys.' })
  }
  const data = Buffer.from(file.slice(start + HEADER.length, end).replace(/\s+/g, ''), 'base64')
  if (data.length < 1 + 16 + 16 + 4 + 32) throw new UsageError(`${name} is too short to be a key export.`)
  if (data[0] !== 1) throw new UsageError(`${name} has key export version ${data[0]}; only version 1 is known.`)
  const salt = data.subarray(1, 17)
  const iv = data.subarray(17, 33)
  const rounds = data.readUInt32BE(33)
  const ciphertext = data.subarray(37, data.length - 32)
  const mac = data.subarray(data.length - 32)
  const key = await pbkdf2Async(Buffer.from(passphrase, 'utf8'), salt, rounds, 64, 'sha512')
  const expected = createHmac('sha256', key.subarray(32)).update(data.subarray(0, data.length - 32)).digest()
  if (!timingSafeEqual(mac, expected)) {
    throw new AuthError(`The passphrase does not open ${name}.`, { hint: 'Use the passphrase chosen when the keys were exported.' })
  }
  const decipher = createDecipheriv('aes-256-ctr', key.subarray(0, 32), iv)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
}

/** Parses the decrypted JSON: an array of sessions. */
export function parseSessions(json: string, name = 'the key file'): ExportedSession[] {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw new UsageError(`${name} decrypts to something that is not JSON.`)
  }
  if (!Array.isArray(value)) throw new UsageError(`${name} does not hold a list of room keys.`)
  return value.filter((s): s is ExportedSession => s !== null && typeof s === 'object' && typeof (s as ExportedSession).session_id === 'string')
}
