// The keys of an encrypted store (docs/backup-store.md §9.1): a random 64-byte master key (encryption key + name
// key) sealed with AES-256-GCM under a key that scrypt derives from the passphrase. config.json holds the scrypt
// parameters and the sealed master key, so the passphrase can change without rewriting any object.
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto'
import { AuthError, BadArchiveError } from '../errors.js'

export const ENCRYPTION_SCHEME = 'aes-256-gcm-stream/1'
const MASTER_KEY_BYTES = 64
const WRAP_NONCE_BYTES = 12
const WRAP_TAG_BYTES = 16
const WRAP_AAD = Buffer.from('lifeboat-store/2 master key')
const KDF_SALT_BYTES = 32
/** Upper bound on scrypt memory (128·N·r·p) a config.json may ask for: a hostile config must not exhaust memory. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024

export interface ScryptParams {
  N: number
  r: number
  p: number
}

/** New stores: 64 MiB of memory; unlocking takes well under a second on a small server. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 16, r: 8, p: 1 }

/** The `encryption` block of a version 2 config.json. */
export interface EncryptionConfig {
  scheme: typeof ENCRYPTION_SCHEME
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string }
  masterKey: { nonce: string; sealed: string }
}

export interface StoreKeys {
  /** Input to the per-body HKDF (§9.2). */
  encryptionKey: Buffer
  /** HMAC key for object names (§9.3). */
  nameKey: Buffer
}

function scrypt(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 2 * 128 * params.N * params.r * params.p }
  // NFC: the same passphrase typed on any system (precomposed or combining accents) gives the same key.
  return new Promise((resolve, reject) => {
    scryptCallback(Buffer.from(passphrase.normalize('NFC'), 'utf8'), salt, 32, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

function splitMasterKey(master: Buffer): StoreKeys {
  return { encryptionKey: Buffer.from(master.subarray(0, 32)), nameKey: Buffer.from(master.subarray(32, 64)) }
}

/** A fresh master key sealed under `passphrase`; returns the config block and the unlocked keys. */
export async function newEncryptionKeys(passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<{ config: EncryptionConfig; keys: StoreKeys }> {
  const problem = paramsProblem(params)
  if (problem) throw new Error(`newEncryptionKeys: ${problem}`)
  const master = randomBytes(MASTER_KEY_BYTES)
  const salt = randomBytes(KDF_SALT_BYTES)
  const nonce = randomBytes(WRAP_NONCE_BYTES)
  const wrappingKey = await scrypt(passphrase, salt, params)
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, nonce, { authTagLength: WRAP_TAG_BYTES })
  cipher.setAAD(WRAP_AAD)
  const sealed = Buffer.concat([cipher.update(master), cipher.final(), cipher.getAuthTag()])
  const config: EncryptionConfig = {
    scheme: ENCRYPTION_SCHEME,
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
    masterKey: { nonce: nonce.toString('base64'), sealed: sealed.toString('base64') },
  }
  return { config, keys: splitMasterKey(master) }
}

function paramsProblem(params: ScryptParams): string | null {
  const { N, r, p } = params
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0) return 'kdf.N is not a power of two from 2^10 to 2^20'
  if (!Number.isInteger(r) || r < 1 || r > 32) return 'kdf.r is not a whole number from 1 to 32'
  if (!Number.isInteger(p) || p < 1 || p > 4) return 'kdf.p is not a whole number from 1 to 4'
  if (128 * N * r * p > MAX_SCRYPT_MEMORY) return `kdf asks for more than ${MAX_SCRYPT_MEMORY / 1024 / 1024} MiB of memory`
  return null
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function base64Bytes(value: unknown, min: number, max: number): Buffer | null {
  if (typeof value !== 'string' || !BASE64.test(value) || value.length % 4 !== 0) return null
  const bytes = Buffer.from(value, 'base64')
  return bytes.length >= min && bytes.length <= max ? bytes : null
}

interface ParsedConfig {
  params: ScryptParams
  salt: Buffer
  nonce: Buffer
  sealed: Buffer
}

/** Checks the block before any scrypt runs (§9.1); one line per problem, none when sound. */
function parseEncryptionConfig(value: unknown): { parsed: ParsedConfig | null; problem: string | null } {
  const fail = (problem: string) => ({ parsed: null, problem })
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('encryption is not an object')
  const c = value as Record<string, unknown>
  if (c.scheme !== ENCRYPTION_SCHEME) return fail(`encryption.scheme ${JSON.stringify(c.scheme)} is not ${ENCRYPTION_SCHEME}`)
  const kdf = c.kdf as Record<string, unknown> | null | undefined
  if (kdf === null || typeof kdf !== 'object') return fail('encryption.kdf is not an object')
  if (kdf.name !== 'scrypt') return fail(`encryption.kdf.name ${JSON.stringify(kdf.name)} is not scrypt`)
  const params = { N: kdf.N, r: kdf.r, p: kdf.p } as ScryptParams
  const problem = paramsProblem(params)
  if (problem) return fail(`encryption.${problem}`)
  const salt = base64Bytes(kdf.salt, 16, 64)
  if (!salt) return fail('encryption.kdf.salt is not base64 of 16 to 64 bytes')
  const key = c.masterKey as Record<string, unknown> | null | undefined
  if (key === null || typeof key !== 'object') return fail('encryption.masterKey is not an object')
  const nonce = base64Bytes(key.nonce, WRAP_NONCE_BYTES, WRAP_NONCE_BYTES)
  if (!nonce) return fail(`encryption.masterKey.nonce is not base64 of ${WRAP_NONCE_BYTES} bytes`)
  const sealed = base64Bytes(key.sealed, MASTER_KEY_BYTES + WRAP_TAG_BYTES, MASTER_KEY_BYTES + WRAP_TAG_BYTES)
  if (!sealed) return fail(`encryption.masterKey.sealed is not base64 of ${MASTER_KEY_BYTES + WRAP_TAG_BYTES} bytes`)
  return { parsed: { params, salt, nonce, sealed }, problem: null }
}

/** BadArchiveError (exit 12) when the block is malformed or hostile; checked before a passphrase is asked for. */
export function checkEncryptionConfig(config: unknown, location = 'the backup store'): void {
  parsedOrThrow(config, location)
}

function parsedOrThrow(config: unknown, location: string): ParsedConfig {
  const { parsed, problem } = parseEncryptionConfig(config)
  if (parsed) return parsed
  throw new BadArchiveError(`The encryption settings in ${location}'s config.json are damaged: ${problem}.`, {
    hint: 'Restore config.json from another copy of the store; without it the store cannot be opened.',
  })
}

/**
 * Opens the master key with `passphrase`. A malformed block is BadArchiveError (exit 12); a passphrase that does not
 * open it is AuthError (exit 4). `location` names the store in messages.
 */
export async function unlockKeys(config: unknown, passphrase: string, location = 'the backup store'): Promise<StoreKeys> {
  const parsed = parsedOrThrow(config, location)
  const wrappingKey = await scrypt(passphrase, parsed.salt, parsed.params)
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey, parsed.nonce, { authTagLength: WRAP_TAG_BYTES })
  decipher.setAAD(WRAP_AAD)
  decipher.setAuthTag(parsed.sealed.subarray(MASTER_KEY_BYTES))
  const master = decipher.update(parsed.sealed.subarray(0, MASTER_KEY_BYTES))
  try {
    decipher.final()
  } catch {
    throw new AuthError(`The passphrase does not unlock ${location}.`, {
      hint: 'Check the variable named by --store-passphrase-env (default LIFEBOAT_STORE_PASSPHRASE); if it is right, config.json was altered.',
    })
  }
  return splitMasterKey(master)
}
