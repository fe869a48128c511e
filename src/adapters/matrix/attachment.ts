// Encrypted attachments: AES-256-CTR with the key as a JWK and a 16-byte counter block, and the SHA-256 of the
// ciphertext, which the spec says MUST be checked before the plaintext is used.
// https://spec.matrix.org/v1.11/client-server-api/#sending-encrypted-attachments
import { createDecipheriv, createHash } from 'node:crypto'
import type { EncryptedFile } from './api.js'

export class AttachmentError extends Error {
  override name = 'AttachmentError'
}

/** Decrypts a streamed ciphertext; throws at the end (before the last bytes are handed on) if its hash is wrong. */
export async function* decryptAttachment(body: AsyncIterable<Uint8Array>, file: EncryptedFile): AsyncGenerator<Uint8Array> {
  const key = Buffer.from(file.key.k, 'base64url')
  const iv = Buffer.from(file.iv, 'base64')
  const expected = file.hashes?.sha256
  if (key.length !== 32) throw new AttachmentError(`encrypted attachment ${file.url}: the key is not 256 bits`)
  if (iv.length !== 16) throw new AttachmentError(`encrypted attachment ${file.url}: the IV is not 16 bytes`)
  if (typeof expected !== 'string') throw new AttachmentError(`encrypted attachment ${file.url}: no SHA-256 to check it against`)
  const hash = createHash('sha256')
  const decipher = createDecipheriv('aes-256-ctr', key, iv)
  let held: Buffer | null = null
  for await (const chunk of body) {
    hash.update(chunk)
    const clear = decipher.update(chunk)
    // One chunk is held back so that a hash mismatch is raised before the whole plaintext has been passed on.
    if (held !== null && held.length > 0) yield held
    held = clear
  }
  const actual = hash.digest('base64').replace(/=+$/, '')
  if (actual !== expected.replace(/=+$/, '')) {
    throw new AttachmentError(`encrypted attachment ${file.url}: the ciphertext's SHA-256 is ${actual}, the event says ${expected}`)
  }
  const tail = Buffer.concat([held ?? Buffer.alloc(0), decipher.final()])
  if (tail.length > 0) yield tail
}
