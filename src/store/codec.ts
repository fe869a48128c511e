// How objects and manifests are turned into stored bytes and named in the backend (docs/backup-store.md §2).
// BackupStore runs every object key, object body and manifest body through one codec. The plain codec stores the
// bytes as they are, under `objects/ab/<sha256 of the bytes>`: the layout of store version 1. An encrypting codec
// keys the names and seals the bodies; verification is the same for both: decode, hash the plaintext, and check
// that objectKey(hash) is the key the bytes were read from.
import { PassThrough, type Transform } from 'node:stream'
import { OBJECTS_DIR } from './format.js'

export interface ObjectCodec {
  /** 'none' for plain. */
  readonly name: string
  /** Backend key of the object whose PLAINTEXT sha256 is given, e.g. 'objects/ab/<sha>'. */
  objectKey(sha256: string): string
  /** A well-formed object key (prune/verify listing). */
  isObjectKey(key: string): boolean
  /** Plaintext -> stored bytes (identity for plain). */
  encrypt(): Transform
  /** Stored bytes -> plaintext; fails on tampering/truncation. */
  decrypt(): Transform
  /** Manifests (snapshots/<id>.json contents). */
  sealSmall(bytes: Buffer): Buffer
  openSmall(bytes: Buffer): Buffer
}

const PLAIN_OBJECT_KEY = /^objects\/([0-9a-f]{2})\/([0-9a-f]{64})$/

/** Bytes stored as they are, named by their own sha256 (store version 1). */
export const plainCodec: ObjectCodec = {
  name: 'none',
  objectKey: (sha256) => `${OBJECTS_DIR}/${sha256.slice(0, 2)}/${sha256}`,
  isObjectKey(key) {
    const match = PLAIN_OBJECT_KEY.exec(key)
    return match !== null && match[2]!.startsWith(match[1]!)
  },
  encrypt: () => new PassThrough(),
  decrypt: () => new PassThrough(),
  sealSmall: (bytes) => bytes,
  openSmall: (bytes) => bytes,
}

/** True for the plain codec: stored bytes are the plaintext, so a local object file can be used in place. */
export function isPlain(codec: ObjectCodec): boolean {
  return codec.name === 'none'
}
