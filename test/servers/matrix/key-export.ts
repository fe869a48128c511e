/**
 * The Element / Matrix key export file ("-----BEGIN MEGOLM SESSION DATA-----"), spec: client-server-api
 * "Key exports" (end_to_end_encryption.md); reference implementation element-hq/element-web
 * `src/utils/MegolmExportEncryption.ts`.
 *
 * Binary layout before base64: version byte 0x01 | salt (16) | IV (16, bit 63 cleared) | PBKDF2 rounds
 * (u32 big-endian) | AES-256-CTR ciphertext of the JSON | HMAC-SHA-256 (32) of everything before it.
 * Keys: PBKDF2-HMAC-SHA-512(passphrase, salt, rounds) -> 64 bytes: AES key (first 32) and HMAC key (last 32).
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'

const HEADER = '-----BEGIN MEGOLM SESSION DATA-----'
const TRAILER = '-----END MEGOLM SESSION DATA-----'
/** Element wraps the base64 body at 96 characters (72 bytes) per line. */
const LINE_LENGTH = 96

function deriveKeys(passphrase: string, salt: Buffer, rounds: number): { aesKey: Buffer; hmacKey: Buffer } {
  const key = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, rounds, 64, 'sha512')
  return { aesKey: key.subarray(0, 32), hmacKey: key.subarray(32) }
}

/**
 * Encrypts a JSON array of exported sessions. Element uses 500,000 rounds; the spec asks for at least
 * 100,000 in practice; tests may pass fewer to stay fast.
 */
export function encryptKeyExport(plaintext: string, passphrase: string, rounds = 500_000): string {
  const salt = randomBytes(16)
  const iv = randomBytes(16)
  // Clearing bit 63 lets a 64-bit counter run without overflow (Element does the same).
  iv[8] = iv[8]! & 0x7f
  const { aesKey, hmacKey } = deriveKeys(passphrase, salt, rounds)
  const cipher = createCipheriv('aes-256-ctr', aesKey, iv)
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(plaintext, 'utf8')), cipher.final()])
  const roundsBytes = Buffer.alloc(4)
  roundsBytes.writeUInt32BE(rounds)
  const body = Buffer.concat([Buffer.from([1]), salt, iv, roundsBytes, ciphertext])
  const mac = createHmac('sha256', hmacKey).update(body).digest()
  const encoded = Buffer.concat([body, mac]).toString('base64')
  const lines = [HEADER]
  for (let i = 0; i < encoded.length; i += LINE_LENGTH) lines.push(encoded.slice(i, i + LINE_LENGTH))
  lines.push(TRAILER)
  return `${lines.join('\n')}\n`
}

/** Decrypts a key export file; throws on a wrong passphrase (HMAC mismatch) or a malformed file. */
export function decryptKeyExport(file: string, passphrase: string): string {
  const start = file.indexOf(HEADER)
  const end = file.indexOf(TRAILER)
  if (start < 0 || end < start) throw new Error('Not a MEGOLM SESSION DATA file')
  const data = Buffer.from(file.slice(start + HEADER.length, end).replace(/\s+/g, ''), 'base64')
  if (data[0] !== 1) throw new Error(`Unsupported key export version ${data[0]}`)
  if (data.length < 1 + 16 + 16 + 4 + 32) throw new Error('Key export file is too short')
  const salt = data.subarray(1, 17)
  const iv = data.subarray(17, 33)
  const rounds = data.readUInt32BE(33)
  const ciphertext = data.subarray(37, data.length - 32)
  const mac = data.subarray(data.length - 32)
  const { aesKey, hmacKey } = deriveKeys(passphrase, salt, rounds)
  const expected = createHmac('sha256', hmacKey).update(data.subarray(0, data.length - 32)).digest()
  if (!timingSafeEqual(mac, expected)) throw new Error('Authentication check failed: incorrect password?')
  const decipher = createDecipheriv('aes-256-ctr', aesKey, iv)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
}
