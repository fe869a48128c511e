// Sealed bodies of an encrypted store (docs/backup-store.md §9.2): a 36-byte header (magic + random salt), then
// AES-256-GCM segments of 64 KiB plaintext under a per-body key from HKDF, each nonce being the segment's number and a
// last-segment flag (age's STREAM construction). Any altered, reordered, dropped or truncated segment fails with
// BadArchiveError (exit 12). Both directions stream with at most two segments in memory.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { BadArchiveError } from '../errors.js'

export const BODY_MAGIC = Buffer.from('LBE1', 'latin1')
export const SALT_BYTES = 32
export const HEADER_BYTES = BODY_MAGIC.length + SALT_BYTES
export const SEGMENT_BYTES = 64 * 1024
export const TAG_BYTES = 16
const SEALED_SEGMENT_BYTES = SEGMENT_BYTES + TAG_BYTES
const NONCE_BYTES = 12

/** What a body is for: each role has its own HKDF info, so a body moved to the other role does not open. */
export type BodyRole = 'object' | 'manifest'

function bodyKey(encryptionKey: Buffer, salt: Buffer, role: BodyRole): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, salt, `lifeboat-store/2 ${role}`, 32))
}

function nonce(index: number, last: boolean): Buffer {
  const out = Buffer.alloc(NONCE_BYTES)
  // 11-byte big-endian counter; a Number is exact to 2^53 segments (2^69 bytes), far past any body.
  out.writeUIntBE(Math.floor(index / 2 ** 32), 3, 3)
  out.writeUInt32BE(index % 2 ** 32, 7)
  out[11] = last ? 1 : 0
  return out
}

function sealSegment(key: Buffer, header: Buffer, index: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(index, last), { authTagLength: TAG_BYTES })
  cipher.setAAD(header)
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()])
}

function damaged(what: string): BadArchiveError {
  return new BadArchiveError(`Encrypted data is damaged: ${what}.`, {
    hint: 'The stored bytes were altered or cut short; restore from another snapshot or another copy of the store.',
  })
}

function openSegment(key: Buffer, header: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw damaged(`segment ${index} is cut short`)
  if (last && index > 0 && sealed.length === TAG_BYTES) throw damaged(`segment ${index} is an empty last segment`)
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(index, last), { authTagLength: TAG_BYTES })
  decipher.setAAD(header)
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
  try {
    return Buffer.concat([plain, decipher.final()])
  } catch {
    throw damaged(last
      ? `segment ${index} does not authenticate as the last one (altered, truncated or reordered)`
      : `segment ${index} does not authenticate (altered, reordered or a segment dropped)`)
  }
}

/** Cuts plaintext into sealed segments; `write` returns what can be sealed so far, `end` the rest. */
class Sealer {
  readonly #header: Buffer
  readonly #key: Buffer
  #pending: Buffer = Buffer.alloc(0)
  #index = 0
  #started = false

  constructor(encryptionKey: Buffer, role: BodyRole) {
    const salt = randomBytes(SALT_BYTES)
    this.#header = Buffer.concat([BODY_MAGIC, salt])
    this.#key = bodyKey(encryptionKey, salt, role)
  }

  write(chunk: Buffer): Buffer[] {
    const out = this.#start()
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    // Strictly more than one segment: a segment is sealed as not-last only once a byte after it is known.
    while (this.#pending.length > SEGMENT_BYTES) {
      out.push(sealSegment(this.#key, this.#header, this.#index++, false, this.#pending.subarray(0, SEGMENT_BYTES)))
      this.#pending = this.#pending.subarray(SEGMENT_BYTES)
    }
    return out
  }

  end(): Buffer[] {
    const out = this.#start()
    out.push(sealSegment(this.#key, this.#header, this.#index, true, this.#pending))
    return out
  }

  #start(): Buffer[] {
    if (this.#started) return []
    this.#started = true
    return [this.#header]
  }
}

/** Reads the header, then authenticates each segment before returning its plaintext. */
class Opener {
  readonly #encryptionKey: Buffer
  readonly #role: BodyRole
  #header: Buffer | null = null
  #key: Buffer | null = null
  #pending: Buffer = Buffer.alloc(0)
  #index = 0

  constructor(encryptionKey: Buffer, role: BodyRole) {
    this.#encryptionKey = encryptionKey
    this.#role = role
  }

  write(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    const out: Buffer[] = []
    if (this.#header === null) {
      if (this.#pending.length < HEADER_BYTES) return out
      this.#readHeader()
    }
    // A segment is opened as not-last only when more bytes follow it; the last is opened by end().
    while (this.#pending.length > SEALED_SEGMENT_BYTES) {
      out.push(openSegment(this.#key!, this.#header!, this.#index++, false, this.#pending.subarray(0, SEALED_SEGMENT_BYTES)))
      this.#pending = this.#pending.subarray(SEALED_SEGMENT_BYTES)
    }
    return out
  }

  end(): Buffer {
    if (this.#header === null) {
      if (this.#pending.length < HEADER_BYTES) throw damaged('it is shorter than its header')
      this.#readHeader()
    }
    return openSegment(this.#key!, this.#header!, this.#index, true, this.#pending)
  }

  #readHeader(): void {
    const header = Buffer.from(this.#pending.subarray(0, HEADER_BYTES))
    if (!header.subarray(0, BODY_MAGIC.length).equals(BODY_MAGIC)) throw damaged('it does not start with the sealed-body magic "LBE1"')
    this.#header = header
    this.#key = bodyKey(this.#encryptionKey, header.subarray(BODY_MAGIC.length), this.#role)
    this.#pending = this.#pending.subarray(HEADER_BYTES)
  }
}

function pushAll(stream: Transform, parts: Buffer[]): void {
  for (const part of parts) stream.push(part)
}

/** Plaintext -> sealed body, streaming (at most two segments held). */
export function createSealStream(encryptionKey: Buffer, role: BodyRole): Transform {
  const sealer = new Sealer(encryptionKey, role)
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      pushAll(this, sealer.write(chunk))
      callback()
    },
    flush(callback: TransformCallback) {
      pushAll(this, sealer.end())
      callback()
    },
  })
}

/** Sealed body -> plaintext, streaming; fails with BadArchiveError at the first damaged segment or a cut-off end. */
export function createOpenStream(encryptionKey: Buffer, role: BodyRole): Transform {
  const opener = new Opener(encryptionKey, role)
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        pushAll(this, opener.write(chunk))
        callback()
      } catch (error) {
        callback(error as Error)
      }
    },
    flush(callback: TransformCallback) {
      try {
        callback(null, opener.end())
      } catch (error) {
        callback(error as Error)
      }
    },
  })
}

/** A whole small body (a manifest) sealed in memory: the same format the stream writes. */
export function sealBuffer(encryptionKey: Buffer, role: BodyRole, plain: Buffer): Buffer {
  const sealer = new Sealer(encryptionKey, role)
  return Buffer.concat([...sealer.write(plain), ...sealer.end()])
}

/** Opens a whole sealed body in memory (BadArchiveError when damaged). */
export function openBuffer(encryptionKey: Buffer, role: BodyRole, sealed: Buffer): Buffer {
  const opener = new Opener(encryptionKey, role)
  return Buffer.concat([...opener.write(sealed), opener.end()])
}

/** Stored size of a body of `plainBytes` plaintext bytes (docs/backup-store.md §9.2). */
export function sealedSize(plainBytes: number): number {
  return HEADER_BYTES + plainBytes + TAG_BYTES * Math.max(1, Math.ceil(plainBytes / SEGMENT_BYTES))
}
